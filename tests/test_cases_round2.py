"""The loader kinds of ../shared/cases round 2 (README there) that issue 26 fixes,
through the whole pipeline: ingest, then `ask` in extractive mode quotes the value as the
document shows it, on the right page."""

from __future__ import annotations

from pathlib import Path

import pytest

from localqa.builder import Builder
from localqa.embedding.embedder import Embedder
from tests.conftest import ingest_cases
from tests.test_cases import ask, quoted

CASES = [
    "21-branches-formats.xlsx",
    "22-permit-form.pdf",
    "26-equipment-merged.docx",
    "27-lift-maintenance.eml",
    "28-survey.ipynb",
]


@pytest.fixture(scope="module")
def cases_index(
    shared_dir: Path,
    embedder: Embedder,
    tmp_path_factory: pytest.TempPathFactory,
) -> Builder:
    builder, report = ingest_cases(shared_dir, embedder, tmp_path_factory, CASES)
    assert not report.failed and not report.skipped and sorted(report.added) == sorted(CASES)
    return builder


@pytest.mark.parametrize(
    ("question", "row", "shown"),
    [
        ("What is the conversion rate of the Old Mill branch?", "Old Mill", "12.5%"),
        ("When did the Harbour Street branch open?", "Harbour Street", "15/03/2019"),
    ],
)
def test_spreadsheet_values_as_the_sheet_shows_them(
    cases_index: Builder, question: str, row: str, shown: str
) -> None:
    answer = ask(cases_index, question)
    hits = quoted(answer, "21-branches-formats.xlsx")
    assert any(row in quote and shown in quote for _, _, quote in hits), answer.text


def test_filled_form_value_is_quoted_on_its_page(cases_index: Builder) -> None:
    answer = ask(cases_index, "Which parking zone was requested?")
    hits = quoted(answer, "22-permit-form.pdf")
    assert any("Zone C, level minus two" in quote for _, _, quote in hits), answer.text
    assert all(page == 1 for page, _, _ in hits)


def test_merged_cell_text_is_on_every_row(cases_index: Builder) -> None:
    answer = ask(cases_index, "Which team looks after the loading dock door?")
    hits = quoted(answer, "26-equipment-merged.docx")
    assert any("loading dock door" in q and "warehouse crew" in q for _, _, q in hits), answer.text


def test_email_body_is_decoded_and_headers_found(cases_index: Builder) -> None:
    answer = ask(cases_index, "When is the goods lift out of service?")
    hits = quoted(answer, "27-lift-maintenance.eml")
    assert any("from 9 to 11 December while the cables are replaced" in q for _, _, q in hits), (
        answer.text
    )
    store = cases_index.existing_index()
    for words in ("Lift maintenance", "facilities@example.org", "01 Dec 2026"):
        found = {chunk.source for chunk, _ in store.lexical.search(words, 5)}
        assert "27-lift-maintenance.eml" in found, words


@pytest.mark.parametrize(
    ("question", "value", "cell"),
    [
        ("Who calibrated the probes on the north terrace?", "Ingrid Maalouf", 1),
        ("What is the mean moisture value?", "0.3174", 2),
    ],
)
def test_notebook_cells_and_outputs_are_quoted_by_cell(
    cases_index: Builder, question: str, value: str, cell: int
) -> None:
    answer = ask(cases_index, question)
    hits = quoted(answer, "28-survey.ipynb")
    assert any(value in quote and page == cell for page, _, quote in hits), answer.text
    assert all('\\n"' not in quote and "iVBOR" not in quote for _, _, quote in hits)
    citation = next(c for c in answer.citations if value in c.quote)
    assert citation.chunk.location().startswith(f"28-survey.ipynb, cell {cell}, line")
