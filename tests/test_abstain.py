"""Abstaining when the documents do not answer: real MiniLM, real Chroma over sample_docs,
and SmolLM2 through llama.cpp for a generated answer, with the default `abstain_below`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from localqa.answer_eval import abstains
from localqa.answering.abstain import ABSTAINED, ABSTAINED_BECAUSE
from localqa.answering.answer import Answer
from localqa.answering.answerer import Answerer
from localqa.answering.extractive import NOTHING_FOUND
from localqa.builder import Builder
from localqa.config import Settings
from localqa.embedding.embedder import Embedder
from localqa.generation.model import LocalModel
from tests.conftest import ingest_paths

LEAVE = "How many weeks of parental leave do employees get?"
# Nothing in sample_docs is about football, and no passage shares the question's words.
UNANSWERABLE = "Which team won the 1998 FIFA World Cup final?"


@pytest.fixture(scope="module")
def extractive(sample_index: Settings) -> Answerer:
    builder = Builder(sample_index)
    return builder.answerer(builder.existing_index())


def assert_abstains(answer: Answer, why: str = "") -> None:
    """Declined: the plain text, or (`why`) the text saying what was checked."""
    said = ABSTAINED_BECAUSE.format(why=why) if why else ABSTAINED
    assert answer.abstained and answer.text == said and abstains(answer)
    assert not answer.grounded  # it makes no claim
    # the nearest passages are still shown, each quote taken from its chunk
    assert answer.citations and len(answer.contexts) == len(answer.citations)
    for citation in answer.citations:
        assert " ".join(citation.quote.split()) in " ".join(citation.chunk.text.split())
    assert answer.as_json()["abstained"] is True


def test_extractive_abstains_when_the_documents_do_not_answer(extractive: Answerer) -> None:
    assert_abstains(extractive.ask(UNANSWERABLE))
    answered = extractive.ask(LEAVE)
    assert not answered.abstained and not abstains(answered)
    assert "18 weeks" in answered.text


def test_abstaining_is_a_setting(sample_index: Settings) -> None:
    never = Settings.model_validate({**sample_index.model_dump(), "abstain_below": 0.0})
    builder = Builder(never)
    with builder.existing_index() as index:
        answer = builder.answerer(index).ask(UNANSWERABLE)
    assert not answer.abstained and answer.text != ABSTAINED


def test_a_model_answer_abstains_without_generating(
    sample_index: Settings, smollm2_gguf: Path
) -> None:
    builder = Builder(sample_index)
    model = LocalModel.load(smollm2_gguf, n_ctx=2048, n_gpu_layers=0)
    index = builder.existing_index()
    try:
        answerer = builder.answerer(index, model)
        unanswerable, answered = answerer.ask(UNANSWERABLE), answerer.ask(LEAVE)
    finally:
        index.close()
        model.close()
    assert_abstains(unanswerable)
    assert unanswerable.mode == "generative" and "generated_tokens" not in unanswerable.timings
    assert not answered.abstained and answered.timings["generated_tokens"] > 0


def test_ask_says_the_documents_do_not_answer(
    sample_index: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from localqa.cli.main import cli

    monkeypatch.setenv("LOCALQA_HOME", str(sample_index.home))
    monkeypatch.chdir(sample_index.home)
    result = CliRunner().invoke(cli, ["ask", UNANSWERABLE])
    assert result.exit_code == 0, result.stderr
    assert ABSTAINED in result.stdout
    assert "\nNearest passages:" in result.stdout and "no answer was written" in result.stderr
    assert "abstained" in result.stderr


@pytest.mark.parametrize(
    ("question", "why"),
    [
        # a temperature; the specs hold others
        ("What is the boiling point of mercury?", "no passage found states a temperature"),
        # an age, for a role never mentioned: the name is what the passages lack first
        ("What is the minimum age to be a Senator?", "no passage found mentions Senator"),
        ("What is the minimum age to be a senator?", "no passage found states an age"),
    ],
)
def test_a_measure_no_candidate_sentence_states_is_declined(
    extractive: Answerer, question: str, why: str
) -> None:
    """Declined, saying what was checked (it said only that the passages do not say it)."""
    assert_abstains(extractive.ask(question), why)


def test_a_measure_a_table_row_states_is_answered(extractive: Answerer) -> None:
    answer = extractive.ask("What is the maximum temperature of the TP-450 probe?")
    assert not answer.abstained and "Max (C): 450" in answer.text


def test_an_english_question_over_a_chinese_passage_is_not_declined(
    shared_dir: Path, embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Word and MiniLM agreement between an English question and a Chinese sentence is
    nil whether or not it answers: the check is not sure, so it does not say the
    passages do not answer (CMRC 2018 trial, its first passage; the question is its
    "若游戏中离，则多少分钟内不得进行配对？" in English)."""
    data = json.loads((shared_dir / "eval" / "cmrc2018-trial.json").read_text(encoding="utf-8"))
    passage = data["data"][0]["paragraphs"][0]["context"]
    folder = tmp_path_factory.mktemp("cmrc")
    (folder / "bubble-fighter.txt").write_text(passage, encoding="utf-8")
    settings = Settings(home=tmp_path_factory.mktemp("home"))
    assert not ingest_paths(settings, embedder, folder).failed
    builder = Builder(settings)
    with builder.existing_index() as index:
        answer = builder.answerer(index).ask(
            "If a player leaves a game midway, for how many minutes can they not be matched?"
        )
    assert not answer.abstained and answer.text not in {ABSTAINED, NOTHING_FOUND}
    assert answer.citations and answer.citations[0].chunk.source == "bubble-fighter.txt"
