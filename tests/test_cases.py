"""The failing inputs of ../shared/cases (README there) that issue 13 fixes, through the
whole pipeline: ingest, then `ask` in extractive mode finds the right value."""

from __future__ import annotations

from pathlib import Path

import pytest

from localqa.answering.answer import Answer
from localqa.builder import Builder
from localqa.embedding.embedder import Embedder
from tests.conftest import ingest_cases

CASES = [
    "08-tickets.csv",
    "09-office-ligatures.pdf",
    "09-office-plain.pdf",
    "10-cold-store-hyphenated.pdf",
    "11-budget-formulas.xlsx",
    "17-lease-footnote.docx",
]


@pytest.fixture(scope="module")
def cases_index(
    shared_dir: Path,
    embedder: Embedder,
    tmp_path_factory: pytest.TempPathFactory,
) -> Builder:
    builder, report = ingest_cases(shared_dir, embedder, tmp_path_factory, CASES)
    assert not report.failed and sorted(report.added) == sorted(CASES)
    assert any(
        "5 formula cells had no saved value; 5 computed" in w.reason for w in report.warnings
    )
    return builder


def ask(builder: Builder, question: str) -> Answer:
    return builder.answerer(builder.existing_index()).ask(question)


def quoted(answer: Answer, source: str) -> list[tuple[int, int, str]]:
    return [
        (c.chunk.page, c.chunk.line_start, c.quote)
        for c in answer.citations
        if c.chunk.source == source
    ]


def test_csv_rows_cite_their_own_file_lines(cases_index: Builder) -> None:
    answer = ask(cases_index, "Which ticket is about the badge reader?")
    hits = quoted(answer, "08-tickets.csv")
    assert any("T-2" in quote and "Badge reader" in quote for _, _, quote in hits), answer.text
    first = next(c for c in answer.citations if "Badge reader" in c.quote)
    line = first.chunk.line_start + first.chunk.text[: first.chunk.text.index("T-2")].count("\n")
    assert line == 5


def test_ligatures_are_found_like_plain_letters(cases_index: Builder) -> None:
    answer = ask(cases_index, "What does the financial office do?")
    assert any("closes the fiscal year on 30 June" in c.quote for c in answer.citations)
    # The two files now hold the same text: one is quoted, the other is its near-duplicate.
    # The ligature file's chunk is found by the question's words as the plain one is.
    store = cases_index.existing_index()
    found = {chunk.source for chunk, _ in store.lexical.search("financial office", 20)}
    assert {"09-office-ligatures.pdf", "09-office-plain.pdf"} <= found


@pytest.mark.parametrize(
    "question", ["Which company provides technical services?", "Who overhauls the compressors?"]
)
def test_hyphenated_words_are_joined(cases_index: Builder, question: str) -> None:
    answer = ask(cases_index, question)
    quotes = quoted(answer, "10-cold-store-hyphenated.pdf")
    assert any("Kelvara Technical Services" in q for _, _, q in quotes), answer.text
    assert all(page == 1 for page, _, _ in quotes)


@pytest.mark.parametrize(
    ("question", "value"),
    [("What is the line total for folding chairs?", "900"), ("What is the grand total?", "2817")],
)
def test_formulas_without_saved_values_answer(
    cases_index: Builder, question: str, value: str
) -> None:
    answer = ask(cases_index, question)
    assert any(value in q for _, _, q in quoted(answer, "11-budget-formulas.xlsx")), answer.text


def test_docx_footnote_and_header_are_found(cases_index: Builder) -> None:
    answer = ask(cases_index, "How much notice is needed for early termination of the lease?")
    assert any(
        "four months written notice" in q for _, _, q in quoted(answer, "17-lease-footnote.docx")
    )
    answer = ask(cases_index, "What is the contract reference?")
    assert any("HX-4471" in q for _, _, q in quoted(answer, "17-lease-footnote.docx")), answer.text
