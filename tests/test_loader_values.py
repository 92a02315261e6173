"""Values as the document shows them (issue 26): spreadsheet cells under their number
formats, filled PDF form fields, and table cells merged down several rows. Each input is
built here with the library that writes such files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from localqa.ingest.loaders.xlsx_numfmt import displayed
from tests.support.pdfs import pdf_bytes
from tests.test_loaders import load, make_docx, para, write

# --------------------------------------------------------------------------- number formats


@pytest.mark.parametrize(
    ("value", "code", "shown"),
    [
        (0.125, "0.0%", "12.5%"),
        (0.0425, "0.0%", "4.3%"),  # half away from zero, as Excel rounds
        (0.5, "0%", "50%"),
        (1234.5, '"$"#,##0.00', "$1,234.50"),
        (1234.5, "[$€-407]#,##0.00", "€1,234.50"),
        (1234.5, "_($* #,##0.00_)", "$1,234.50"),
        (18250, "#,##0", "18,250"),
        (1234567.891, "#,##0.00", "1,234,567.89"),
        (12_200_000, "#.0,,", "12.2"),  # each trailing comma divides by a thousand
        (12, "(000)", "(012)"),
        (1.23, '0.00 "dollars"', "1.23 dollars"),
        (-1234.5, "#,##0.00;(#,##0.00)", "(1,234.50)"),
        (-3, "#,##0", "-3"),
        (0, '0;-0;"nil"', "nil"),
        (5, "[Red]0.00", "5.00"),
        (dt.datetime(2019, 3, 15), "dd/mm/yyyy", "15/03/2019"),
        (dt.datetime(2021, 11, 2), "d mmm yyyy", "2 Nov 2021"),
        (dt.datetime(2021, 11, 2), "m/d/yyyy", "11/2/2021"),
        (dt.date(2023, 1, 1), "dddd, mmmm d, yyyy", "Sunday, January 1, 2023"),
        (dt.datetime(2021, 11, 2), "mm-dd-yy", "2021-11-02"),  # the reader's short date
        (dt.time(8, 30), "h:mm AM/PM", "8:30 AM"),
        (dt.time(14, 5, 9), "hh:mm:ss", "14:05:09"),
        (dt.time(14, 5), "hh:mm", "14:05"),  # mm after hours is minutes
        (dt.timedelta(hours=30, minutes=5), "[h]:mm:ss", "30:05:00"),
        (44927.75, "yyyy-mm-dd hh:mm", "2023-01-01 18:00"),  # a serial date kept as a number
    ],
)
def test_number_formats_render_as_shown(value: object, code: str, shown: str) -> None:
    assert displayed(value, code) == shown


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (0.5, "General"),
        (3, "@"),
        ("text", "0.0%"),
        (0.5, "# ?/?"),
        (1e5, "0.00E+00"),
        (5, "[<100]0"),
        (True, "0"),
    ],
)
def test_codes_not_rendered_leave_the_stored_value(value: object, code: str) -> None:
    assert displayed(value, code) is None


def test_xlsx_cells_read_as_formatted_with_the_stored_value_where_it_is_lost(
    tmp_path: Path,
) -> None:
    """A cell reads as Excel shows it; its stored value follows only where the shown text
    does not give it whole (rounded, scaled; a date not in ISO form): a model given
    "1,204 (1204)" read two figures."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Depots"
    sheet.append(["depot", "share", "budget", "staff", "audited", "gate opens", "note"])
    sheet.append(["Riverside", 0.3333, 2_500_000, 1204, dt.date(2024, 7, 9), dt.time(6, 15), 7])
    sheet.append(["Quayside", 0.04256, 12_200_000, -1234.5, dt.date(2024, 7, 9), None, 0.5])
    formats = ["General", "0.00%", "€#,##0", "#,##0", "d mmm yyyy", "hh:mm", "General"]
    lossy = ["General", "0.0%", "#.0,,", "#,##0.00;(#,##0.00)", "yyyy-mm-dd", "General", "0%"]
    for column, (code, other) in enumerate(zip(formats, lossy, strict=True), start=1):
        sheet.cell(row=2, column=column).number_format = code
        sheet.cell(row=3, column=column).number_format = other
    path = tmp_path / "depots.xlsx"
    workbook.save(path)

    _, pages = load(path)
    rows = pages[0].text.splitlines()
    assert rows[1].split(" | ") == [  # row 2: every number shown whole, once
        "depot: Riverside",
        "share: 33.33%",
        "budget: €2,500,000",
        "staff: 1,204",
        "audited: 9 Jul 2024 (2024-07-09)",
        "gate opens: 06:15 (06:15:00)",
        "note: 7",
    ]
    assert rows[2].split(" | ") == [  # row 3: rounded or scaled, with what is stored
        "depot: Quayside",
        "share: 4.3% (0.04256)",
        "budget: 12.2 (12200000)",
        "staff: (1,234.50)",  # the sign is the format's brackets
        "audited: 2024-07-09",
        "note: 50%",
    ]


