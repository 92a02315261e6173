"""Issue 26, kind 5: a page set in columns whose content stream runs row by row across
them is read column by column (ingest/loaders/pdf_columns.py); pages whose stream is
already in reading order, and tables, keep PDFium's text."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest

from localqa.builder import Builder
from localqa.config import Settings
from localqa.embedding.embedder import Embedder
from localqa.ingest.loaders.pdf_columns import column_order
from tests.conftest import ingest_paths
from tests.support.pdfs import Placed, placed_pdf
from tests.test_cases import ask, quoted
from tests.test_loaders import load

LEFT = [
    "The north wing holds the archive of",
    "maps drawn before the war, and its",
    "keys are kept by the night porter.",
    "Visitors sign the blue ledger first.",
]
RIGHT = [
    "The south wing is closed for repairs",
    "until the roof is replaced in spring;",
    "its reading room moves to the hall.",
    "Lunch is served in the east garden.",
]


def columns(texts: list[list[str]], xs: list[float], top: float = 700) -> list[list[Placed]]:
    """Each column's lines at its x, 14 points apart, as a list per column."""
    return [
        [(x, top - 14 * row, line) for row, line in enumerate(column)]
        for x, column in zip(xs, texts, strict=True)
    ]


def row_by_row(placed: list[list[Placed]]) -> list[Placed]:
    """The columns' lines drawn across the page, one row at a time (the fault)."""
    return [item for row in zip(*placed, strict=True) for item in row]


def column_by_column(placed: list[list[Placed]]) -> list[Placed]:
    return [item for column in placed for item in column]


def page_text(tmp_path: Path, page: list[Placed], name: str = "page.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(placed_pdf([page]))
    _, pages = load(path)
    return pages[0].text


def reordered(tmp_path: Path, page: list[Placed]) -> str | None:
    path = tmp_path / "probe.pdf"
    path.write_bytes(placed_pdf([page]))
    pdf = pdfium.PdfDocument(path)
    try:
        textpage = pdf[0].get_textpage()
        return column_order(textpage, textpage.get_text_range())
    finally:
        pdf.close()


def test_a_page_drawn_across_its_columns_is_read_column_by_column(tmp_path: Path) -> None:
    assert page_text(tmp_path, row_by_row(columns([LEFT, RIGHT], [72, 320]))) == "\n".join(
        LEFT + RIGHT
    )


def test_a_page_drawn_column_by_column_keeps_pdfiums_text(tmp_path: Path) -> None:
    page = column_by_column(columns([LEFT, RIGHT], [72, 320]))
    assert reordered(tmp_path, page) is None
    assert page_text(tmp_path, page) == "\n".join(LEFT + RIGHT)


def test_headings_across_the_columns_stay_where_they_are(tmp_path: Path) -> None:
    body = row_by_row(columns([LEFT, RIGHT], [72, 320]))
    heading = (72.0, 730.0, "Notes on the building, written by the caretaker for new staff")
    footer = (72.0, 600.0, "Ask the front desk about anything these notes do not answer here")
    text = page_text(tmp_path, [heading, *body, footer])
    assert text.split("\n") == [heading[2], *LEFT, *RIGHT, footer[2]]


def test_three_columns_drawn_across_are_read_in_order(tmp_path: Path) -> None:
    third = [
        "Parcels wait in the post room until",
        "their owner collects them in person,",
        "with a card that shows their name.",
        "Bicycles are locked in the yard.",
    ]
    # 8-point text so that three columns of prose fit the page's width
    path = tmp_path / "three.pdf"
    path.write_bytes(placed_pdf([row_by_row(columns([LEFT, RIGHT, third], [36, 220, 404]))], 8))
    _, pages = load(path)
    assert pages[0].text == "\n".join(LEFT + RIGHT + third)


def test_a_table_is_still_read_row_by_row(tmp_path: Path) -> None:
    """Short cells drawn row by row are what a reader reads across: a record per line."""
    names = ["Wilhelmina Quarshie", "Tiberiu Lungu", "Ola Nordmann", "Amaru Mamani"]
    rooms = ["4400", "4410", "4420", "4430"]
    teams = ["Finance", "Warehouse", "Reception", "Legal"]
    page = row_by_row(columns([names, rooms, teams], [72, 320, 420]))
    assert reordered(tmp_path, page) is None
    lines = page_text(tmp_path, page).split("\n")
    assert lines[0] == "Wilhelmina Quarshie 4400 Finance"


def test_one_line_with_a_tab_stop_is_not_a_column_layout(tmp_path: Path) -> None:
    prose = [(72.0, 700.0 - 14 * i, line) for i, line in enumerate(LEFT)]
    page = [(72.0, 720.0, "Summary"), (400.0, 720.0, "page 4"), *prose]
    assert reordered(tmp_path, page) is None


@pytest.fixture(scope="module")
def corpus_pdfs(shared_dir: Path) -> list[Path]:
    names = ["multi-column.pdf", "multi-column-2p.pdf", "layout-parser-paper-fast.pdf"]
    found = [shared_dir / "corpus" / "unstructured" / "pdf" / name for name in names]
    found += sorted((shared_dir / "eval" / "aragog" / "papers_for_questions").glob("*.pdf"))
    return [path for path in found if path.exists()]


def test_real_column_layouts_in_reading_order_are_left_alone(corpus_pdfs: list[Path]) -> None:
    """The corpus's and ARAGOG's papers set in two columns draw them in reading order:
    none of their pages is reordered, so their text and citations are what they were."""
    assert len(corpus_pdfs) > 10
    for path in corpus_pdfs:
        pdf = pdfium.PdfDocument(path)
        try:
            for index in range(len(pdf)):
                textpage = pdf[index].get_textpage()
                assert column_order(textpage, textpage.get_text_range()) is None, (path, index)
        finally:
            pdf.close()


def test_a_question_is_answered_from_one_column(tmp_path: Path, embedder: Embedder) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    page = row_by_row(columns([LEFT, RIGHT], [72, 320]))
    (folder / "building.pdf").write_bytes(placed_pdf([page]))
    settings = Settings(home=tmp_path / "home")
    report = ingest_paths(settings, embedder, folder)
    assert report.added == ["building.pdf"]
    answer = ask(Builder(settings), "Who keeps the keys of the north wing?")
    hits = quoted(answer, "building.pdf")
    expected = "its keys are kept by the night porter"
    assert any(expected in " ".join(quote.split()) for _, _, quote in hits), answer.text
    assert not any("south wing" in quote for _, _, quote in hits if "porter" in quote)
