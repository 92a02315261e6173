"""`import localqa` and `localqa --help` stay light: no heavy module is loaded."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ["torch", "sentence_transformers", "chromadb", "llama_cpp", "textual", "transformers"]


def loaded_after(code: str) -> list[str]:
    probe = f"""
import sys, json
{code}
print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))
"""
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return list(json.loads(out.stdout.strip().splitlines()[-1]))


def test_import_localqa_loads_nothing_heavy() -> None:
    assert loaded_after("import localqa") == []


def test_cli_help_loads_nothing_heavy() -> None:
    code = """
from localqa.cli import main
sys.argv = ["localqa", "--help"]
try:
    main()
except SystemExit:
    pass
"""
    assert loaded_after(code) == []


def test_core_modules_do_not_import_the_ui_or_ingest_at_module_level() -> None:
    code = """
import localqa.cli, localqa.cli_index, localqa.cli_answer, localqa.answer, localqa.app
bad = [m for m in sys.modules if m == "tui" or m.startswith(("tui.", "ingest"))]
assert not bad, bad
"""
    assert loaded_after(code) == []


def test_python_dash_m_works() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "localqa", "version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == __import__("localqa").__version__
