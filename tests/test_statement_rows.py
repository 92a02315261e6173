"""Issue 25, "tables answer": a statement's row is quoted with its header of years in
HTML, Markdown, DOCX, PDF and XLSX alike, though the statement runs over several chunks
and a group's label row ("Revenue:") stands between the header and the row, and it is
cited from the header's line to the row's (a sheet: to the row Excel shows). Each file is
a real one of its format, built here with the library that writes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from localqa.answering.answer import Answer
from localqa.answering.tables import label_share, row_label, rows_without_header, table_state
from localqa.builder import Builder
from localqa.config import Settings
from localqa.embedding.embedder import Embedder
from localqa.ingest.loaders import open_document
from localqa.ingest.textfix import repair_page
from localqa.schema import JOINED
from localqa.sentences import sentence_units
from tests.conftest import ingest_paths
from tests.support.pdfs import placed_pdf

HEADER = ("Year ended December 31", "2021", "2020")
# enough line items that the total's row is chunks below the header (200-token chunks)
ITEMS = [(f"Licensing fees region {n}", f"{n},{n:03d}", f"{n},{n + 7:03d}") for n in range(1, 31)]
TOTAL = ("Total revenue", "19,984,378", "10,230,316")
# a row holding the same words of "net income" as the net income row (the 10-K's)
TAX = ("State income tax, net of federal benefit", "22,226", "55,558")
NET = ("Net income", "2,111,812", "2,208,887")
ROWS = [HEADER, ("Revenue:", "", ""), *ITEMS, TOTAL, ("Costs and expenses:", "", ""), TAX, NET]
QUESTION = "What was total revenue in 2021?"
FORMATS = ("html", "md", "docx", "pdf", "xlsx")


def _html(path: Path) -> None:
    cells = "\n".join(  # a row a line of the file: HTML is cited by the file's lines
        "<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in ROWS
    )
    path.write_text(
        "<html><body><h1>Statements of operations</h1>\n"
        f"<p>Our results for the year.</p>\n<table>\n{cells}\n</table></body></html>\n"
    )


def _markdown(path: Path) -> None:
    lines = [f"| {' | '.join(row)} |" for row in ROWS]
    lines.insert(1, "|---|---:|---:|")
    path.write_text(
        "# Statements of operations\n\nOur results for the year.\n\n" + "\n".join(lines)
    )


def _docx(path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("Statements of operations", level=1)
    document.add_paragraph("Our results for the year.")
    table = document.add_table(rows=len(ROWS), cols=3)
    for r, row in enumerate(ROWS):
        for c, cell in enumerate(row):
            table.cell(r, c).text = cell
    document.save(str(path))


def _pdf(path: Path) -> None:
    placed = [(72.0, 760.0, "Statements of operations")]
    for r, row in enumerate(ROWS):
        placed += [
            (72.0 + 230 * (c > 0) + 90 * c, 740.0 - 12 * r, cell)
            for c, cell in enumerate(row)
            if cell
        ]
    path.write_bytes(placed_pdf([placed], size=9))


def _xlsx(path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Operations"
    sheet.append(["Statements of operations"])
    sheet.append([])
    for row in ROWS:  # years and figures as numbers, as a statement sheet holds them
        sheet.append([int(c.replace(",", "")) if c[:1].isdigit() else c or None for c in row])
        for cell in sheet[sheet.max_row][1:] if row is not HEADER else ():
            cell.number_format = "#,##0"
    book.save(path)


WRITERS = {"html": _html, "md": _markdown, "docx": _docx, "pdf": _pdf, "xlsx": _xlsx}


@pytest.fixture(scope="module")
def statements(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> tuple[Builder, Path]:
    return ingest_statements(tmp_path_factory, embedder)


def ingest_statements(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> tuple[Builder, Path]:
    """The statement in every format, written to a new folder and ingested into a new
    home: a builder over that index, and the folder."""
    folder = tmp_path_factory.mktemp("statements")
    for suffix, write in WRITERS.items():
        write(folder / f"statement.{suffix}")
    settings = Settings(home=tmp_path_factory.mktemp("home"))
    report = ingest_paths(settings, embedder, folder)
    assert len(report.added) == len(FORMATS), report.summary_lines()
    return Builder(settings), folder


def ask(statements: tuple[Builder, Path], suffix: str, question: str = QUESTION) -> Answer:
    """The extractive answer to `question` from the statement in this format alone."""
    builder, folder = statements
    answerer = builder.answerer(builder.existing_index())
    return answerer.ask(question, documents=[str(folder / f"statement.{suffix}")])


def _line_of(path: Path, text: str) -> int:
    """The line of `path`'s first page, as ingest reads it, holding `text`."""
    page = repair_page(next(iter(open_document(path).pages)))
    return 1 + page.text[: page.text.index(text)].count("\n")


