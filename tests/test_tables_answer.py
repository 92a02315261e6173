"""Issue 25, "tables answer": a statement table's row is quoted with its header of years,
in HTML, PDF, DOCX and XLSX alike, and cited from the header's line to the row's."""

from __future__ import annotations

from pathlib import Path

import pytest

from localqa.builder import Builder
from localqa.config import Settings
from localqa.embedding.embedder import Embedder
from localqa.schema import JOINED, Chunk
from localqa.sentences import split_sentences
from tests.conftest import ingest_paths
from tests.support.pdfs import placed_pdf
from tests.test_cases import ask
from tests.test_loaders import make_docx, para

YEARS = ("Year ended December 31", "2021", "2020", "2019")
# (file, line item, its figures for 2021, 2020, 2019): one table per format
TABLES = (
    ("results.html", "Total revenue", ("19,984,378", "17,202,110", "15,830,004")),
    ("results.docx", "Research and development", ("4,410", "3,978", "3,502")),
    ("results.xlsx", "Marketing expenses", ("2,771", "2,318", "1,906")),
    ("results.pdf", "Interest expense", ("613", "702", "845")),
)
FILLER = ("Cost of sales", ("9,120", "8,410", "7,733")), ("Income taxes", ("1,210", "1,150", "990"))


def test_a_row_below_years_is_one_unit_with_them() -> None:
    text = (
        "Statement of income\nYear ended December 31 2021 2020\n"
        "Total revenue 19,984 18,200\nNet income 2,100 1,900"
    )
    assert split_sentences(text)[1:] == [
        "Year ended December 31 2021 2020",
        f"Year ended December 31 2021 2020{JOINED}Total revenue 19,984 18,200",
        f"Year ended December 31 2021 2020{JOINED}Net income 2,100 1,900",
    ]


def test_rows_without_a_header_of_years_stay_alone() -> None:
    text = "Name | Room\nAda | 12\nBo | 14"
    assert split_sentences(text) == ["Name | Room", "Ada | 12", "Bo | 14"]


def test_a_joined_quote_spans_the_header_to_the_row() -> None:
    text = "Statement\nYear ended December 31 2021 2020\nCost 5 6\nTotal revenue 19,984 18,200"
    chunk = Chunk("c", text, "s.pdf", "/s.pdf", 1, 10, 13, 0, len(text), "h")
    quote = f"Year ended December 31 2021 2020{JOINED}Total revenue 19,984 18,200"
    assert chunk.quote_lines(quote) == (11, 13)
    assert chunk.quote_lines("Cost 5 6") == (12, 12)


def _rows(item: str, figures: tuple[str, ...]) -> list[tuple[str, ...]]:
    return [YEARS, *[(name, *values) for name, values in (*FILLER, (item, figures))]]


def _write(folder: Path, name: str, rows: list[tuple[str, ...]]) -> None:
    path = folder / name
    if name.endswith(".html"):
        cells = "\n".join(  # a row a line of the file: HTML is cited by the file's lines
            "<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows
        )
        path.write_text(f"<html><body><h1>Results</h1><table>\n{cells}</table></body></html>")
    elif name.endswith(".docx"):
        cells = "".join(
            "<w:tr>" + "".join(f"<w:tc>{para(cell)}</w:tc>" for cell in row) + "</w:tr>"
            for row in rows
        )
        make_docx(path, para("Results") + f"<w:tbl>{cells}</w:tbl>")
    elif name.endswith(".xlsx"):
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        for row in rows:  # years and figures as numbers, as a statement sheet holds them
            sheet.append([_number(cell) for cell in row])
            for cell in sheet[sheet.max_row][1:] if row is not YEARS else ():
                cell.number_format = "#,##0"
        book.save(path)
    else:
        placed = [(72.0, 720.0, "Results")] + [
            (72.0 + 150 * (col > 0) + 80 * col, 700.0 - 16 * r, cell)
            for r, row in enumerate(rows)
            for col, cell in enumerate(row)
        ]
        path.write_bytes(placed_pdf([placed]))


def _number(cell: str) -> object:
    return int(cell.replace(",", "")) if cell.replace(",", "").isdigit() else cell


@pytest.fixture(scope="module")
def statements(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Builder:
    folder = tmp_path_factory.mktemp("statements")
    for name, item, figures in TABLES:
        _write(folder, name, _rows(item, figures))
    settings = Settings(home=tmp_path_factory.mktemp("home"))
    report = ingest_paths(settings, embedder, folder)
    assert len(report.added) == len(TABLES), report.summary_lines()
    return Builder(settings)


@pytest.mark.parametrize(("name", "item", "figures"), TABLES)
def test_the_row_is_quoted_with_its_years(
    statements: Builder, name: str, item: str, figures: tuple[str, ...]
) -> None:
    answer = ask(statements, f"What was the {item.lower()} in 2021?")
    first = answer.citations[0]
    assert first.chunk.source == name, answer.text
    header, _, row = first.quote.partition(JOINED)
    assert "2021" in header and item in row and figures[0].replace(",", "") in row.replace(",", "")
    start, end = first.chunk.quote_lines(first.quote)
    assert end - start == len(FILLER) + 1, (start, end, first.chunk.text)
