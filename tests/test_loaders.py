"""Document loaders: small inputs built in each test, then the shared corpus (skipped when
../shared is absent)."""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from localqa.ingest.loaders import SUPPORTED_SUFFIXES, LoadedDocument, LoadOptions, open_document
from localqa.ingest.loaders.base import LoadError, UnsupportedFile
from localqa.schema import Page
from localqa.sentences import split_sentences
from localqa.text import SOFT_LINE
from tests.support.pdfs import escaped, pdf_bytes

# --------------------------------------------------------------------------- helpers


# The text layer only: OCR of image-only pages has its own tests (tests/test_ocr.py).
TEXT_LAYER = LoadOptions(ocr=False)


def load(path: Path) -> tuple[LoadedDocument, list[Page]]:
    document = open_document(path, options=TEXT_LAYER)
    return document, list(document.pages)


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def heading_texts(page: Page) -> list[str]:
    return [title for _, title in page.headings]


def assert_headings_point_at_text(page: Page) -> None:
    """Each heading offset is where its line (or its RST overline, or its part of a line
    of an HTML file) starts."""
    for offset, title in page.headings:
        assert offset == 0 or page.text[offset - 1] in ("\n", SOFT_LINE), (offset, title)
        window = " ".join(page.text[offset : offset + 2 * len(title) + 20].split())
        assert title.split()[0] in window, (offset, title)


def make_pdf(pages: list[str], title: str | None = None) -> bytes:
    """A minimal valid PDF: one Helvetica text line per line of each page ("" = no text)."""
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (" ".join(f"{4 + 2 * i} 0 R" for i in range(len(pages))).encode(), len(pages)),
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }
    for i, text in enumerate(pages):
        shown = "".join(f"({escaped(line)}) Tj T* " for line in text.split("\n") if text)
        stream = f"BT /F1 12 Tf 14 TL 72 720 Td {shown}ET".encode()
        objects[4 + 2 * i] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * i)
        )
        objects[5 + 2 * i] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)
    info = b""
    if title is not None:
        objects[len(objects) + 1] = b"<< /Title (%s) >>" % escaped(title).encode()
        info = b" /Info %d 0 R" % len(objects)
    return pdf_bytes(objects, trailer=info)


def encrypt_pdf(data: bytes, user_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password="x", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --------------------------------------------------------------------------- dispatch


def test_supported_suffixes_cover_each_family() -> None:
    for suffix in (".pdf", ".txt", ".py", ".md", ".rst", ".html", ".csv", ".tsv", ".psv"):
        assert suffix in SUPPORTED_SUFFIXES
    for suffix in (".docx", ".pptx", ".xlsx", ".epub", ".json", ".yaml", ".tex"):
        assert suffix in SUPPORTED_SUFFIXES
    assert not {".doc", ".xls", ".ppt", ".png", ".zip"} & SUPPORTED_SUFFIXES
    assert all(s == s.lower() and s.startswith(".") for s in SUPPORTED_SUFFIXES)


@pytest.mark.parametrize("name", ["old.doc", "old.xls", "old.ppt", "OLD.DOC"])
def test_legacy_office_is_unsupported_with_advice(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, name, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(UnsupportedFile, match=r"legacy binary Office format; save it as \.docx"):
        open_document(path)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("photo.png", "image file"),
        ("bundle.zip", "archive"),
        ("data.weird", "unsupported file type '.weird'"),
        ("Makefile", "no file extension"),
    ],
)
def test_other_files_are_unsupported(tmp_path: Path, name: str, reason: str) -> None:
    path = write(tmp_path, name, b"content")
    with pytest.raises(UnsupportedFile, match=reason):
        open_document(path)


def test_suffix_dispatch_ignores_case(tmp_path: Path) -> None:
    _, pages = load(write(tmp_path, "NOTES.TXT", "upper-case suffix still loads"))
    assert pages[0].text == "upper-case suffix still loads"


@pytest.mark.parametrize("name", ["empty.txt", "empty.pdf", "empty.docx", "empty.csv"])
def test_zero_byte_file_is_empty(tmp_path: Path, name: str) -> None:
    with pytest.raises(LoadError) as caught:
        open_document(write(tmp_path, name, b""))
    assert caught.value.problem == "empty file"
    assert str(caught.value) == "empty file; nothing to index; add content or remove it"


def test_whitespace_only_text_is_empty(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match=r"^empty file;"):
        open_document(write(tmp_path, "blank.md", " \n\t\n  "))


def test_unreadable_path_is_a_load_error(tmp_path: Path) -> None:
    directory = tmp_path / "folder.txt"
    directory.mkdir()
    with pytest.raises(LoadError) as caught:
        open_document(directory)
    assert caught.value.problem.startswith("cannot read file: ")
    assert caught.value.advice == "check permissions"
    assert "\n" not in str(caught.value)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_permission_denied_is_a_load_error(tmp_path: Path) -> None:
    path = write(tmp_path, "secret.txt", "hidden")
    path.chmod(0)
    try:
        with pytest.raises(LoadError, match="cannot read file: Permission denied; check"):
            open_document(path)
    finally:
        path.chmod(0o600)