def test_xlsx_merged_cells_fill_the_rows_they_span(tmp_path: Path) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["shift", "site", "lead", "hours"])
    sheet.append(["early", "North yard", "Ama", 6])
    sheet.append(["late", None, "Bram", 8])
    sheet.append(["night", None, "Cleo", 10])
    sheet.append(["weekend cover arranged by the duty manager", None, None, None])
    sheet.merge_cells("B2:B4")  # down three rows
    sheet.merge_cells("A5:D5")  # across: stays one cell on its row
    path = tmp_path / "shifts.xlsx"
    workbook.save(path)

    _, pages = load(path)
    assert pages[0].text.splitlines() == [  # line n is row n
        "shift | site | lead | hours",
        "shift: early | site: North yard | lead: Ama | hours: 6",
        "shift: late | site: North yard | lead: Bram | hours: 8",
        "shift: night | site: North yard | lead: Cleo | hours: 10",
        "shift: weekend cover arranged by the duty manager",
    ]


def test_xlsx_rows_name_their_columns_only_under_a_header(tmp_path: Path) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    titled = workbook.active
    assert titled is not None
    titled.title = "Titled"
    for row in (["Loan register 2026"], [], ["who", None, "returned"], ["Ada", "drill", None]):
        titled.append(row)  # a title line, then a header with a gap, then a record
    bare = workbook.create_sheet("Bare")
    for row in (["north", 12, 0.5], ["south", 7, 0.25]):
        bare.append(row)  # data from the first row: no header to take names from
    path = tmp_path / "loans.xlsx"
    workbook.save(path)

    _, pages = load(path)
    # line n is row n: the empty row 2 is an empty line; the sheet's name is its label
    assert pages[0].text == ("Loan register 2026\n\nwho |  | returned\nwho: Ada | column 2: drill")
    assert pages[1].text == "north | 12 | 0.5\nsouth | 7 | 0.25"
    assert (pages[0].label, pages[1].label) == ("Titled", "Bare")


# --------------------------------------------------------------------------- merged rows


def _tc(text: str, props: str = "") -> str:
    paragraph = para(text) if text else "<w:p/>"
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{paragraph}</w:tc>"


def test_docx_vertical_merges_give_each_row_the_text(tmp_path: Path) -> None:
    restart, go_on = '<w:vMerge w:val="restart"/>', "<w:vMerge/>"
    two_columns = '<w:gridSpan w:val="2"/>'
    body = (
        "<w:tbl>"
        + f"<w:tr>{_tc('Room')}{_tc('Floor')}{_tc('Key holder')}</w:tr>"
        # a merge in the first column, and one in the last that starts a row later
        + f"<w:tr>{_tc('Archive', restart)}{_tc('B1')}{_tc('Petra')}</w:tr>"
        + f"<w:tr>{_tc('', go_on)}{_tc('B2')}{_tc('Quentin', restart)}</w:tr>"
        + f"<w:tr>{_tc('', go_on)}{_tc('B3')}{_tc('', go_on)}</w:tr>"
        # a cell spanning two grid columns shifts the merge's column along
        + f"<w:tr>{_tc('Lab', two_columns)}{_tc('Rosa', restart)}</w:tr>"
        + f"<w:tr>{_tc('Annex')}{_tc('G')}{_tc('', go_on)}</w:tr>"
        # a cell that is not merged ends the merge above it
        + f"<w:tr>{_tc('Shed')}{_tc('G')}{_tc('')}</w:tr>"
        + "</w:tbl>"
    )
    _, pages = load(make_docx(tmp_path / "rooms.docx", body))
    assert pages[0].text.splitlines() == [
        "Room | Floor | Key holder",
        "Archive | B1 | Petra",
        "Archive | B2 | Quentin",
        "Archive | B3 | Quentin",
        "Lab | Rosa",
        "Annex | G | Rosa",
        "Shed | G",
    ]