@pytest.mark.parametrize("suffix", FORMATS)
def test_total_revenue_is_quoted_with_its_year(
    statements: tuple[Builder, Path], suffix: str
) -> None:
    name = f"statement.{suffix}"
    answer = ask(statements, suffix)
    first = answer.citations[0]
    assert first.chunk.source == name, answer.text
    header, joined, row = first.quote.partition(JOINED)
    assert joined, first.quote  # the header is quoted with the row
    assert "2021" in header and "2020" in header
    assert "Total revenue" in row and "19,984,378" in row, first.quote
    # the statement spans chunks: the row's own chunk does not hold the header
    path = Path(first.chunk.abs_path)
    start, end = first.chunk.quote_lines(first.quote)
    assert (start, end) == (_line_of(path, "2021"), _line_of(path, "Total revenue"))
    if suffix in ("html", "md"):  # the file's own lines
        assert path.read_text().split("\n")[end - 1].count("Total revenue") == 1
    if suffix == "xlsx":  # the row Excel shows: title, empty row, header on row 3
        assert end == 3 + ROWS.index(TOTAL)
        assert first.chunk.location((start, end)).endswith(f'"Operations", rows 3-{end}')


def test_the_header_is_found_in_the_chunks_before(statements: tuple[Builder, Path]) -> None:
    """Most formats' total is in a chunk below its header's: what the test above checks
    is the header found across chunks, not only within one."""
    across = []
    for suffix in FORMATS:
        first = ask(statements, suffix).citations[0]
        across.append("+" in first.chunk.id)  # chunks joined from the header's on
    assert sum(across) >= 3, across


def test_a_group_label_row_keeps_the_header() -> None:
    text = "2021 | 2020 |\nRevenue: |\nLicensing fees | $ | 19,984 | $ | 10,230 |\nNote 3."
    units = [unit for unit, _ in sentence_units(text)]
    assert units[2] == f"2021 | 2020 |{JOINED}Licensing fees | $ | 19,984 | $ | 10,230 |"
    assert table_state("2021 | 2020 |\nRevenue: |\nFees | 5 | 6 |") == ("2021 | 2020 |", True, True)
    assert table_state("2021 | 2020 |\nFees | 5 | 6 |\n\nThe notes are part of it.") == (
        "",
        False,
        False,
    )
    # a chunk that starts inside a table needs the header from before it; one with its own
    # header, or starting with prose, does not
    assert rows_without_header("Fees | 5 | 6 |\nTotal | 11 | 12 |")
    assert not rows_without_header("2021 | 2020 |\nFees | 5 | 6 |")
    assert not rows_without_header("The table below.\nFees | 5 | 6 |")
    # given the header in force where the text starts, its rows carry it
    assert sentence_units("Fees | 5 | 6 |", "2021 | 2020 |")[0][0] == (
        f"2021 | 2020 |{JOINED}Fees | 5 | 6 |"
    )


def test_a_header_of_column_names_heads_the_quoted_rows() -> None:
    table = "Item | Price | # In stock\n---|---|---\nJuicy Apples | 1.99 | 739\nBananas | 1.89 | 6"
    units = [unit for unit, _ in sentence_units(table, columns=True)]
    assert units[-1] == f"Item | Price | # In stock{JOINED}Bananas | 1.89 | 6"
    assert units[1] == "---|---|---"  # a rule is headed by nothing
    # split_sentences (the support check's evidence) keeps such rows alone
    assert sentence_units(table)[-1][0] == "Bananas | 1.89 | 6"
    # a line of cells is no header when a cell holds no letter
    rows = [unit for unit, _ in sentence_units("- | Brinell\nHBW | Rockwell C", columns=True)]
    assert rows == ["- | Brinell", "HBW | Rockwell C"]
    # a text taken to start inside a table: its first line heads nothing
    inside = sentence_units("Bananas | Yellow\nCherries | Red", columns=True, inside=True)
    assert [unit for unit, _ in inside] == ["Bananas | Yellow", "Cherries | Red"]


@pytest.mark.parametrize("suffix", FORMATS)
def test_the_row_named_by_the_question_comes_first(
    statements: tuple[Builder, Path], suffix: str
) -> None:
    first = ask(statements, suffix, "What was net income in 2021?").citations[0]
    header, _, row = first.quote.partition(JOINED)
    assert "2021" in header and row.strip("| ").startswith("Net income"), first.quote
    assert "2,111,812" in row


def test_a_row_label_is_its_first_cell() -> None:
    assert row_label(f"2021 | 2020 |{JOINED}Net income (loss) | $ | 2,111,812 |") == (
        "Net income (loss)"
    )
    assert row_label(f"Year 2021 2020{JOINED}Net income 2,111,812 2,208,887") == "Net income"
    assert row_label("| Net income | 2,111,812 |") == "Net income"  # Markdown
    assert row_label("The company earned more.") == ""
    question = "What was net income in 2021?"
    assert label_share(question, "Net income (loss) | 2,111,812") == pytest.approx(2 / 3)
    assert label_share(question, "State income tax, net of federal benefit | 22,226") == (
        pytest.approx(2 / 6)
    )