# --------------------------------------------------------------------------- text and encodings


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_with_bom(tmp_path: Path, codec: str) -> None:
    bom = {
        "utf-16-le": b"\xff\xfe",
        "utf-16-be": b"\xfe\xff",
        "utf-32-le": b"\xff\xfe\x00\x00",
        "utf-32-be": b"\x00\x00\xfe\xff",
    }[codec]
    text = "Grüße aus Köln\r\nzweite Zeile — ok"
    document, pages = load(write(tmp_path, "notes.txt", bom + text.encode(codec)))
    assert pages[0].text == "Grüße aus Köln\nzweite Zeile — ok"
    assert document.warnings == []


def test_utf8_bom_is_dropped_and_newlines_normalised(tmp_path: Path) -> None:
    data = "\ufeffline one\r\nline two\rline three\n".encode()
    _, pages = load(write(tmp_path, "bom.log", data))
    assert pages[0].text == "line one\nline two\nline three\n"


def test_cp1252_is_guessed_with_a_warning(tmp_path: Path) -> None:
    text = (
        "Le café du coin sert une crème brûlée délicieuse. "
        "Nous étions à l\u2019hôtel près de la rivière, où l\u2019été est très agréable.\n"
    ) * 5
    document, pages = load(write(tmp_path, "legacy.txt", text.encode("cp1252")))
    assert "café" in pages[0].text and "crème brûlée" in pages[0].text
    assert len(document.warnings) == 1
    assert document.warnings[0].startswith("not UTF-8; decoded as ")
    assert document.warnings[0].endswith(", check the text")


def test_binary_data_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LoadError) as caught:
        open_document(write(tmp_path, "blob.txt", b"abc\x00\x01\x02\x00def" * 20))
    assert caught.value.problem == "binary or unreadable text"


def test_source_file_is_one_page_titled_by_name(tmp_path: Path) -> None:
    document, pages = load(write(tmp_path, "tool.py", "def main() -> None:\n    pass\n"))
    assert document.title == "tool.py"
    assert document.page_kind == "page"
    assert [page.number for page in pages] == [1]
    assert "def main()" in pages[0].text


def test_markdown_headings_atx_setext_and_fences(tmp_path: Path) -> None:
    markdown = (
        "---\ntitle: front matter\n---\n"
        "# Intro **bold**\n\nText.\n\n"
        "Usage\n=====\n\n"
        "```bash\n# not a heading\n```\n\n"
        "## [Linked](http://x) heading ##\n\nMore.\n\n"
        "Details\n-------\n"
    )
    _, pages = load(write(tmp_path, "guide.md", markdown))
    page = pages[0]
    assert heading_texts(page) == ["Intro bold", "Usage", "Linked heading", "Details"]
    assert page.text[page.headings[0][0] :].startswith("# Intro")
    assert page.text[page.headings[1][0] :].startswith("Usage\n=====")
    assert_headings_point_at_text(page)


def test_rst_underlined_and_overlined_titles(tmp_path: Path) -> None:
    rst = (
        "=========\nThe Title\n=========\n\nIntro text.\n\n"
        "Section One\n-----------\n\nBody.\n\nToo short\n---\n\n"
        "Sub section\n~~~~~~~~~~~~~\n"
    )
    _, pages = load(write(tmp_path, "doc.rst", rst))
    assert heading_texts(pages[0]) == ["The Title", "Section One", "Sub section"]
    assert_headings_point_at_text(pages[0])


# --------------------------------------------------------------------------- HTML


HTML_PAGE = """<!DOCTYPE html>
<html><head><title>Quarterly  Report</title>
<style>body { color: red; } .secret-style {}</style>
<script>var secretScript = "do not index";</script></head>
<body>
<noscript>Enable JavaScript please</noscript>
<template><p>template text</p></template>
<svg><text>svg label</text></svg>
<h1>Main   Heading</h1>
<p>First paragraph with <b>bold</b> text.<br>After a break.</p>
<div hidden>hidden div text</div>
<h2>Numbers</h2>
<table><tr><th>Item</th><th>Price</th></tr><tr><td><p>Apple</p></td><td>1.50</td></tr></table>
<ul><li>one</li><li>two</li></ul>
<pre>  keep   spacing
  here</pre>
</body></html>"""


def test_html_visible_text_only(tmp_path: Path) -> None:
    document, pages = load(write(tmp_path, "report.html", HTML_PAGE))
    text = pages[0].text
    assert document.title == "Quarterly Report"
    for invisible in ("secretScript", "secret-style", "Enable JavaScript", "template text"):
        assert invisible not in text
    assert "svg label" not in text and "hidden div text" not in text
    # blocks written on one line of the file share it (citations name the file's lines)
    assert f"First paragraph with bold text.{SOFT_LINE}After a break." in text
    assert f"Item | Price{SOFT_LINE}Apple | 1.50" in text
    assert f"one{SOFT_LINE}two" in text
    assert "  keep   spacing\n  here" in text
    assert heading_texts(pages[0]) == ["Main Heading", "Numbers"]
    assert_headings_point_at_text(pages[0])


