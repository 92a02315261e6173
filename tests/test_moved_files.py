"""Documents whose files moved: `sources` says so, `forget --missing` removes them,
`forget NAME` never removes several documents at once; dry runs and missing paths."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from localqa.cli.main import cli

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("LOCALQA_HOME", str(home))
    monkeypatch.chdir(tmp_path)
    return home


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_a_copied_folder_leaves_copies_that_can_be_told_apart_and_removed(
    home: Path, tmp_path: Path
) -> None:
    # (a renamed folder is re-pointed instead: tests/test_ingest_ux.py)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "boiler.txt").write_text("The boiler is serviced every March by Ferro Heating.\n")
    assert invoke("ingest", str(docs), "-q")[0] == 0
    manuals = Path(shutil.copytree(docs, tmp_path / "manuals"))
    assert invoke("ingest", str(manuals), "-q")[0] == 0
    shutil.rmtree(docs)

    code, out, err = invoke("sources")
    assert code == 0 and "1 whose file no longer exists" in err
    rows = out.strip().split("\n")[1:]  # under the column names
    assert sorted(row.split("\t")[0] for row in rows) == [
        str(tmp_path / "docs" / "boiler.txt"),
        str(manuals / "boiler.txt"),
    ]
    assert [row.endswith("FILE MISSING") for row in rows] == [True, False]

    code, _, err = invoke("forget", "boiler.txt")
    assert code == 2 and "names 2 documents; nothing forgotten" in err  # say which: issue 24
    assert err.endswith(
        f":\n  {tmp_path / 'docs' / 'boiler.txt'} (docs/boiler.txt)\n"
        f"  {manuals / 'boiler.txt'} (manuals/boiler.txt)\n"
    )
    assert len(json.loads(invoke("sources", "--json")[1])) == 2

    code, _, err = invoke("forget", "--missing")
    assert code == 0 and "1 document(s) whose file no longer exists forgotten" in err
    [left] = json.loads(invoke("sources", "--json")[1])
    assert left["abs_path"] == str(manuals / "boiler.txt") and left["missing"] is False

    code, out, _ = invoke("ask", "When is the boiler serviced?", "--json")
    assert code == 0
    assert json.loads(out)["citations"][0]["abs_path"] == str(manuals / "boiler.txt")


def test_dry_run_says_what_the_real_run_would_skip_and_fail(home: Path, tmp_path: Path) -> None:
    from tests.test_loaders import make_pdf

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "notes.txt").write_text("Plain notes.\n")
    (docs / "old.ppt").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64)
    (docs / "scan.pdf").write_bytes(make_pdf(["", ""]))
    code, out, err = invoke("ingest", str(docs), "--dry-run", "--json", "--no-ocr")
    report = json.loads(out)
    assert report["files"]["added"] == ["notes.txt"]
    assert [p["path"] for p in report["skipped"]] == ["old.ppt"]
    assert [p["path"] for p in report["failed"]] == ["scan.pdf"]
    assert "would skip old.ppt" in err and "would FAIL scan.pdf: no text layer" in err
    assert code == 1 and not home.exists()


def test_ingesting_a_path_that_does_not_exist_leaves_no_index(home: Path) -> None:
    code, _, err = invoke("ingest", "no-such-folder")
    assert (code, err) == (  # could not run: one line alone
        2,
        "localqa: error: no-such-folder: no such file or folder; check the path\n",
    )
    assert not home.exists()
