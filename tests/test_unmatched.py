"""Declining a question the passages match closely but do not answer (SQuAD 2.0's swapped
number, denial and opposite), with the line that says what was checked; real MiniLM and
Chroma over four SQuAD 2.0 dev paragraphs (tests/data/squad_swapped.json), and the
answerable questions of the same paragraphs, denials among them, still answered."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from localqa.answering.abstain import ABSTAINED_BECAUSE, MAY_NOT_ANSWER
from localqa.answering.answer_json import answer_from_json
from localqa.answering.answerer import Answerer
from localqa.answering.unmatched import absent_number, unmatched
from localqa.builder import Builder
from localqa.config import Settings
from localqa.embedding.embedder import Embedder
from tests.conftest import ingest_paths

CASES = json.loads((Path(__file__).parent / "data" / "squad_swapped.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def squad(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Answerer:
    folder = tmp_path_factory.mktemp("squad-swapped")
    for paragraph in CASES["paragraphs"]:
        (folder / f"{paragraph['title']}.txt").write_text(paragraph["context"], "utf-8")
    settings = Settings(home=tmp_path_factory.mktemp("home"))
    assert not ingest_paths(settings, embedder, folder).failed
    return Builder(settings).answerer(Builder(settings).existing_index())


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


def test_a_number_is_matched_by_its_value_whatever_its_writing() -> None:
    passages = ["Prices rose by two percent, about $20 million in all, in the 19th century."]
    assert absent_number("Did prices rise by 2% in the nineteenth century?", passages) is None
    assert absent_number("What cost 20,000,000 dollars?", passages) is None
    assert absent_number("What rose by 3% in 1973?", passages) == "3%"