def test_html_meta_charset_is_respected(tmp_path: Path) -> None:
    markup = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
        "</head><body><p>It\u2019s a \u201cquoted\u201d café</p></body></html>"
    )
    document, pages = load(write(tmp_path, "legacy.htm", markup.encode("cp1252")))
    assert pages[0].text == "It\u2019s a \u201cquoted\u201d café"
    assert document.warnings == []


def test_html_without_visible_text(tmp_path: Path) -> None:
    markup = '<html><body><img src="a.png" alt="(smile)"><script>x()</script></body></html>'
    with pytest.raises(LoadError, match=r"^no text found;"):
        open_document(write(tmp_path, "images.html", markup))


# --------------------------------------------------------------------------- CSV family


@pytest.mark.parametrize(
    ("name", "delimiter"),
    [("semi.csv", ";"), ("comma.csv", ","), ("tabs.tsv", "\t"), ("pipes.psv", "|")],
)
def test_delimited_rows_carry_column_names(tmp_path: Path, name: str, delimiter: str) -> None:
    rows = [["Name", "Age", "City"], ["Alice", "30", "New York"], ["", "", ""], ["Bob", "", "Rome"]]
    data = "\r\n".join(delimiter.join(row) for row in rows)
    _, pages = load(write(tmp_path, name, data))
    assert pages[0].text.split("\n") == [
        "Name | Age | City",
        "Name: Alice | Age: 30 | City: New York",
        "",  # the empty row: each row stays on its line of the file
        "Name: Bob | City: Rome",
    ]


def test_csv_quoting_and_extra_columns(tmp_path: Path) -> None:
    data = 'item,description\n1,"has a , comma",extra\n'
    _, pages = load(write(tmp_path, "quoted.csv", data))
    assert "item: 1 | description: has a , comma | column 3: extra" in pages[0].text


# --------------------------------------------------------------------------- DOCX