def test_html_rowspan_cells_repeat_in_each_row(tmp_path: Path) -> None:
    markup = """<html><body><table>
<thead><tr><th>Region</th><th>Office</th><th>Head</th></tr></thead>
<tbody>
<tr><td rowspan="3">North</td><td>Leeds</td><td>Ann</td></tr>
<tr><td>York</td><td rowspan=2>Bea</td></tr>
<tr><td>Hull</td></tr>
<tr><td colspan="2" rowspan="2">South coast</td><td>Cy</td></tr>
<tr><td>Di</td></tr>
<tr><td>East</td><td>Ely</td><td>Ed</td></tr>
</tbody></table></body></html>"""
    _, pages = load(write(tmp_path, "offices.html", markup))
    lines = pages[0].text.split("\n")
    # each row on its own line of the file, as rows without spans are
    assert lines[3:] == [
        "North | Leeds | Ann",
        "North | York | Bea",
        "North | Hull | Bea",
        "South coast | Cy",
        "South coast | Di",
        "East | Ely | Ed",
    ]


# --------------------------------------------------------------------------- PDF forms


def make_form_pdf(labels: list[tuple[float, str]], fields: list[bytes]) -> bytes:
    """A one-page PDF with Helvetica labels at (y, text), from x=72, and AcroForm fields
    (widget dictionaries without /Type and /P, added here) that are not flattened. The
    object after the fields is an empty appearance, for check boxes (6 + len(fields))."""
    shown = "".join(f"BT /F1 11 Tf 72 {y} Td ({text}) Tj ET " for y, text in labels)
    stream = shown.encode()
    count = len(fields)
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [%s] /NeedAppearances true "
        b"/DA (/F1 0 Tf 0 g) /DR << /Font << /F1 5 0 R >> >> >> >>"
        % " ".join(f"{6 + i} 0 R" for i in range(count)).encode(),
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font "
        b"<< /F1 5 0 R >> >> /Contents 4 0 R /Annots [%s] >>"
        % " ".join(f"{6 + i} 0 R" for i in range(count)).encode(),
        4: b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        5: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        6 + count: b"<< /Type /XObject /Subtype /Form /BBox [0 0 10 10] /Length 0 >>\n"
        b"stream\n\nendstream",
    }
    for i, field in enumerate(fields):
        objects[6 + i] = b"<< /Type /Annot /Subtype /Widget /P 3 0 R /F 4 " + field + b" >>"
    return pdf_bytes(objects, version="1.7")


def text_field(name: str, value: str, rect: tuple[int, int, int, int]) -> bytes:
    box = " ".join(map(str, rect))
    return f"/FT /Tx /T ({name}) /V ({value}) /Rect [{box}] /DA (/F1 10 Tf 0 g)".encode()


def check_box(name: str, on: bool, rect: tuple[int, int, int, int], appearance: int) -> bytes:
    state = "/Yes" if on else "/Off"
    box = " ".join(map(str, rect))
    return (
        f"/FT /Btn /T ({name}) /V {state} /AS {state} /Rect [{box}] "
        f"/AP << /N << /Yes {appearance} 0 R /Off {appearance} 0 R >> >>"
    ).encode()


def test_pdf_form_values_sit_beside_their_labels(tmp_path: Path) -> None:
    labels = [
        (740, "Equipment loan request"),
        (700, "Borrower:"),
        (660, "Item:"),
        (620, "Needed from:"),
        (580, "Insurance confirmed"),
        (540, "Notes overleaf are binding."),
    ]
    fields = [
        text_field("borrower", "Hedda Lindqvist", (200, 695, 500, 712)),
        text_field("item", "thermal camera", (200, 655, 330, 672)),
        text_field("serial", "TC-0042", (400, 655, 540, 672)),  # a second field on the line
        text_field("from", "4 May", (200, 615, 300, 632)),
        check_box("insured", True, (300, 578, 312, 590), appearance=6 + 7),
        check_box("returned", False, (330, 578, 342, 590), appearance=6 + 7),
        text_field("remarks", "fragile lens, keep in the case", (72, 500, 500, 520)),  # alone
    ]
    path = write(tmp_path, "loan.pdf", make_form_pdf(labels, fields))
    _, pages = load(path)
    assert pages[0].text.split("\n") == [
        "Equipment loan request",
        "Borrower: Hedda Lindqvist",
        "Item: thermal camera TC-0042",
        "Needed from: 4 May",
        "Insurance confirmed [x] [ ]",
        "Notes overleaf are binding.",
        "fragile lens, keep in the case",  # no label beside it: its own line, in its place
    ]


def test_pdf_without_a_form_reads_as_before(tmp_path: Path) -> None:
    path = write(tmp_path, "plain.pdf", make_form_pdf([(700, "Borrower:")], []))
    _, pages = load(path)
    assert pages[0].text == "Borrower:"
