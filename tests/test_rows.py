"""A claim resting on a table rests on the row its question picks out
(localqa/answering/rows.py), checked with the real MiniLM on sample_docs' own tables."""

from __future__ import annotations

import pytest

from localqa.answering.citations import SupportChecker, check_answer
from localqa.answering.rows import picking_words, tables, wrong_row
from localqa.embedding.embedder import Embedder
from localqa.schema import Chunk

MEMO = (
    "Each team has fixed anchor days, so that the people you work with most are in the "
    "building on the same days.\n"
    "Team | Anchor days | Desk area\n"
    "Firmware | Tuesday and Thursday | Third floor, east wing\n"
    "Hardware and Workshop | Monday and Wednesday | Ground floor, workshop\n"
    "Sales and Support | Wednesday and Friday | Second floor, harbour side\n"
    "Home office support is described below."
)
SENSORS = (
    "Model: DS-500 | Range (m): 500 | Housing: Stainless 316L | Notes: Standard mooring\n"
    "Model: DS-1000 | Range (m): 1000 | Housing: Stainless 316L | Notes: Shelf moorings\n"
    "Model: DS-2000 | Range (m): 2000 | Housing: Stainless 316L | Notes: Slope moorings"
)
DAYS = "On which days does the firmware team have to come to the office?"


def chunk(text: str) -> Chunk:
    return Chunk("id-t", text, "t.docx", "/docs/t.docx", 1, 1, 9, 0, len(text), "d")


def test_tables_and_the_words_that_pick_a_row() -> None:
    (table,) = tables(MEMO)
    assert len(table) == 4
    assert table[1] == "Firmware | Tuesday and Thursday | Third floor, east wing"
    assert picking_words(frozenset({"firmware", "team", "office"}), table) == {"firmware", "team"}
    assert tables("one | line only\nprose") == []


def test_another_rows_value_is_the_wrong_row() -> None:
    flat = " ".join(MEMO.split("\n")[1:5])  # the rows as one sentence, as the splitter gives
    assert wrong_row(flat, MEMO, DAYS, frozenset({"monday", "wednesday"}))
    assert not wrong_row(flat, MEMO, DAYS, frozenset({"tuesday", "thursday"}))
    assert not wrong_row("Each team has fixed anchor days.", MEMO, DAYS, frozenset({"monday"}))
    # an item the passage does not name: every row is another item's
    housing = "What material is the DS-6000T depth sensor housing made of?"
    row = SENSORS.split("\n")[0]
    assert wrong_row(row, SENSORS, housing, frozenset({"stainless", "316l"}))
    asked = "What material is the DS-1000 depth sensor housing made of?"
    assert not wrong_row(SENSORS.split("\n")[1], SENSORS, asked, frozenset({"stainless", "316l"}))


@pytest.fixture(scope="module")
def checker(embedder: Embedder) -> SupportChecker:
    return SupportChecker(embedder)


@pytest.mark.parametrize(
    ("answer", "supported"),
    [("Monday and Wednesday", False), ("Tuesday and Thursday", True)],
)
def test_a_short_answer_from_another_row_is_not_supported(
    checker: SupportChecker, answer: str, supported: bool
) -> None:
    """Gemma-3-270M's answer on the labelled set was the hardware team's days."""
    checks, _ = check_answer(answer, [chunk(MEMO)], checker, DAYS)
    assert [c.supported for c in checks] == [supported]


def test_a_sentence_about_an_item_the_table_lacks_is_not_supported(
    checker: SupportChecker,
) -> None:
    question = "What material is the DS-6000T depth sensor housing made of?"
    said = "The DS-6000T depth sensor housing is made of Stainless 316L."
    checks, _ = check_answer(said, [chunk(SENSORS)], checker, question)
    assert [c.supported for c in checks] == [False]
    question = "What material is the DS-1000 depth sensor housing made of?"
    said = "The DS-1000 depth sensor housing is made of Stainless 316L."
    checks, _ = check_answer(said, [chunk(SENSORS)], checker, question)
    assert [c.supported for c in checks] == [True]