def test_docx_pages_headings_and_tables(tmp_path: Path) -> None:
    import docx
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    document.core_properties.title = "Field Manual"
    document.add_heading("Getting Started", level=1)
    document.add_paragraph("Alpha paragraph on the first page.")
    paragraph = document.add_paragraph("Before the break.")
    paragraph.add_run().add_break(WD_BREAK.PAGE)
    paragraph.add_run("After the break.")
    document.add_heading("Tables", level=2)
    table = document.add_table(rows=2, cols=2)
    for row, values in zip(table.rows, [("Key", "Value"), ("colour", "blue")], strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    document.add_paragraph("Tab\tseparated")
    path = tmp_path / "manual.docx"
    document.save(str(path))

    loaded, pages = load(path)
    assert loaded.title == "Field Manual"
    assert [page.number for page in pages] == [1, 2]
    assert "Alpha paragraph" in pages[0].text and "Before the break." in pages[0].text
    assert "After the break." not in pages[0].text
    assert pages[1].text.startswith("After the break.")
    assert "Key | Value\ncolour | blue" in pages[1].text
    assert "Tab\tseparated" in pages[1].text
    assert heading_texts(pages[0]) == ["Getting Started"]
    assert heading_texts(pages[1]) == ["Tables"]
    for page in pages:
        assert_headings_point_at_text(page)


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def make_docx(path: Path, body: str) -> Path:
    """A DOCX holding just `word/document.xml` with `body` inside w:body."""
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?>'
        f'<w:document xmlns:w="{W_NS}" xmlns:mc="{MC_NS}"><w:body>{body}</w:body></w:document>'
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", xml)
    return path


def para(text: str, run_extra: str = "", ppr: str = "") -> str:
    return f"<w:p><w:pPr>{ppr}</w:pPr><w:r>{run_extra}<w:t>{text}</w:t></w:r></w:p>"


def test_docx_rendered_page_breaks_follow_word(tmp_path: Path) -> None:
    body = (
        para("one")
        # an explicit break followed by Word's rendered break is a single page boundary
        + '<w:p><w:r><w:br w:type="page"/></w:r><w:r><w:lastRenderedPageBreak/>'
        "<w:t>two</w:t></w:r></w:p>"
        + para("three", run_extra="<w:lastRenderedPageBreak/>")
        + para("four", ppr='<w:pageBreakBefore/><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs>')
        + para("five", ppr='<w:sectPr><w:type w:val="nextPage"/></w:sectPr>')
        + para("six", ppr='<w:sectPr><w:type w:val="continuous"/></w:sectPr>')
        + para("seven")
        + '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'  # trailing break: no blank last page
    )
    _, pages = load(make_docx(tmp_path / "breaks.docx", body))
    assert [(page.number, page.text) for page in pages] == [
        (1, "one"),
        (2, "two"),
        (3, "three"),
        (4, "four\nfive"),  # a section break ends its paragraph's section
        (5, "six\nseven"),
    ]


def test_docx_page_breaks_inside_tables_keep_rows_whole(tmp_path: Path) -> None:
    def cell(text: str, extra: str = "") -> str:
        return f"<w:tc><w:p><w:r>{extra}<w:t>{text}</w:t></w:r></w:p></w:tc>"

    rendered = "<w:lastRenderedPageBreak/>"
    body = (
        para("intro")
        + "<w:tbl>"
        + f"<w:tr>{cell('a1')}{cell('b1')}</w:tr>"
        + f"<w:tr>{cell('a2', rendered)}{cell('b2')}</w:tr>"  # the row starts page 2
        + f"<w:tr>{cell('a3')}{cell('b3', rendered)}</w:tr>"  # split row: stays on page 2
        + f"<w:tr>{cell('a4')}</w:tr>"
        + "</w:tbl>"
    )
    _, pages = load(make_docx(tmp_path / "table.docx", body))
    assert [page.text for page in pages] == ["intro\na1 | b1", "a2 | b2\na3 | b3", "a4"]


def test_docx_skips_fallback_copies_and_deleted_text(tmp_path: Path) -> None:
    body = (
        "<w:p><w:r><mc:AlternateContent><mc:Choice><w:t>shown once</w:t></mc:Choice>"
        "<mc:Fallback><w:t>shown once</w:t></mc:Fallback></mc:AlternateContent></w:r></w:p>"
        "<w:p><w:del><w:r><w:delText>removed</w:delText></w:r></w:del>"
        "<w:r><w:t>kept</w:t><w:br/><w:t>next line</w:t></w:r></w:p>"
        + para("Heading by id", ppr='<w:pStyle w:val="Heading2"/>')
    )
    _, pages = load(make_docx(tmp_path / "alt.docx", body))
    assert pages[0].text == "shown once\nkept\nnext line\nHeading by id"
    assert pages[0].headings == ((pages[0].text.index("Heading by id"), "Heading by id"),)


def test_docx_without_text(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "blank.docx", "<w:p/><w:p/>")
    document = open_document(path)
    with pytest.raises(LoadError, match=r"^no text found;"):
        list(document.pages)


@pytest.mark.parametrize(
    "content",
    [
        b"this is not a zip archive at all",
        None,  # a zip without word/document.xml
    ],
)
def test_invalid_docx(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "broken.docx"
    if content is None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("hello.txt", "hi")
    else:
        path.write_bytes(content)
    with pytest.raises(LoadError) as caught:
        open_document(path)
    assert caught.value.problem == "not a valid DOCX (corrupt or not a Word 2007+ file)"
    assert caught.value.advice == "open and re-save it in Word or LibreOffice"


def test_ole_file_named_docx_is_protected_or_legacy(tmp_path: Path) -> None:
    path = write(tmp_path, "locked.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    with pytest.raises(LoadError, match=r"^password-protected or legacy-format Office file;"):
        open_document(path)


# --------------------------------------------------------------------------- PPTX and XLSX


def test_pptx_slides_titles_tables_and_notes(tmp_path: Path) -> None:
    import pptx
    from pptx.util import Inches

    presentation = pptx.Presentation()
    first = presentation.slides.add_slide(presentation.slide_layouts[1])
    first.shapes.title.text = "Roadmap"
    first.placeholders[1].text = "Ship the loader\nWrite the tests"
    first.notes_slide.notes_text_frame.text = "Mention the deadline"
    second = presentation.slides.add_slide(presentation.slide_layouts[5])
    second.shapes.title.text = "Budget"
    shape = second.shapes.add_table(2, 2, Inches(1), Inches(2), Inches(4), Inches(1))
    for (row, col), value in {(0, 0): "Item", (0, 1): "Cost", (1, 0): "GPU", (1, 1): "900"}.items():
        shape.table.cell(row, col).text = value
    path = tmp_path / "deck.pptx"
    presentation.save(str(path))

    document, pages = load(path)
    assert document.page_kind == "slide"
    assert [page.number for page in pages] == [1, 2]
    # a line of the slide a line of the page; title and bullets each end a sentence
    soft = SOFT_LINE
    assert pages[0].text == (
        f"Roadmap{soft}\nShip the loader{soft}\nWrite the tests{soft}\n\nNotes:\n"
        "Mention the deadline"
    )
    assert split_sentences(pages[0].text)[:3] == ["Roadmap", "Ship the loader", "Write the tests"]
    assert pages[0].headings == ((0, "Roadmap"),)
    assert pages[1].headings == ((0, "Budget"),)
    assert "Item | Cost\nGPU | 900" in pages[1].text


def test_xlsx_sheets_rows_and_empty_rows(tmp_path: Path) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Staff"
    sheet.append(["Name", "Hours", "Start"])
    sheet.append([None, None, None])
    sheet.append(["Ana", 4.0, None])
    sheet.append(["Bo", 2.5, "x"])
    workbook.create_sheet("Empty")
    other = workbook.create_sheet("Notes")
    other["B2"] = "remember the milk"
    path = tmp_path / "book.xlsx"
    workbook.save(path)

    document, pages = load(path)
    assert document.page_kind == "sheet"
    assert [page.number for page in pages] == [1, 2, 3]
    # rows under a header row name their columns, as a CSV's rows do; line n is row n
    # (an empty row an empty line); the sheet is named by its label, not by a line
    assert (
        pages[0].text
        == "Name | Hours | Start\n\nName: Ana | Hours: 4\nName: Bo | Hours: 2.5 | Start: x"
    )
    assert [page.label for page in pages] == ["Staff", "Empty", "Notes"]
    assert pages[1].text == ""
    assert (pages[2].text, pages[2].first_line) == (" | remember the milk", 2)  # row 2


# --------------------------------------------------------------------------- EPUB


def make_epub(path: Path, chapters: dict[str, str], spine: list[str], drm: bool = False) -> Path:
    manifest = "".join(
        f'<item id="{name}" href="text/{name}.xhtml" media-type="application/xhtml+xml"/>'
        for name in chapters
    )
    itemrefs = "".join(f'<itemref idref="{name}"/>' for name in spine)
    opf = (
        '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0">'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Tiny Book</dc:title>'
        f"</metadata><manifest>{manifest}</manifest><spine>{itemrefs}</spine></package>"
    )
    container = (
        '<?xml version="1.0"?><container version="1.0" '
        'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
        '<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
        "</rootfiles></container>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip")
        archive.writestr("META-INF/container.xml", container)
        archive.writestr("OEBPS/content.opf", opf)
        for name, body in chapters.items():
            xhtml = (
                '<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml">'
                f"<head><title>{name}</title></head><body>{body}</body></html>"
            )
            archive.writestr(f"OEBPS/text/{name}.xhtml", xhtml)
        if drm:
            archive.writestr(
                "META-INF/encryption.xml",
                '<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
                'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>'
                '<enc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>'
                '<enc:CipherData><enc:CipherReference URI="OEBPS/text/one.xhtml"/>'
                "</enc:CipherData></enc:EncryptedData></encryption>",
            )
    return path


def test_epub_spine_order_chapters_and_title(tmp_path: Path) -> None:
    chapters = {
        "one": "<h1>Chapter One</h1><p>It was a dark night.</p>",
        "two": "<h1>Chapter Two</h1><p>The morning came.</p><script>bad()</script>",
    }
    path = make_epub(tmp_path / "tiny.epub", chapters, spine=["two", "one"])
    document, pages = load(path)
    assert document.title == "Tiny Book"
    assert document.page_kind == "chapter"
    assert [page.number for page in pages] == [1, 2]
    assert pages[0].text == "Chapter Two\n\nThe morning came."
    assert pages[1].headings == ((0, "Chapter One"),)
    assert "It was a dark night." in pages[1].text


def test_epub_with_drm_is_refused(tmp_path: Path) -> None:
    path = make_epub(tmp_path / "locked.epub", {"one": "<p>x</p>"}, ["one"], drm=True)
    with pytest.raises(LoadError, match=r"^DRM-protected EPUB;"):
        open_document(path)


def test_epub_without_container_is_invalid(tmp_path: Path) -> None:
    path = tmp_path / "bad.epub"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip")
    with pytest.raises(LoadError, match=r"^not a valid EPUB"):
        open_document(path)


# --------------------------------------------------------------------------- PDF


def test_pdf_pages_title_and_empty_page_warning(tmp_path: Path) -> None:
    data = make_pdf(["Hello world\nsecond line", "", "Third page (here)"], title="Annual Report")
    document, pages = load(write(tmp_path, "report.pdf", data))
    assert document.title == "Annual Report"
    assert [page.number for page in pages] == [1, 2, 3]
    assert pages[0].text == "Hello world\nsecond line"
    assert pages[1].text == ""
    assert pages[2].text == "Third page (here)"
    assert document.warnings == ["no text on page 2 (images only? run OCR)"]


def test_pdf_title_falls_back_to_stem(tmp_path: Path) -> None:
    data = make_pdf(["text"], title="Microsoft Word - draft.docx")
    document, _ = load(write(tmp_path, "minutes-2024.pdf", data))
    assert document.title == "minutes-2024"


def test_pdf_owner_password_only_opens(tmp_path: Path) -> None:
    data = encrypt_pdf(make_pdf(["Readable despite encryption"]), user_password="")
    _, pages = load(write(tmp_path, "owner.pdf", data))
    assert pages[0].text == "Readable despite encryption"


def test_pdf_user_password_is_refused(tmp_path: Path) -> None:
    data = encrypt_pdf(make_pdf(["Secret"]), user_password="hunter2")
    with pytest.raises(LoadError) as caught:
        open_document(write(tmp_path, "locked.pdf", data))
    assert caught.value.problem == "password-protected PDF"
    assert "qpdf --decrypt" in caught.value.advice


def test_truncated_pdf_names_the_problem(tmp_path: Path) -> None:
    data = make_pdf(["Some text"] * 3)
    with pytest.raises(LoadError) as caught:
        open_document(write(tmp_path, "cut.pdf", data[: len(data) // 2]))
    assert caught.value.problem.startswith("corrupt or unreadable PDF (")
    assert "damaged" in caught.value.problem  # PDFium: "not in PDF format or damaged"
    assert "repair" in caught.value.advice


def test_not_a_pdf_at_all(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match=r"^corrupt or unreadable PDF \("):
        open_document(write(tmp_path, "fake.pdf", b"hello, I am plain text"))


def test_image_only_pdf_is_refused_at_open(tmp_path: Path) -> None:
    with pytest.raises(LoadError) as caught:
        open_document(write(tmp_path, "scan.pdf", make_pdf(["", ""])), options=TEXT_LAYER)
    assert caught.value.problem == "no text layer (scanned or image-only PDF)"
    assert "ocrmypdf" in caught.value.advice


def test_long_image_only_pdf_is_refused_while_reading(tmp_path: Path) -> None:
    document = open_document(write(tmp_path, "scan.pdf", make_pdf([""] * 6)), options=TEXT_LAYER)
    with pytest.raises(LoadError, match=r"^no text layer \(scanned or image-only PDF\);"):
        list(document.pages)


# --------------------------------------------------------------------------- shared corpus
#
# What each corpus file really is (inspected by hand) and what the loaders make of it.
#
# corpus/privategpt
# | file                                   | outcome                                           |
# |----------------------------------------|---------------------------------------------------|
# | state_of_the_union.txt                 | text, 1 page                                      |
# | ingest/pdf_encrypted.pdf               | AES-256 (R5), owner password only: opens, 1 page  |
# | ingest/pdf_with_annotations.pdf        | 1 page; title "TCPDF Example 041" from metadata   |
# | ingest/pdf_with_forms.pdf              | 1 page; title "PDF Form Example"                  |
# | ingest/pdf_with_multiple_pages.pdf     | despite its name, 1 page (/Count 1)               |
# | ingest/test.pdf                        | 1 page, same frog story                           |
# | ingest/test.txt                        | text, 1 page                                      |
# | reader_files/another_file_no_utf8.html | really UTF-8 (meta says utf-8); web page, 1 page  |
# | reader_files/another_file_no_utf8.md   | really UTF-8; Markdown, 1 page                    |
# | reader_files/file.csv                  | comma CSV of floats, header Column1..5            |
# | reader_files/file.docx                 | 1 page, no page breaks                            |
# | reader_files/file.html                 | h1/h2 + tables with <p> in cells                  |
# | reader_files/file.md                   | Markdown, setext headings                         |
# | reader_files/file.txt                  | text, 1 page                                      |
# | reader_files/file.xls                  | OLE2 Excel 97 -> UnsupportedFile (legacy)         |
# | reader_files/file.xlsx                 | 3 sheets: "Plan1" with data, 2 and 3 empty        |
# | reader_files/file_comma.csv            | comma CSV                                         |
# | reader_files/file_emoji.html           | only <img> emoticons -> LoadError "no text found" |
# | reader_files/file_emoji.md             | only image links; loads (alt text is in source)   |
# | reader_files/file_failing.docx         | table + duplicate tblGrid; streams fine, 1 page   |
# | reader_files/file_failing.ppt          | OLE2 PowerPoint 97 -> UnsupportedFile (legacy)    |
# | reader_files/file_general_elements.pdf | 1 page with text                                  |
# | reader_files/file_image.pdf            | image only -> LoadError no text layer             |
# | reader_files/file_multicolumn.pdf      | 3 pages, two columns; table on page 3             |
# | reader_files/file_no_utf8.html         | windows-1252 declared in <meta>, 0x92 quotes      |
# | reader_files/file_pipe.psv             | pipe-delimited                                    |
# | reader_files/file_quote.csv            | quoted field containing a comma                   |
# | reader_files/file_scanned.pdf          | 2 scanned pages, no text -> LoadError no text layer|
# | reader_files/file_semicolon.csv        | semicolon CSV (sniffed)                           |
# | reader_files/file_tab.tsv              | tab-delimited                                     |
# | reader_files/file_unknown.txt          | UTF-8 BOM, CRLF and lone CR endings (Gatsby)      |
# | reader_files/file_window.html          | windows-1252 declared in <meta>                   |
#
# corpus/unstructured (selection)
# | docx/handbook-872p.docx   | no w:lastRenderedPageBreak at all (Word never laid it out);       |
# |                           | 54 explicit page breaks + 28 next-page section breaks -> 82 pages |
# |                           | (a trailing empty page dropped). The text is the handbook 4 times:|
# |                           | pages 1-40 = 41-80, then two copies without breaks (81, 82, ~205k |
# |                           | chars each). "872p" is a rendered page count no loader can know.  |
# | docx/handbook-1p.docx     | explicit break + rendered break together: 2 pages, not 3           |
# | docx/docx-tables.docx     | nested table and merged cells                                      |
# | docx/fake.docx            | one paragraph "Lorem ipsum dolor sit amet."                        |
# | epub/winter-sports.epub   | 10 spine items; 1 = cover image only (empty page), 2 = front matter|
# | pptx/*.pptx               | 1 slide with a table; 4 slides with titles and bullets             |
# | html/example-with-scripts | 115 kB with inline scripts; none of their code reaches the text    |
# | html/fake-html.html       | headings, nested list, table                                       |
# | pdf/DA-1p.pdf, fake-memo  | 1-page text PDFs                                                   |
# | pdf/loremipsum-flat.pdf   | flattened to an image -> LoadError no text layer                   |
# | pdf/DA-619p.pdf           | 619 pages, ~2 s to extract with PDFium (page 182 read by OCR)      |


@dataclass(frozen=True)
class Loaded:
    """Expect the file to load: `phrase` on page `page`, and optionally the page count."""

    page: int
    phrase: str
    pages: int | None = None
    kind: str = "page"
    title: str | None = None


@dataclass(frozen=True)
class Fails:
    """Expect LoadError whose problem starts with `problem`."""

    problem: str


@dataclass(frozen=True)
class Skipped:
    """Expect UnsupportedFile whose reason contains `reason`."""

    reason: str


Outcome = Loaded | Fails | Skipped

NO_TEXT_LAYER = Fails("no text layer (scanned or image-only PDF)")
LEGACY = Skipped("legacy binary Office format")
PEOPLE_ROW = "Name: Alice | Age: 30 | City: New York"

PRIVATEGPT: dict[str, Outcome] = {
    "state_of_the_union.txt": Loaded(1, "Madam Speaker, Madam Vice President", 1),
    "ingest/pdf_encrypted.pdf": Loaded(1, "placeholder for the appropriate documentation", 1),
    "ingest/pdf_with_annotations.pdf": Loaded(
        1, "Example of File Attachment", 1, title="TCPDF Example 041"
    ),
    "ingest/pdf_with_forms.pdf": Loaded(1, "user fillable PDF form", 1, title="PDF Form Example"),
    "ingest/pdf_with_multiple_pages.pdf": Loaded(1, "little frog named Pepe", 1),
    "ingest/test.pdf": Loaded(1, "little frog named Pepe", 1),
    "ingest/test.txt": Loaded(1, "magical forest called Enchantia", 1),
    "reader_files/another_file_no_utf8.html": Loaded(
        1, "Legal Malpractice in Case Preparation", 1, title="Lack of Due Diligence | Law Offices"
    ),
    "reader_files/another_file_no_utf8.md": Loaded(1, "Lack of Due Diligence", 1),
    "reader_files/file.csv": Loaded(1, "Column1: 1.764052345967664 | Column2:", 1),
    "reader_files/file.docx": Loaded(1, "Meet Zylon - an AI collaborator", 1),
    "reader_files/file.html": Loaded(1, "Creativity | Designing unique solutions", 1),
    "reader_files/file.md": Loaded(1, "Comprehensive Profile of", 1),
    "reader_files/file.txt": Loaded(1, "test data for present's TestTestdata", 1),
    "reader_files/file.xls": LEGACY,
    "reader_files/file.xlsx": Loaded(
        1, "Nome: ADILSON ALVES LUCAS | CPF/RG: 578.774.241-91", 3, kind="sheet"
    ),
    "reader_files/file_comma.csv": Loaded(1, PEOPLE_ROW, 1),
    "reader_files/file_emoji.html": Fails("no text found"),
    "reader_files/file_emoji.md": Loaded(1, "![(blue star)]", 1),
    "reader_files/file_failing.docx": Loaded(1, "Punto clave | Descripción", 1),
    "reader_files/file_failing.ppt": LEGACY,
    "reader_files/file_general_elements.pdf": Loaded(1, "32-bit signed 2s complement integer", 1),
    "reader_files/file_image.pdf": NO_TEXT_LAYER,
    "reader_files/file_multicolumn.pdf": Loaded(3, "Table 1: EU Countries Information", 3),
    "reader_files/file_no_utf8.html": Loaded(1, "change in the Taxable Person\u2019s office", 1),
    "reader_files/file_pipe.psv": Loaded(1, PEOPLE_ROW, 1),
    "reader_files/file_quote.csv": Loaded(1, "description: this is a description with a , in", 1),
    "reader_files/file_scanned.pdf": NO_TEXT_LAYER,
    "reader_files/file_semicolon.csv": Loaded(1, PEOPLE_ROW, 1),
    "reader_files/file_tab.tsv": Loaded(1, PEOPLE_ROW, 1),
    "reader_files/file_unknown.txt": Loaded(
        1, "The Project Gutenberg eBook of The Great Gatsby", 1
    ),
    "reader_files/file_window.html": Loaded(1, "Settling the Foundation\u2019s affairs", 1),
}

UNSTRUCTURED: dict[str, Outcome] = {
    "docx/handbook-872p.docx": Loaded(3, "CHAPTER 1\n\nINTRODUCTION", 82),
    "docx/handbook-1p.docx": Loaded(2, "ROLE OF THE UNITED STATES TRUSTEE", 2),
    "docx/docx-tables.docx": Loaded(1, "Header Col 1 | Header Col 2\nLorem ipsum | A link", 1),
    "docx/fake.docx": Loaded(1, "Lorem ipsum dolor sit amet.", 1),
    "epub/winter-sports.epub": Loaded(
        10, "THE FULL PROJECT GUTENBERG LICENSE", 10, "chapter", "Winter Sports in Switzerland"
    ),
    "pptx/fake-power-point-table.pptx": Loaded(1, "Red | Green | Blue", 1, "slide"),
    "pptx/sample-presentation.pptx": Loaded(3, "This is the second content slide", 4, "slide"),
    "html/example-with-scripts.html": Loaded(
        1, "Belarusian forces remain unlikely to attack Ukraine", 1
    ),
    # rows stand on the lines of the file they are written on (blank lines between)
    "html/fake-html.html": Loaded(1, "Column 1 | Column 2\n\n\n\nRow 1, Cell 1 | Row 1, Cell 2", 1),
    "html/example-10k-1p.html": Loaded(1, "Galaxy Gaming, Inc.", 1),
    "pdf/DA-1p.pdf": Loaded(1, "We arrived in the dead of night", 1),
    "pdf/fake-memo.pdf": Loaded(1, "To Whom it May Concern", 1),
    "pdf/multi-column-2p.pdf": Loaded(1, "Dense Passage Retrieval", 2),
    "pdf/loremipsum-flat.pdf": NO_TEXT_LAYER,
    "md/codeblock.md": Loaded(1, "## XML Example", 1),
}


def check_outcome(path: Path, expected: Outcome) -> list[Page]:
    if isinstance(expected, Skipped):
        with pytest.raises(UnsupportedFile, match=expected.reason):
            open_document(path)
        return []
    if isinstance(expected, Fails):
        with pytest.raises(LoadError) as caught:
            list(open_document(path, options=TEXT_LAYER).pages)
        assert caught.value.problem.startswith(expected.problem), str(caught.value)
        return []
    document, pages = load(path)
    assert document.page_kind == expected.kind
    if expected.pages is not None:
        assert len(pages) == expected.pages
    assert [page.number for page in pages] == list(range(1, len(pages) + 1))
    assert expected.phrase in pages[expected.page - 1].text
    if expected.title is not None:
        assert document.title.startswith(expected.title)
    for page in pages:
        assert "\r" not in page.text and "\x00" not in page.text and "\ufeff" not in page.text
        assert_headings_point_at_text(page)
    return pages


def test_privategpt_corpus_is_fully_covered(shared_dir: Path) -> None:
    root = shared_dir / "corpus" / "privategpt"
    found = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    assert found == set(PRIVATEGPT)


@pytest.mark.parametrize(("name", "expected"), sorted(PRIVATEGPT.items()))
def test_privategpt_corpus(shared_dir: Path, name: str, expected: Outcome) -> None:
    check_outcome(shared_dir / "corpus" / "privategpt" / name, expected)


@pytest.mark.parametrize(("name", "expected"), sorted(UNSTRUCTURED.items()))
def test_unstructured_corpus(shared_dir: Path, name: str, expected: Outcome) -> None:
    check_outcome(shared_dir / "corpus" / "unstructured" / name, expected)


def test_corpus_non_utf8_html_decodes_quotes(shared_dir: Path) -> None:
    path = shared_dir / "corpus/privategpt/reader_files/file_no_utf8.html"
    document, pages = load(path)
    assert document.warnings == []  # the charset was declared, not guessed
    assert "\ufffd" not in pages[0].text
    assert document.title.startswith("Executive Council Resolution No. (101) of 2024")
    assert "Definitions" in heading_texts(pages[0])


def test_corpus_scripts_do_not_leak(shared_dir: Path) -> None:
    _, pages = load(shared_dir / "corpus/unstructured/html/example-with-scripts.html")
    for code in ("function(", "var ", "window.", "{display", "jQuery"):
        assert code not in pages[0].text


def test_corpus_docx_headings_and_tables(shared_dir: Path) -> None:
    _, pages = load(shared_dir / "corpus/privategpt/reader_files/file_failing.docx")
    assert pages[0].headings[0] == (0, "Pedro Sanchez Considera Dimitir")
    _, pages = load(shared_dir / "corpus/unstructured/docx/category-level.docx")
    assert heading_texts(pages[0]) == ["A Heading 1", "A Heading 2", "Another Heading 1"]


def test_corpus_pptx_slide_titles(shared_dir: Path) -> None:
    _, pages = load(shared_dir / "corpus/unstructured/pptx/sample-presentation.pptx")
    assert [page.headings for page in pages] == [
        ((0, "Title Slide"),),
        ((0, "This is the first content slide"),),
        ((0, "This is the second content slide"),),
        ((0, "This is kinda backwards, huh?"),),
    ]
    assert "Table | A | B | C\n1 | A1 | B1 | C1" in pages[3].text


def test_corpus_epub_cover_chapter_is_empty(shared_dir: Path) -> None:
    _, pages = load(shared_dir / "corpus/unstructured/epub/winter-sports.epub")
    assert pages[0].text == ""
    assert pages[1].headings[0][1].startswith("The Project Gutenberg eBook of Winter Sports")


def test_corpus_619_page_pdf(shared_dir: Path) -> None:
    document = open_document(shared_dir / "corpus/unstructured/pdf/DA-619p.pdf")
    count = 0
    for page in document.pages:
        count += 1
        assert page.number == count
        if count == 182:  # its page number alone: too little text, and nothing else drawn
            assert (page.text, page.ocr_confidence) == ("5", None)
    assert count == 619
    # every page has a text layer: none is read by OCR (which read page 182 as "5" in
    # seconds of CPU until ocr.could_add_text)
    assert document.warnings == []
