"""The text kinds of ../shared/cases round 2 (README there) that issue 26 fixes, end to end
in extractive mode: 23 (sentences in other scripts), 25 (table rows of capitalised words).
Case 24 (an edit that keeps size and time) is tests/test_stale_edits.py, built here."""

from __future__ import annotations

from pathlib import Path

import pytest

from localqa.builder import Builder
from localqa.embedding.embedder import Embedder
from tests.conftest import ingest_cases
from tests.test_cases import ask, quoted

CASES = [
    "23-pravila-ru.txt",
    "23-rules-control.txt",
    "25-directory.csv",
    "25-directory-control.csv",
]


@pytest.fixture(scope="module")
def cases_index(
    shared_dir: Path,
    embedder: Embedder,
    tmp_path_factory: pytest.TempPathFactory,
) -> Builder:
    builder, report = ingest_cases(shared_dir, embedder, tmp_path_factory, CASES)
    assert not report.failed and not report.skipped and sorted(report.added) == sorted(CASES)
    # the packaged MiniLM is English-only: ingest says Cyrillic text is searched lexically
    assert any("Cyrillic text is searched lexically" in note for note in report.notes)
    return builder


def test_a_russian_sentence_is_quoted_alone(cases_index: Builder) -> None:
    answer = ask(cases_index, "Кто хранит ключи от архива?")
    hits = quoted(answer, "23-pravila-ru.txt")
    assert hits and hits[0][2] == "Ключи от архива хранит Ольга Петровна из бухгалтерии.", (
        answer.text
    )
    assert answer.citations[0].quote == hits[0][2]
    assert not any(quote.startswith(".") for _, _, quote in hits)


def test_the_english_control_is_quoted_alone(cases_index: Builder) -> None:
    answer = ask(cases_index, "Who keeps the archive keys?")
    hits = quoted(answer, "23-rules-control.txt")
    assert hits and hits[0][2] == "The archive keys are kept by Olga Petrovna from accounting.", (
        answer.text
    )


@pytest.mark.parametrize("source", ["25-directory.csv", "25-directory-control.csv"])
def test_a_row_of_capitalised_names_is_quoted_at_its_line(
    cases_index: Builder, source: str
) -> None:
    store = cases_index.existing_index()
    path = next(d.abs_path for d in store.catalog.documents() if d.source == source)
    answer = cases_index.answerer(store).ask(
        "What is the extension of Wilhelmina Quarshie?", documents=[path]
    )
    assert answer.citations, answer.text
    best = answer.citations[0]
    assert "Wilhelmina Quarshie" in best.quote and "4400" in best.quote, answer.text
    assert best.chunk.quote_lines(best.quote) == (16, 16)


def test_the_directory_answers_without_naming_a_file(cases_index: Builder) -> None:
    answer = ask(cases_index, "What is the extension of Wilhelmina Quarshie?")
    assert answer.citations and "4400" in answer.citations[0].quote, answer.text
