"""Declining a question the passages match closely but do not answer (SQuAD 2.0's swapped
number, denial and opposite), with the line that says what was checked; real MiniLM and
Chroma over four SQuAD 2.0 dev paragraphs (tests/data/squad_swapped.json), and the
answerable questions of the same paragraphs, denials among them, still answered."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from localqa.answering.abstain import ABSTAINED_BECAUSE, MAY_NOT_ANSWER
from localqa.answering.answer_json import answer_from_json
from localqa.answering.answerer import Answerer
from localqa.answering.unmatched import absent_number, unmatched
from localqa.builder import Builder
from localqa.config import Settings
from localqa.embedding.embedder import Embedder
from localqa.generation.model import LocalModel
from tests.conftest import ingest_paths

CASES = json.loads((Path(__file__).parent / "data" / "squad_swapped.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def squad_index(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    folder = tmp_path_factory.mktemp("squad-swapped")
    for paragraph in CASES["paragraphs"]:
        (folder / f"{paragraph['title']}.txt").write_text(paragraph["context"], "utf-8")
    settings = Settings(home=tmp_path_factory.mktemp("home"))
    assert not ingest_paths(settings, embedder, folder).failed
    return settings


@pytest.fixture(scope="module")
def squad(squad_index: Settings) -> Answerer:
    return Builder(squad_index).answerer(Builder(squad_index).existing_index())


@pytest.mark.parametrize("case", CASES["declines"], ids=lambda c: c["question"][:40])
def test_a_swapped_question_is_declined_saying_what_was_checked(
    squad: Answerer, case: dict[str, str]
) -> None:
    answer = squad.ask(case["question"])
    assert answer.abstained and answer.citations  # the nearest passages are still shown
    assert answer.text.startswith(ABSTAINED_BECAUSE.split("{why}")[0])
    assert case["line"] in answer.text


@pytest.mark.parametrize("case", CASES["answers"], ids=lambda c: c["question"][:40])
def test_the_same_paragraphs_answerable_questions_are_answered(
    squad: Answerer, case: dict[str, str]
) -> None:
    answer = squad.ask(case["question"])
    assert not answer.abstained and case["answer"] in answer.text
    assert not answer.may_not_answer and not answer.lines_after


@pytest.mark.parametrize("case", CASES["doubts"], ids=lambda c: c["question"][:40])
def test_a_mismatch_with_a_loosely_matching_sentence_is_only_said(
    squad: Answerer, case: dict[str, str]
) -> None:
    """The best sentence matches the question loosely (relevance below SURE_RELEVANCE): a
    denial it lacks is no sure sign, so the quotes are shown, under the line saying so."""
    answer = squad.ask(case["question"])
    assert not answer.abstained and answer.citations and answer.text != answer.may_not_answer
    assert answer.may_not_answer == MAY_NOT_ANSWER.format(why=case["line"])
    assert answer.lines_after == (answer.may_not_answer,)
    assert answer.as_json()["may_not_answer_line"] == answer.may_not_answer
    assert answer_from_json(answer.as_json()).lines_after == answer.lines_after  # --server


def test_a_denial_the_best_sentence_words_otherwise_is_no_mismatch() -> None:
    # "lack" denies as "not" does (a SQuAD 2.0 dev question and its paragraph's sentence)
    best = "In the coastal beroids the adults of most species lack combs and tentacles."
    assert unmatched("What do coastal beroids not have?", [best], [best]) is None
    assert unmatched("What do coastal beroids have?", [best], [best]) is None
    # answerable ones of tests/data/labelled_answers.json: an exception denies too, and
    # "whether or not" asks
    coast = (
        "Many of southern California's most developed cities lie along or in close "
        "proximity to the coast, with the exception of San Bernardino and Riverside."
    )
    city = "Other than San Bernardino, which developed city is not in close proximity to the coast?"
    assert unmatched(city, [coast], [coast]) is None
    field = "Computability theory asks whether a problem can be solved using algorithms."
    asked = "What field determines whether or not a problem can be solved using algorithms?"
    assert unmatched(asked, [field], [field]) is None
    assert unmatched("What problem can not be solved using algorithms?", [field], [field])


def test_a_number_is_matched_by_its_value_whatever_its_writing() -> None:
    passages = ["Prices rose by two percent, about $20 million in all, in the 19th century."]
    assert absent_number("Did prices rise by 2% in the nineteenth century?", passages) is None
    assert absent_number("What cost 20,000,000 dollars?", passages) is None
    # SQuAD 2.0 dev, answerable: "the country's tenth-largest Arab population"
    tenth = ["Jacksonville has the country's tenth-largest Arab population."]
    assert (
        absent_number("What ethnic group in Jacksonville is ranked tenth largest?", tenth) is None
    )
    assert absent_number("What rose by 3% in 1973?", passages) == "3%"


def test_a_model_answer_is_declined_unwritten_or_shown_with_the_line(
    squad_index: Settings, smollm2_gguf: Path
) -> None:
    """With a model, as without: the sure mismatch is declined before anything is
    generated; the unsure one is generated and shown with the line (its Final's answer)."""
    builder = Builder(squad_index)
    model = LocalModel.load(smollm2_gguf, n_ctx=2048, n_gpu_layers=0)
    index = builder.existing_index()
    try:
        answerer = builder.answerer(index, model)
        declined = answerer.ask(CASES["declines"][0]["question"])
        doubted = answerer.ask(CASES["doubts"][0]["question"])
    finally:
        index.close()
        model.close()
    assert declined.abstained and "generated_tokens" not in declined.timings
    assert CASES["declines"][0]["line"] in declined.text
    assert not doubted.abstained and doubted.timings["generated_tokens"] > 0
    assert doubted.may_not_answer == MAY_NOT_ANSWER.format(why=CASES["doubts"][0]["line"])


def test_ask_says_what_was_checked(squad_index: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from localqa.cli.main import cli

    monkeypatch.setenv("LOCALQA_HOME", str(squad_index.home))
    monkeypatch.chdir(squad_index.home)
    case = CASES["declines"][0]
    result = CliRunner().invoke(cli, ["ask", "--extractive", case["question"]])
    assert result.exit_code == 0, result.stderr
    assert case["line"] in result.stdout and "\nNearest passages:" in result.stdout
    assert "abstained: the passages found do not say what it asks" in result.stderr
    assert "closely enough" not in result.stderr  # that is the relevance rule's reason
