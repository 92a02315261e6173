"""The PDF loader on PDFium (issue 14): its text quirks mapped to what the text repairs
expect, the fidelity cases read at the loader, and the file closed as pages are done."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from localqa.ingest.loaders import open_document
from localqa.ingest.loaders.base import LoadError
from localqa.ingest.loaders.pdf import pdfium_text
from localqa.ingest.textfix import repair_page
from tests.test_loaders import TEXT_LAYER, encrypt_pdf, load, make_pdf, write

HYPHENATED = (
    "The compres-\nsors of the cold store are serviced by Kelvara Techni-\ncal Services,"
    "\na well-\nknown firm, on pages 10-\n20."
)


def test_a_hyphen_at_a_line_end_keeps_its_line(tmp_path: Path) -> None:
    """PDFium reports "compres-" + "sors" on the next line as "compres\\ufffesors", one
    line: the loader gives back the hyphen and the line break, so citations count the
    PDF's own lines and the repairs join the word on the first line."""
    _, pages = load(write(tmp_path, "cold-store.pdf", make_pdf([HYPHENATED])))
    assert pages[0].text.split("\n") == HYPHENATED.split("\n")
    repaired = repair_page(pages[0]).text.split("\n")
    assert repaired[:3] == [
        "The compressors",
        "of the cold store are serviced by Kelvara Technical",
        "Services,",
    ]
    assert repaired[3] == "a well-known"  # a compound keeps its hyphen
    assert len(repaired) == len(HYPHENATED.split("\n"))


def test_pdfium_text_quirks() -> None:
    # CRLF line ends; U+FFFE between letters is PDFium's line-end hyphen
    assert pdfium_text(" Techni\ufffecal\r\nServices \r\n") == "Techni-\ncal\nServices"
    # glyphs without a Unicode mapping: raw codes (TeX maths), U+FFFD, U+FFFE elsewhere
    assert pdfium_text("a \x10b\x11 = c\ufffd\n2\ufffe3\x00") == "a b = c\n23"
    assert pdfium_text("\u00e9t\ufffe\u00e9") == "\u00e9t-\n\u00e9"  # letters, not ASCII


def test_the_ligature_case_reads_as_letters(shared_dir: Path) -> None:
    """09-office-ligatures.pdf draws U+FB01/U+FB03 glyphs; the page has the words."""
    _, pages = load(shared_dir / "cases" / "09-office-ligatures.pdf")
    assert "financial office closes the fiscal year" in repair_page(pages[0]).text


def test_the_hyphenation_case_keeps_its_lines(shared_dir: Path) -> None:
    _, pages = load(shared_dir / "cases" / "10-cold-store-hyphenated.pdf")
    lines = pages[0].text.split("\n")
    assert lines[0].endswith("compres-") and lines[1].startswith("sors ")
    repaired = repair_page(pages[0]).text
    assert "The compressors" in repaired and "Kelvara Technical" in repaired


def _open_handles(path: Path) -> int:
    fds = Path("/proc/self/fd")
    return sum(1 for fd in fds.iterdir() if os.path.realpath(fd) == str(path.resolve()))


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc (Linux)")
def test_the_pdf_is_closed_when_its_pages_are_read_or_abandoned(tmp_path: Path) -> None:
    path = write(tmp_path, "three.pdf", make_pdf(["one page", "two page", "three page"]))
    document = open_document(path, options=TEXT_LAYER)
    assert _open_handles(path) == 1  # open while pages are read, lazily
    assert [page.text for page in document.pages] == ["one page", "two page", "three page"]
    assert _open_handles(path) == 0
    document = open_document(path, options=TEXT_LAYER)
    next(document.pages)
    document.pages.close()  # the reader stopped early (a limit, a rejected file)
    assert _open_handles(path) == 0


def test_a_pdf_without_pages_is_one_line(tmp_path: Path) -> None:
    """PDFium opens it but counts no page. Its last error is set only on failure, so it
    still names the previous file's problem: that must not be this file's."""
    locked = write(tmp_path, "locked.pdf", encrypt_pdf(make_pdf(["Secret"]), "hunter2"))
    with pytest.raises(LoadError, match=r"^password-protected PDF;"):
        open_document(locked, options=TEXT_LAYER)
    with pytest.raises(LoadError, match=r"^PDF has no pages; re-export it"):
        open_document(write(tmp_path, "none.pdf", make_pdf([])), options=TEXT_LAYER)


def test_an_unknown_security_handler_is_one_line(tmp_path: Path) -> None:
    """Encrypted with a handler PDFium does not know (its FPDF_ERR_SECURITY)."""
    data = encrypt_pdf(make_pdf(["Secret"]), user_password="").replace(b"/Standard", b"/FooBarX")
    with pytest.raises(LoadError) as caught:
        open_document(write(tmp_path, "odd.pdf", data), options=TEXT_LAYER)
    assert caught.value.problem == "PDF encrypted in a way PDFium cannot read"
    assert "qpdf --decrypt" in caught.value.advice
