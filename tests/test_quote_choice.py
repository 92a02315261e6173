"""Which sentence the extractive answer quotes first (issue 25: a new user's questions over
sample_docs, where retrieval held the answer and the quote was another sentence): the one
stating the fact asked for, not a heading, not one sharing only the asking words; and a
question about a name no passage holds abstains. Real MiniLM over sample_docs, and by hand
without an embedder (words only)."""

from __future__ import annotations

import pytest

from localqa.answering.answerer import Answerer
from localqa.answering.citations import SupportChecker
from localqa.answering.extractive import extract_answer
from localqa.builder import Builder
from localqa.config import Settings
from tests.support.contexts import context


@pytest.fixture(scope="module")
def extractive(sample_index: Settings) -> Answerer:
    builder = Builder(sample_index)
    return builder.answerer(builder.existing_index())


@pytest.mark.parametrize(
    ("question", "first"),
    [
        ("How many employees does the company have?", "Today we employ 214 people."),
        ("In what year was Halvorsen Marine Instruments started?", "founded in 1987"),
        ("How long is the paid leave when I have a baby?", "18 weeks of parental leave"),
        ("On which day of the month is salary paid?", "Salary is paid on the 20th"),
        # a capacity is no headcount: "room for eight people" was first (round 2)
        ("How many people work at the company?", "Today we employ 214 people."),
        # the office table's reception-hours row was first: it holds no address, no meal
        ("What is the address of the office in Aberdeen?", "Harbour Quay Business Park"),
        ("What daily meal allowance do I get on a business trip to Oslo?", "NOK 1,150"),
    ],
)
def test_the_first_quote_states_what_is_asked(
    extractive: Answerer, question: str, first: str
) -> None:
    answer = extractive.ask(question)
    assert not answer.abstained
    assert first in answer.citations[0].quote, [c.quote for c in answer.citations]


def test_the_sentence_a_quote_goes_on_with_is_not_quoted_again(extractive: Answerer) -> None:
    answer = extractive.ask("On which day of the month is salary paid?")
    quotes = [c.quote for c in answer.citations]
    assert sum("If the 20th falls on a weekend" in q for q in quotes) == 1, quotes


def test_a_name_no_passage_holds_abstains_with_the_script_line(extractive: Answerer) -> None:
    """sample_docs names China only in Chinese (中国, handbook-zh.md): the English passages
    found are about cars and laptops, matched by "business" and "contact" (support 0.31,
    over the 0.3 of abstain_below)."""
    answer = extractive.ask("Who is the contact for the China business?")
    assert answer.abstained
    assert "handbook-zh.md" in answer.other_script and "Ask in Chinese" in answer.other_script


def test_a_name_the_passages_hold_is_answered(extractive: Answerer) -> None:
    answer = extractive.ask("What is the address of the office in Aberdeen?")
    assert not answer.abstained and "Harbour Quay" in answer.text


def quotes(question: str, *texts: str) -> tuple[str, ...]:
    found = [context(f"c{n}", text) for n, text in enumerate(texts)]
    return extract_answer(question, found, SupportChecker(None)).quotes


def test_the_asking_words_match_nothing() -> None:
    """ "many" asks; "many former mentees" says nothing of the headcount."""
    got = quotes(
        "How many employees does the company have?",
        "Many former mentees go on to become mentors for many years at the company.",
        "Today we employ 214 people in four offices.",
    )
    assert got[0].startswith("Today we employ 214 people")


def test_a_heading_or_a_label_is_no_quote() -> None:
    got = quotes(
        "In what year was Halvorsen Marine Instruments started?",
        "HALVORSEN MARINE INSTRUMENTS - QUESTIONS FOR NEW STAFF\n\nHalvorsen Marine "
        "Instruments AS.",
        "Halvorsen Marine Instruments was started in 1987 by Ingrid Halvorsen.",
    )
    assert got and all("1987" in q for q in got), got


def test_a_year_is_asked_not_any_number() -> None:
    got = quotes(
        "In what year was the instrument maker started?",
        "The instrument maker started out with four offices.",
        "The instrument maker opened in 1987.",
    )
    assert got[0] == "The instrument maker opened in 1987."


def test_a_capacity_is_no_count_of_who_is_there() -> None:
    got = quotes(
        "How many people work at the company?",
        "The company owns a cabin in the mountains, with room for eight people.",
        "Today we employ 214 people.",
    )
    assert got[0] == "Today we employ 214 people.", got


def test_a_count_of_the_noun_asked_for_supports_it(sample_index: Settings) -> None:
    """ "Today we employ 214 people." holds neither "staff" nor "Halvorsen": its support was
    0.09, under MIN_RELEVANCE, and it was left out though ranked first. Asked of the
    handbook alone: over all of sample_docs retrieval does not reach its chunk (round 2,
    docs/BENCHMARKS-LOG.md)."""
    builder = Builder(sample_index)
    index = builder.existing_index()
    handbook = [d.abs_path for d in index.catalog.documents() if d.source.endswith(".pdf")]
    answer = builder.answerer(index).ask("How many staff does Halvorsen have?", documents=handbook)
    assert answer.citations[0].quote == "Today we employ 214 people.", answer.text
