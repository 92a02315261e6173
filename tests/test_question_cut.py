"""A question longer than the embedder's window says that only its first part was used
for the dense search (stderr, and `question_cut` in --json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from localqa.cli.main import cli

runner = CliRunner()


@pytest.fixture
def indexed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LOCALQA_HOME", str(tmp_path / "home"))
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "ferry.txt").write_text("The ferry to Skye leaves at nine every weekday morning.\n")
    assert runner.invoke(cli, ["ingest", str(docs), "-q"]).exit_code == 0
    return docs


def test_a_long_question_is_said_to_be_cut(indexed: Path) -> None:
    long = "When does the ferry leave? " + "Please consider every detail of the timetable. " * 60
    result = runner.invoke(cli, ["ask", long, "--json", "--extractive"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["question_cut"] is True
    assert "only its first part was used for the dense search" in result.stderr

    result = runner.invoke(cli, ["ask", "When does the ferry leave?", "--extractive"])
    assert result.exit_code == 0 and "first part" not in result.stderr
    short = runner.invoke(cli, ["ask", "When does the ferry leave?", "--json", "--extractive"])
    assert json.loads(short.stdout)["question_cut"] is False
