"""Real files keep their meaning in quotes and citations (issue 25, "tables answer" and
the quotes a new user saw): a sheet is cited by its name and the row Excel shows, a slide's
title and bullets are sentences apart, and a PDF line that starts with the comma closing
the word above is quoted without a space before it. Every file is built here, in its real
format, and ingested and asked as `localqa ask --extractive` would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from localqa.answering.answer import Answer
from localqa.answering.answer_json import answer_from_json
from localqa.builder import Builder
from localqa.config import Settings
from localqa.embedding.embedder import Embedder
from localqa.ingest.loaders import open_document
from localqa.ingest.textfix import attach_punctuation, repair_page
from localqa.schema import JOINED
from localqa.sentences import split_sentences
from tests.conftest import ingest_paths
from tests.test_loaders import make_pdf

SPECS = "sensor-specs.xlsx"
# A PDF's lines as a typesetter breaks them: a comma opening a line, a word hyphenated.
CONSTITUTION = (
    "Article II\n"
    "He shall hold his Office during the Term of four Years, and, together with the Vice "
    "President\n"
    ", chosen for the same Term, be elected, as follows.\n"
    "The Senate shall chuse their other Officers, and also a President pro tempore, in the\n"
    "Absence of the Vice Presi-\n"
    "dent, or when he shall exercise the Office of President of the United States."
)


def _specs(path: Path) -> None:
    """Two sheets; the second's header is on row 3 and its rows on 5 and 8, empty rows
    between (the new user's sensor-specs.xlsx: "sheet 2, line 9" for row 8)."""
    import openpyxl

    book = openpyxl.Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "Summary"
    summary["A1"] = "The Sensor specs sheet lists every depth sensor we sell."
    specs = book.create_sheet("Sensor specs")
    for row, values in {
        3: ("Model", "Range", "Accuracy"),
        5: ("DS-4000", "0-100 m", "0.1% of full scale"),
        8: ("DS-6000T", "0-600 m", "0.05% of full scale"),
    }.items():
        for col, value in enumerate(values, start=1):
            specs.cell(row=row, column=col, value=value)
    book.save(path)


def _deck(path: Path) -> None:
    import pptx

    presentation = pptx.Presentation()
    cover = presentation.slides.add_slide(presentation.slide_layouts[0])
    cover.shapes.title.text = "Tidemark 6 Release Plan"
    cover.placeholders[1].text = "Presented to the product council"
    slide = presentation.slides.add_slide(presentation.slide_layouts[1])
    slide.shapes.title.text = "Scope"
    slide.placeholders[1].text = (
        "New pressure sensor board with lower drift\n"
        "Battery life of 26 months at one sample per minute\n"
        "Bluetooth download replaces the cable cradle"
    )
    presentation.save(str(path))


FIRST = "Ada Bram Cleo Dag Eli Fen Gro Hal Ina Jon Kai Liv Mads Nora Ove Pia Rolf Siv".split()
LAST = "Berg Dahl Eng Fjell Grov Holm Ims Juul Krog Lund Moe Nes Olsen Prytz Rud Sand Tho".split()
PEOPLE = [
    (f"{given} {family}", dept, f"{dept[0]}{n}-{n * 3 % 40:02d}")
    for n, (given, family, dept) in enumerate(
        (given, family, dept)
        for given, family in zip(FIRST, [*LAST, "Vik"], strict=True)
        for dept in ("Finance", "Logistics")
    )
]
PEOPLE.insert(30, ("Odile Marchetti", "Facilities", "C0-20"))


def _directory(path: Path) -> None:
    """An HTML room directory: a header of column names, then a row a line of the file,
    long enough that Odile Marchetti's row is chunks below the header."""
    rows = "\n".join(
        "<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in PEOPLE
    )
    path.write_text(
        "<html><body><h1>Room directory</h1>\n<table>\n"
        "<tr><th>Name</th><th>Department</th><th>Room</th></tr>\n"
        f"{rows}\n</table></body></html>\n"
    )


def _price_list(path: Path) -> None:
    path.write_text(
        "# Fruit stand\n\nPrices this week.\n\n"
        "Item | Price | # In stock\n---|---|---\nJuicy Apples | 1.99 | 739\nBananas | 1.89 | 6\n"
    )


COVER = """<html><body>
<p>UNITED STATES SECURITIES AND EXCHANGE COMMISSION</p>
<p>FORM 10-K</p>
<p>Tidewater Gauges, Inc.</p>
<p>(Exact name of registrant as specified in its charter)</p>
<table><tr><td>Oregon</td><td>93-1234567</td></tr>
<tr><td>(State of incorporation)</td><td>(IRS Employer Identification No.)</td></tr></table>
<p>(503) 555-0147</p>
<p>(Registrant's telephone number)</p>
<p>Indicate by check mark if the registrant is a well-known seasoned issuer, as defined in
Rule 405 of the Securities Act. Yes &#9744; No &#9745;</p>
<p>Indicate by check mark whether the registrant is a shell company (as defined in Rule
12b-2 of the Exchange Act). Yes &#9744; No &#9745;</p>
</body></html>
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Settings:
    folder = tmp_path_factory.mktemp("real-files")
    _specs(folder / SPECS)
    _deck(folder / "release-plan.pptx")
    (folder / "constitution.pdf").write_bytes(make_pdf([CONSTITUTION]))
    _directory(folder / "directory.html")
    _price_list(folder / "fruit.md")
    (folder / "cover.html").write_text(COVER)
    settings = Settings(home=tmp_path_factory.mktemp("home"))
    report = ingest_paths(settings, embedder, folder)
    assert len(report.added) == 6, report.summary_lines()
    return settings


def ask(settings: Settings, question: str) -> Answer:
    builder = Builder(settings)
    return builder.answerer(builder.existing_index()).ask(question)


# --------------------------------------------------------------------------- XLSX


def test_a_sheet_is_cited_by_its_name_and_excel_row(files: Settings) -> None:
    answer = ask(files, "What is the accuracy of the DS-6000T?")
    first = answer.citations[0]
    assert first.chunk.source == SPECS and "DS-6000T" in first.quote, answer.text
    assert "0.05%" in first.quote and "Accuracy" in first.quote  # the row names its columns
    where = first.chunk.location(first.chunk.quote_lines(first.quote))
    assert where == f'{SPECS}, sheet "Sensor specs", row 8'
    cited = answer.as_json()["citations"][0]
    assert cited["page_label"] == "Sensor specs" and cited["quote_lines"] == [8, 8]
    assert cited["location"] == where
    # what a server returns reads back to the same citation (ask --server, chat --server)
    again = answer_from_json(json.loads(json.dumps(answer.as_json()))).citations[0]
    assert again.chunk.location(again.chunk.quote_lines(again.quote)) == where
    assert again.chunk.page_name() == "Sensor specs"  # the chat's Sources table


def test_the_terminal_cites_the_sheet_and_row(files: Settings) -> None:
    from localqa.cli.main import cli

    env = {"LOCALQA_HOME": str(files.home)}
    shown = CliRunner().invoke(
        cli, ["ask", "What is the accuracy of the DS-6000T?", "--extractive"], env=env
    )
    assert shown.exit_code == 0, shown.stderr
    assert f'{SPECS}, sheet "Sensor specs", row 8' in shown.stdout
    assert "sheet 2" not in shown.stdout


def test_sheet_lines_are_its_rows(tmp_path: Path) -> None:
    _specs(tmp_path / SPECS)
    pages = list(open_document(tmp_path / SPECS).pages)
    assert [page.label for page in pages] == ["Summary", "Sensor specs"]
    lines = pages[1].text.split("\n")
    assert pages[1].first_line == 3 and lines[0] == "Model | Range | Accuracy"  # row 3
    assert lines[5].startswith("Model: DS-6000T")  # row 8


def test_a_stray_cell_far_below_starts_a_page_of_its_own(tmp_path: Path) -> None:
    """Empty rows are empty lines, but not 200,000 of them in one chunk's text."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"], sheet["A3"], sheet["A200000"] = "Top", "Next", "Bottom value 42"
    book.save(tmp_path / "sparse.xlsx")
    pages = list(open_document(tmp_path / "sparse.xlsx").pages)
    assert [(p.number, p.first_line, p.text) for p in pages] == [
        (1, 1, "Top\n\nNext"),
        (1, 200000, "Bottom value 42"),
    ]


# --------------------------------------------------------------------------- PPTX


def test_a_slide_title_and_its_bullets_are_quoted_apart(files: Settings) -> None:
    answer = ask(files, "How long does the battery last?")
    first = answer.citations[0]
    assert first.chunk.source == "release-plan.pptx", answer.text
    assert first.quote == "Battery life of 26 months at one sample per minute"
    assert first.chunk.location(first.chunk.quote_lines(first.quote)) == (
        "release-plan.pptx, slide 2, line 3"
    )


# --------------------------------------------------------------------------- PDF


def test_a_comma_opening_a_line_goes_back_to_its_word(files: Settings) -> None:
    answer = ask(files, "Who is chosen for the same Term as the President?")
    first = answer.citations[0]
    assert first.chunk.source == "constitution.pdf", answer.text
    assert "the Vice President, chosen for the same Term" in first.quote
    assert " ," not in answer.text
    assert first.chunk.quote_lines(first.quote) == (2, 3)


def test_a_hyphen_break_before_a_comma_joins_word_and_comma(files: Settings) -> None:
    answer = ask(files, "When does the Senate chuse a President pro tempore?")
    quotes = [c.quote for c in answer.citations if c.chunk.source == "constitution.pdf"]
    assert any("Absence of the Vice President, or when he shall" in q for q in quotes), quotes
    assert " ," not in answer.text


def test_the_pdf_lines_keep_their_count(tmp_path: Path) -> None:
    path = tmp_path / "constitution.pdf"
    path.write_bytes(make_pdf([CONSTITUTION]))
    [page] = list(open_document(path).pages)
    assert page.text.split("\n")[2].startswith(", chosen")  # as the PDF draws it
    lines = repair_page(page).text.split("\n")
    assert len(lines) == len(CONSTITUTION.split("\n"))
    assert lines[1].endswith("the Vice President,") and lines[2].startswith("chosen for")
    assert lines[4] == "Absence of the Vice President," and lines[5].startswith("or when")


def test_only_punctuation_that_closes_a_word_moves() -> None:
    assert attach_punctuation("a word\n; next") == "a word;\nnext"
    assert attach_punctuation("Legislature thereof\n,]* for six Years") == (
        "Legislature thereof,]*\nfor six Years"
    )
    assert attach_punctuation("Impeachments\n. When sitting") == "Impeachments.\nWhen sitting"
    kept_as_they_are = (
        "Title\n\n, alone",
        "use\n.NET today",
        "total:\n- item",
        "ends.\n, odd",
        "Intro\n.. note:: read this",
        "and then\n... later",
    )
    for kept in kept_as_they_are:
        assert attach_punctuation(kept) == kept


# --------------------------------------------------------------------------- HTML, Markdown


def test_an_html_row_is_quoted_with_its_column_names(files: Settings) -> None:
    answer = ask(files, "Which room is Odile Marchetti in?")
    first = answer.citations[0]
    assert first.chunk.source == "directory.html", answer.text
    assert first.quote == f"Name | Department | Room{JOINED}Odile Marchetti | Facilities | C0-20"
    text = (Path(first.chunk.abs_path)).read_text().split("\n")
    start, end = first.chunk.quote_lines(first.quote)  # the file's lines: header to row
    assert "<th>Name</th>" in text[start - 1] and "Odile Marchetti" in text[end - 1]
    assert "+" in first.chunk.id  # the header is in a chunk before the row's


def test_a_markdown_row_is_quoted_with_its_column_names(files: Settings) -> None:
    answer = ask(files, "How many bananas are in stock?")
    first = answer.citations[0]
    assert first.chunk.source == "fruit.md", answer.text
    assert first.quote == f"Item | Price | # In stock{JOINED}Bananas | 1.89 | 6"
    assert first.chunk.quote_lines(first.quote) == (5, 8)


# --------------------------------------------------------------------------- a 10-K's cover


def test_a_cover_page_value_is_quoted_with_its_label(files: Settings) -> None:
    answer = ask(files, "What is the registrant's telephone number?")
    first = answer.citations[0]
    assert first.chunk.source == "cover.html", answer.text
    assert first.quote == "(503) 555-0147 (Registrant's telephone number)"
    assert first.chunk.quote_lines(first.quote) == (8, 9)  # the file's lines


def test_a_check_box_answer_stays_with_its_question(files: Settings) -> None:
    answer = ask(files, "Is the registrant a shell company?")
    first = answer.citations[0]
    assert first.chunk.source == "cover.html", answer.text
    assert first.quote.startswith("Indicate by check mark whether the registrant is a shell")
    assert first.quote.endswith("Yes \u2610 No \u2611")
    assert not any(c.quote.startswith("Yes") for c in answer.citations)


def test_form_fields_in_sentences() -> None:
    text = (
        "Is it a shell company? Yes \u2610 No \u2611\nIs it large? \u2610\nNext line.\n\n"
        "Oregon | 93-1234567\n(State of incorporation) | (IRS Employer Identification No.)\n\n"
        "(503) 555-0147\n\n(Registrant's telephone number)\n\nThe company (see below) grew."
    )
    assert split_sentences(text) == [
        "Is it a shell company? Yes \u2610 No \u2611",
        "Is it large? \u2610",
        "Next line.",
        f"Oregon | 93-1234567{JOINED}(State of incorporation) | (IRS Employer Identification No.)",
        "(503) 555-0147 (Registrant's telephone number)",
        "The company (see below) grew.",
    ]
