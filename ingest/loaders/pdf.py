"""PDF via PDFium (pypdfium2): one page per PDF page, read lazily so a long PDF is never
held whole. Pages without a text layer (scans, images of text) are read by OCR unless it
is turned off (`ocr = false`); their pages carry the OCR confidence.

PDFium extracts DA-619p.pdf's 619 pages in 1.3-1.6 s of CPU where pypdf (this loader's
library until issue 14) took 27-41 s, with the same characters on the corpus's PDFs
(benchmarks/compare_pdf_text.py, docs/BENCHMARKS-LOG.md). pypdf is not kept as a fallback:
PDFium opened every PDF that pypdf opened there and read no kind of file worse.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from localqa.ingest.loaders import ocr
from localqa.ingest.loaders.base import LoadedDocument, LoadError, LoadOptions
from localqa.ingest.loaders.common import cannot_read, require_text, sensible_title
from localqa.ingest.loaders.encoding import normalise_newlines
from localqa.ingest.loaders.limits import DEFAULT_LIMITS, LimitReached, Limits
from localqa.ingest.loaders.pdf_columns import column_order
from localqa.ingest.loaders.pdf_forms import init_forms, with_fields
from localqa.ingest.loaders.pdf_ocr import (
    OCR_BELOW_CHARS,
    OCR_TIME_SHARE,
    OcrBudget,
    needs_ocr,
    ocr_could_add,
    pages_named,
)
from localqa.schema import Page

# The OCR limits (pdf_ocr.py), importable from here as before.
__all__ = ["OCR_BELOW_CHARS", "OCR_TIME_SHARE", "load_pdf", "pdfium_text"]

# Pages extracted at open time to tell a scanned PDF from a text PDF cheaply.
_PROBE_PAGES = 3
_REPAIR = "re-export it from the original application or repair it (e.g. `qpdf in.pdf out.pdf`)"
_DECRYPT = "remove the password (e.g. `qpdf --decrypt`) and ingest again"
_NO_TEXT_PROBLEM = "no text layer (scanned or image-only PDF)"
_NO_TEXT_ADVICE = "run OCR, e.g. `ocrmypdf in.pdf out.pdf`, and ingest the result"
_OCR_OFF_ADVICE = "turn OCR on (`ocr = true`, the default) or run `ocrmypdf in.pdf out.pdf`"
_OCR_FAILED = "OCR found no text either (blank pages, or only pictures?); nothing to index"
# Why PDFium would not open a file (FPDF_GetLastError), in the words of its documentation.
_OPEN_ERRORS = {
    pdfium_c.FPDF_ERR_FILE: "file not found or could not be opened",
    pdfium_c.FPDF_ERR_FORMAT: "not in PDF format or damaged",
    pdfium_c.FPDF_ERR_PAGE: "page not found or content error",
}
# PDFium's text quirks (core/fpdftext/cpdf_textpage.cpp). A hyphen it takes for a word
# broken at a line end (a letter before it, a letter or digit after) becomes U+FFFE, and
# the line break after it is dropped: "compres\ufffesors". It comes back as "-" and the
# line break, so the page keeps the lines its citations count and ingest/textfix.py
# joins the word (or keeps a compound's hyphen) as for any other PDF. (PDFium's bounded-
# text call writes U+0002 there instead; this loader reads the page's text in order.)
_HYPHEN_AT_LINE_END = re.compile("(?<=[^\\W\\d_])\ufffe(?=\\w)")
# A glyph without a Unicode mapping comes out as its raw character code (C0 controls for
# TeX's maths fonts: "\x10" for a big parenthesis), as U+FFFE when that code is 0, or as
# U+FFFD: no letter to recover, so they go.
_UNMAPPED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffd\ufffe]")


@dataclass(frozen=True, slots=True)
class _Opened:
    """An open PDF (a pypdfium2 PdfDocument, closed once its pages have been read) and the
    text of the pages already extracted while probing it."""

    pdf: Any
    page_count: int
    probed: dict[int, str | None] = field(default_factory=dict)  # None: extraction failed


def _off_advice() -> str:
    """What to do about a PDF without text when OCR did not run."""
    return _OCR_OFF_ADVICE if ocr.available() else _NO_TEXT_ADVICE


def _no_text_advice(use_ocr: bool) -> str:
    """What to do about a PDF in which no page had text, OCR included where it ran."""
    return _OCR_FAILED if use_ocr and ocr.available() else _off_advice()


def _refused(code: int) -> LoadError:
    """The LoadError for a PDF PDFium would not open (`code`: FPDF_GetLastError)."""
    if code == pdfium_c.FPDF_ERR_PASSWORD:
        return LoadError("password-protected PDF", _DECRYPT)
    if code == pdfium_c.FPDF_ERR_SECURITY:
        return LoadError("PDF encrypted in a way PDFium cannot read", _DECRYPT)
    detail = _OPEN_ERRORS.get(code, "unknown error")
    return LoadError(f"corrupt or unreadable PDF ({detail})", _REPAIR)


def _load(path: Path) -> Any:
    """The PDF open in PDFium, as a pypdfium2 PdfDocument. From the path, not bytes: PDFium
    reads the parts it needs from the file. Not `PdfDocument(path)`: it also raises for a
    PDF that opens with no page, with whatever error an earlier file left behind (PDFium
    sets its last error only on failure), which could read "password" here."""
    raw = pdfium_c.FPDF_LoadDocument(os.fsencode(path) + b"\0", None)
    if not raw:
        code = pdfium_c.FPDF_GetLastError()
        if code == pdfium_c.FPDF_ERR_FILE:  # the system's own reason, as other loaders say
            try:
                path.open("rb").close()
            except OSError as err:
                raise cannot_read(err) from err
        raise _refused(code)
    pdf = pdfium.PdfDocument(raw)  # it closes the handle
    # before any page is loaded: a filled form's values are text too; a form that cannot
    # be read leaves the page's own text
    with contextlib.suppress(pdfium.PdfiumError):
        init_forms(pdf)
    return pdf


def pdfium_text(raw: str) -> str:
    """PDFium's text of a page as the other loaders give text: LF line ends, hyphens
    at line ends restored (`_HYPHEN_AT_LINE_END`), unmapped glyphs dropped, stripped."""
    text = _HYPHEN_AT_LINE_END.sub("-\n", raw)
    return normalise_newlines(_UNMAPPED.sub("", text)).strip()


def _page_text(pdf: Any, index: int) -> str | None:
    """The page's text in reading order (ingest/loaders/pdf_columns.py) with its form
    fields' values (ingest/loaders/pdf_forms.py), or None when PDFium cannot extract it
    (one bad page is not fatal). A reordered page gets no field values: their placing
    works on PDFium's character offsets, and no form set across columns was seen.
    The page and its text page are closed at once: PDFium keeps their parsed content."""
    try:
        page = pdf[index]
    except pdfium.PdfiumError:
        return None
    try:
        textpage = page.get_textpage()
        try:
            raw = textpage.get_text_range()
            raw = column_order(textpage, raw) or with_fields(page, textpage, raw)
        finally:
            textpage.close()
    except pdfium.PdfiumError:
        return None
    finally:
        page.close()
    return pdfium_text(raw)


def _open(path: Path, max_pages: int, use_ocr: bool) -> _Opened:
    pdf = _load(path)
    try:
        count = len(pdf)
        if count == 0:
            raise LoadError("PDF has no pages", _REPAIR)
        if count > max_pages:  # e.g. 90,000 references to one page in 4 KB
            raise LimitReached(f"{count:,} pages, more than {max_pages:,}", "max_pages")
        probed = {i: _page_text(pdf, i) for i in range(min(count, _PROBE_PAGES))}
        textless = count <= _PROBE_PAGES and not any(probed.values())
        if textless and not (use_ocr and ocr.available()):
            raise LoadError(_NO_TEXT_PROBLEM, _off_advice())
    except BaseException:
        pdf.close()
        raise
    return _Opened(pdf, count, probed)


def _title(pdf: Any, fallback: str) -> str:
    try:
        return sensible_title(pdf.get_metadata_value("Title"), fallback)
    except (pdfium.PdfiumError, UnicodeDecodeError):
        return fallback


def _closing(pdf: Any, pages: Iterator[Page]) -> Iterator[Page]:
    """`pages`, then the PDF closed, also when the reader stops early or a page fails."""
    try:
        yield from pages
    finally:
        pdf.close()


def _pages(opened: _Opened, warnings: list[str], use_ocr: bool, limits: Limits) -> Iterator[Page]:
    """Every page in order; pages without text are read by OCR when `use_ocr`, within the
    budget (`OcrBudget`); unreadable pages become empty pages with a warning, and the lists
    of empty and OCR-read pages are added to `warnings` once the last page has been read."""
    empty: list[int] = []
    failed: list[int] = []
    read_by_ocr: list[int] = []
    ocr_failed: list[int] = []
    budget = OcrBudget(limits.max_ocr_pages, OCR_TIME_SHARE * limits.read_timeout_s)
    for index in range(opened.page_count):
        probed = index in opened.probed
        text = opened.probed.pop(index) if probed else _page_text(opened.pdf, index)
        if text is None:
            failed.append(index + 1)
        scanned = None
        if use_ocr and needs_ocr(text) and ocr_could_add(opened.pdf, index, budget):
            scanned = budget.read(opened.pdf, index, ocr_failed)
        if scanned is not None:
            read_by_ocr.append(index + 1)
            yield scanned
            continue
        if not text:
            empty.append(index + 1)
        yield Page(number=index + 1, text=text or "")
    if failed:
        warnings.append(f"text extraction failed on {pages_named(failed)}")
    if read_by_ocr:
        warnings.append(f"read by OCR: {pages_named(read_by_ocr)} (no text layer)")
    if ocr_failed:
        warnings.append(f"OCR failed on {pages_named(ocr_failed)}")
    stopped = budget.warning(limits)
    if stopped:
        warnings.append(stopped)
        left = set(budget.left)
        empty = [number for number in empty if number not in left]
    if empty and len(empty) < opened.page_count:
        hint = "blank or pictures only" if use_ocr and ocr.available() else "images only? run OCR"
        warnings.append(f"no text on {pages_named(empty)} ({hint})")


def load_pdf(
    path: Path, limits: Limits = DEFAULT_LIMITS, options: LoadOptions | None = None
) -> LoadedDocument:
    """A PDF; pages without a text layer are read by OCR when `options.ocr` (the default).
    Raises LoadError for encrypted and corrupt PDFs, and for PDFs with no text at all
    (the last lazily, at the end of `pages`, when the PDF is longer than a few pages)."""
    # whether OCR is installed is asked only when a page needs it (`ocr.available`)
    use_ocr = (options or LoadOptions()).ocr and limits.max_ocr_pages > 0
    opened = _open(path, limits.max_pages, use_ocr)
    try:
        title = _title(opened.pdf, path.stem)
    except BaseException:  # closed now, not whenever the garbage collector gets to it
        opened.pdf.close()
        raise
    warnings: list[str] = []
    pages = _closing(opened.pdf, _pages(opened, warnings, use_ocr, limits))
    return LoadedDocument(
        title=title,
        page_kind="page",
        pages=require_text(pages, _NO_TEXT_PROBLEM, lambda: _no_text_advice(use_ocr)),
        warnings=warnings,
    )
