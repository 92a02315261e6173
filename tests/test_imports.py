"""`import localqa` and `localqa --help` stay light: no heavy module is loaded."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = [
    "torch",
    "sentence_transformers",
    "chromadb",
    "llama_cpp",
    "textual",
    "transformers",
    "fastapi",
    "uvicorn",
    "starlette",
    "mcp",
]


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
from localqa.cli.main import main
sys.argv = ["localqa", "--help"]
try:
    main()
except SystemExit:
    pass
"""
    assert loaded_after(code) == []


def test_core_modules_do_not_import_the_ui_or_ingest_at_module_level() -> None:
    code = """
import localqa.cli.main, localqa.answering.answerer, localqa.builder
bad = [m for m in sys.modules if m.startswith(("localqa.tui", "localqa.ingest"))]
assert not bad, bad
"""
    assert loaded_after(code) == []


@pytest.mark.parametrize("asked", [["version"], ["--version"]])
def test_python_dash_m_works(asked: list[str]) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "localqa", *asked], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == __import__("localqa").__version__


def import_cycles(packages: tuple[str, ...] = ("localqa",)) -> list[list[str]]:
    """Each group of modules that import one another in a circle, directly or not
    (imports under TYPE_CHECKING count: they are cycles for a reader too)."""
    import grimp

    graph = grimp.build_graph(*packages)
    modules = sorted(graph.modules)
    edges = {m: graph.find_modules_directly_imported_by(m) for m in modules}
    # Tarjan's strongly connected components; a component of two or more is a cycle
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        order[module] = low[module] = len(order)
        stack.append(module)
        on_stack.add(module)
        for other in edges[module]:
            if other not in order:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], order[other])
        if low[module] == order[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for module in modules:
        if module not in order:
            visit(module)
    return cycles


def test_no_import_cycles() -> None:
    assert import_cycles() == []


def test_the_cycle_check_finds_a_cycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "circular"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from circular import b\n")
    (package / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from circular import a\n"
    )
    (package / "c.py").write_text("from circular import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_cycles(("circular",)) == [["circular.a", "circular.b"]]
