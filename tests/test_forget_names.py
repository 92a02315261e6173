"""`forget NAME` takes any unambiguous form of a document's name: its file name when no
other document has it, its name as `sources` lists it, the end of its path, the full
path; a name several documents answer to is listed and nothing is forgotten."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from localqa.cli.main import cli

runner = CliRunner()


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LOCALQA_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    docs = tmp_path / "docs"
    for folder, name, text in (
        ("hr", "handbook.txt", "Salary is paid on the last working day of the month."),
        ("hr", "leave.txt", "Annual leave is 25 days."),
        ("it", "handbook.txt", "Passwords are changed every 90 days."),
        ("it", "vpn.txt", "The VPN is needed outside the office."),
    ):
        (docs / folder).mkdir(parents=True, exist_ok=True)
        (docs / folder / name).write_text(text + "\n")
    assert runner.invoke(cli, ["ingest", str(docs), "-q"]).exit_code == 0
    return docs


def listed() -> list[str]:
    return [d["path"] for d in json.loads(runner.invoke(cli, ["sources", "--json"]).stdout)]


@pytest.mark.parametrize("form", ["vpn.txt", "it/vpn.txt", "docs/it/vpn.txt", "FULL"])
def test_any_unambiguous_form_forgets_the_one_document(library: Path, form: str) -> None:
    name = str(library / "it" / "vpn.txt") if form == "FULL" else form
    result = runner.invoke(cli, ["forget", name])
    assert result.exit_code == 0, result.stderr
    assert "forgot it/vpn.txt" in result.stderr
    assert listed() == ["hr/handbook.txt", "hr/leave.txt", "it/handbook.txt"]


def test_a_name_of_several_lists_them_and_forgets_nothing(library: Path) -> None:
    result = runner.invoke(cli, ["forget", "handbook.txt"])
    assert result.exit_code == 2  # a usage error: say which (issue 24)
    assert "handbook.txt names 2 documents; nothing forgotten" in result.stderr
    assert str(library / "hr" / "handbook.txt") in result.stderr
    assert str(library / "it" / "handbook.txt") in result.stderr
    assert len(listed()) == 4
    assert runner.invoke(cli, ["forget", "hr/handbook.txt"]).exit_code == 0
    assert listed() == ["hr/leave.txt", "it/handbook.txt", "it/vpn.txt"]


def test_a_name_in_no_document_says_so(library: Path) -> None:
    result = runner.invoke(cli, ["forget", "andbook.txt"])  # not a whole file name
    assert result.exit_code == 1 and "not in index" in result.stderr
    assert len(listed()) == 4


@pytest.mark.parametrize("args", [[], ["vpn.txt", "--missing"]])
def test_no_document_or_both_is_a_usage_error_in_one_line(library: Path, args: list[str]) -> None:
    result = runner.invoke(cli, ["forget", *args])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "localqa: error: give a document to forget, or --missing (not both)"
    ]
    assert len(listed()) == 4
