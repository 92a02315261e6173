"""docs/BENCHMARKS.md's tables are what docs/benchmarks/current.json makes of them."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "current.py"


def load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchmarks_current", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_page_is_what_the_data_make_it() -> None:
    page, new, errors = load().build()
    assert errors == []
    assert new == page, "docs/BENCHMARKS.md is stale: run python benchmarks/current.py"


def test_check_exits_zero_on_the_repository() -> None:
    run = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def test_a_record_must_name_a_log_section_and_a_known_machine() -> None:
    current = load()
    row = dict.fromkeys(current.FIELDS, "x") | {"machine": "m", "anchor": "ingest-1"}
    data = {"machines": {"m": {"label": "M", "detail": "d"}}, "groups": [{"rows": [row]}]}
    assert current.problems(data, "## Ingest\n## Ingest\n") == []
    assert current.problems(data, "## Ingest\n") == ["x: no section #ingest-1 in BENCHMARKS-LOG.md"]
    row["machine"] = "other"
    assert current.problems(data, "## Ingest\n## Ingest\n") == ["x: unknown machine 'other'"]
    assert current.anchors("## End-to-end (`a/b_c.py`)\n```\n# not a heading\n```\n") == {
        "end-to-end-ab_cpy"
    }
