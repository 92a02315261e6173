"""Where a model is looked for, said when none is found; a whole-document question with a
real model: the quotes are its sources, and what became of its answer is said plainly
(issue 28, a new user's first hour)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from localqa.answering.answerer import Answer
from localqa.answering.presentation import present
from localqa.answering.whole import quoted_passages
from localqa.builder import Builder
from localqa.cli.answer import report_diagnostics
from localqa.cli.main import cli
from localqa.config import Settings
from localqa.generation.model import LocalModel


def test_ask_and_doctor_say_where_a_model_was_looked_for(
    sample_index: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LOCALQA_HOME", str(sample_index.home))
    monkeypatch.delenv("LOCALQA_MODEL_PATH", raising=False)
    monkeypatch.chdir(tmp_path)
    asked = CliRunner().invoke(cli, ["ask", "When is salary paid?"])
    assert asked.exit_code == 0, asked.stderr
    folders = f"{sample_index.home / 'models'} and {tmp_path / 'models'}"
    assert f"note: no GGUF model found in {folders}" in asked.stderr
    assert "--model FILE, LOCALQA_MODEL_PATH or model_path" in asked.stderr
    # asked for quotes only: no note
    quoted = CliRunner().invoke(cli, ["ask", "When is salary paid?", "--extractive"])
    assert "no GGUF model found" not in quoted.stderr
    doctor = CliRunner().invoke(cli, ["doctor"])
    assert f"none: no GGUF model found in {folders}" in doctor.stdout


def test_a_model_in_the_current_folders_models_is_used(
    sample_index: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "mine.gguf").write_bytes(b"GGUF")
    monkeypatch.chdir(tmp_path)
    assert Builder(sample_index).model_file() == tmp_path / "models" / "mine.gguf"


def test_a_summary_with_a_model_gives_it_the_quotes_and_says_what_became_of_its_answer(
    sample_index: Settings, smollm2_gguf: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    builder = Builder(sample_index)
    model = LocalModel.load(smollm2_gguf, n_ctx=2048, n_gpu_layers=0)
    try:
        with builder.existing_index() as index:
            answer = builder.answerer(index, model).ask("Summarise the remote-work memo")
    finally:
        model.close()
    assert answer.mode == "generative" and answer.fallback is not None
    quotes = answer.fallback.citations
    # the model was given the quotes' own lines, not the memo's first whole chunk alone
    given = [c.text for c in answer.contexts]
    assert len(given) >= 3
    assert given == [c.text for c in quoted_passages(quotes)][: len(given)]
    assert all(len(text) < 600 for text in given)
    report_diagnostics(present(answer, quotes_only=False))
    err = capsys.readouterr().err
    assert f"[generative] {len(given)} source(s) given to the model" in err
    if not answer.unsupported:  # no sentence of it is unsupported: none is said to be
        assert "not every sentence" not in err


def _generated(text: str, fallback: Answer) -> Answer:
    return Answer(
        "q",
        text,
        "generative",
        (),
        fallback.contexts,
        fallback=fallback,
        fallback_reason="no-claim",
        finish_reason="length",
    )


def test_an_answer_the_model_never_wrote_is_not_called_unsupported(
    capsys: pytest.CaptureFixture[str],
) -> None:
    quotes = Answer("q", "Quoted: - a fact [1]", "extractive", (), ())
    report_diagnostics(present(_generated("", quotes), quotes_only=False))
    err = capsys.readouterr().err
    assert "the model wrote no answer" in err and "not every sentence" not in err
    report_diagnostics(present(_generated("[1]", quotes), quotes_only=False))
    err = capsys.readouterr().err
    assert "makes no claim to check" in err and "not every sentence" not in err
    report_diagnostics(present(_generated("[1]", quotes), quotes_only=True))
    assert "the model's answer is not shown (no claim to check)" in capsys.readouterr().err
