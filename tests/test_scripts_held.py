"""A question that finds nothing over an index holding documents in another script says so
in one line, and what to do (ask in their language): real MiniLM (English-only) over
sample_docs, whose handbook-zh.md is Chinese."""

from __future__ import annotations

import pytest

from localqa.answering.answer_json import answer_from_json
from localqa.answering.answerer import Answerer
from localqa.answering.scripts_held import LATIN, other_script_line, wants_script_line, written_in
from localqa.builder import Builder
from localqa.config import Settings
from localqa.embedding.coverage import Coverage

ENGLISH_ONLY = Coverage(False, "its model card lists en")
MULTILINGUAL = Coverage(True, "its model card lists multilingual")
# Nothing in sample_docs is about football.
UNANSWERABLE = "Which team won the 1998 FIFA World Cup final?"
CHINESE_LINE = (
    "1 indexed document is written in Chinese (handbook-zh.md), and this question is not: "
    "the search cannot match across them. Ask in Chinese to search it."
)


def test_a_text_is_written_in_the_script_most_of_it_is_in() -> None:
    assert written_in("员工手册（中文补充篇）：中国客户与出差 Halvorsen") == "Chinese"
    assert written_in("社員ハンドブック") == "Japanese"
    assert written_in("Курить в офисе запрещено.") == "Cyrillic"
    assert written_in("Who is the contact for the China business?") == LATIN


def test_the_line_names_the_documents_the_model_cannot_bridge() -> None:
    openings = {"/d/zh.md": "员工手册：中国客户与出差", "/d/faq.txt": "Q: When is salary paid?"}
    names = {"/d/zh.md": "zh.md", "/d/faq.txt": "faq.txt"}
    line = other_script_line("Who is the contact?", openings, names, ENGLISH_ONLY)
    assert line.startswith("1 indexed document is written in Chinese (zh.md)")
    back = other_script_line("联系人是谁？", openings, names, ENGLISH_ONLY)
    assert back.endswith("Ask in English or another Latin-script language to search it.")
    # a model that covers both finds across them by meaning; one script: nothing to say
    assert other_script_line("Who is the contact?", openings, names, MULTILINGUAL) == ""
    assert other_script_line("When?", {"/d/faq.txt": "Q: When?"}, names, ENGLISH_ONLY) == ""


@pytest.fixture(scope="module")
def answerer(sample_index: Settings) -> Answerer:
    builder = Builder(sample_index)
    return builder.answerer(builder.existing_index())


def test_an_english_question_that_finds_nothing_points_at_the_chinese_document(
    answerer: Answerer,
) -> None:
    declined = answerer.ask(UNANSWERABLE)
    assert declined.verdict == "abstained"
    assert declined.other_script == CHINESE_LINE
    assert declined.lines_after == (CHINESE_LINE,)
    assert declined.as_json()["other_script_line"] == CHINESE_LINE
    assert answer_from_json(declined.as_json()).lines_after == (CHINESE_LINE,)
    # an answer that stands alone says nothing of it
    answered = answerer.ask("How many weeks of parental leave do employees get?")
    assert answered.verdict == "supported" and answered.other_script == ""
    assert answered.as_json()["other_script_line"] is None


@pytest.mark.parametrize(
    ("verdict", "wanted"),
    [
        ("abstained", True),
        ("supported", False),
        ("shown-with-quotes", False),
        ("unsupported", False),
    ],
)
def test_only_an_answer_that_abstains_gets_the_line(verdict: str, wanted: bool) -> None:
    assert wants_script_line(verdict) is wanted


def test_a_question_nothing_in_its_script_answers_is_declined_with_the_line(
    answerer: Answerer,
) -> None:
    """The English passages scored low say the English documents do not answer; that
    the Chinese ones cannot be scored against an English question is no reason to quote
    them (extractive.py `crosses_script`: only where nothing found is in the question's
    script). Before: the Chinese handbook's heading, quoted as supported at 0.12."""
    declined = answerer.ask("What is the capital of Australia?")
    assert declined.verdict == "abstained"
    assert declined.other_script == CHINESE_LINE
