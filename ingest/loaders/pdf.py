"""PDF via pypdf: one page per PDF page, read lazily so a long PDF is never held whole.
Pages without a text layer (scans, images of text) are read by OCR unless it is turned
off (`ocr = false`); their pages carry the OCR confidence."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import DependencyError, PyPdfError

from ingest.loaders import ocr
from ingest.loaders.base import LoadedDocument, LoadError, LoadOptions
from ingest.loaders.common import cannot_read, page_ranges, require_text, sensible_title
from ingest.loaders.encoding import normalise_newlines
from ingest.loaders.limits import DEFAULT_LIMITS, LimitReached, Limits
from localqa.schema import Page

# pypdf reports malformed files with its own errors but also with these built-ins.
_BROKEN = (PyPdfError, ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError)
# Pages extracted at open time to tell a scanned PDF from a text PDF cheaply.
_PROBE_PAGES = 3
_REPAIR = "re-export it from the original application or repair it (e.g. `qpdf in.pdf out.pdf`)"
_NO_TEXT_PROBLEM = "no text layer (scanned or image-only PDF)"
_NO_TEXT_ADVICE = "run OCR, e.g. `ocrmypdf in.pdf out.pdf`, and ingest the result"
_OCR_OFF_ADVICE = "turn OCR on (`ocr = true`, the default) or run `ocrmypdf in.pdf out.pdf`"
_OCR_FAILED = "OCR found no text either (blank pages, or only pictures?); nothing to index"
# A page whose text layer has fewer letters and digits than this is read by OCR: scans
# often carry a stamped page number or a few stray characters.
OCR_BELOW_CHARS = 10
# OCR stops once it has taken this share of `read_timeout_s` on one file, so that a long
# scan is added with the pages read so far instead of being killed with none.
OCR_TIME_SHARE = 0.5
_OCR_CAP_ADVICE = "or run `ocrmypdf in.pdf out.pdf` and ingest the result"


@dataclass(frozen=True, slots=True)
class _Opened:
    """A readable PDF and the text of the pages already extracted while probing it."""

    reader: PdfReader
    page_count: int
    probed: dict[int, str | None] = field(default_factory=dict)  # None: extraction failed


def _off_advice() -> str:
    """What to do about a PDF without text when OCR did not run."""
    return _OCR_OFF_ADVICE if ocr.available() else _NO_TEXT_ADVICE


def _corrupt(err: BaseException) -> LoadError:
    detail = " ".join(str(err).split()) or type(err).__name__
    return LoadError(f"corrupt or unreadable PDF ({detail})", _REPAIR)


def _decrypt(reader: PdfReader) -> None:
    """Open owner-password-only PDFs (empty user password); refuse the others."""
    if not reader.is_encrypted:
        return
    try:
        opened = reader.decrypt("")
    except DependencyError as err:
        raise LoadError(
            "encrypted PDF needs the `cryptography` package", "install it: pip install cryptography"
        ) from err
    if not opened:
        raise LoadError(
            "password-protected PDF", "remove the password (e.g. `qpdf --decrypt`) and ingest again"
        )


def _page_text(reader: PdfReader, index: int) -> str | None:
    """The page's text, or None when pypdf cannot extract it (one bad page is not fatal)."""
    try:
        text = reader.pages[index].extract_text()
    except _BROKEN:
        return None
    return normalise_newlines(text).strip()


def _open(path: Path, max_pages: int, use_ocr: bool) -> _Opened:
    try:
        reader = PdfReader(path)
        _decrypt(reader)
        count = len(reader.pages)
        if count > max_pages:  # e.g. 90,000 references to one page in 4 KB
            raise LimitReached(f"{count:,} pages, more than {max_pages:,}", "max_pages")
        probed = {i: _page_text(reader, i) for i in range(min(count, _PROBE_PAGES))}
    except OSError as err:
        raise cannot_read(err) from err
    except _BROKEN as err:
        raise _corrupt(err) from err
    if count == 0:
        raise LoadError("PDF has no pages", _REPAIR)
    if count <= _PROBE_PAGES and not any(probed.values()) and not use_ocr:
        raise LoadError(_NO_TEXT_PROBLEM, _off_advice())
    return _Opened(reader, count, probed)


def _title(reader: PdfReader, fallback: str) -> str:
    try:
        metadata = reader.metadata
        return sensible_title(metadata.title if metadata else None, fallback)
    except _BROKEN:
        return fallback


def _pages_named(numbers: list[int]) -> str:
    return f"page{'s' if len(numbers) > 1 else ''} {page_ranges(numbers)}"


def _needs_ocr(text: str | None) -> bool:
    return sum(ch.isalnum() for ch in text or "") < OCR_BELOW_CHARS


@dataclass(slots=True)
class _OcrBudget:
    """How many pages, and how much time, OCR may still spend on one file
    (`max_ocr_pages`, OCR_TIME_SHARE of `read_timeout_s`); the pages it had to leave."""

    pages: int
    seconds: float
    spent_pages: int = 0
    spent_seconds: float = 0.0
    left: list[int] = field(default_factory=list)

    def allows(self, number: int) -> bool:
        """Whether page `number` (1-based) may be read by OCR; if not, it is noted."""
        if self.spent_pages < self.pages and self.spent_seconds < self.seconds:
            return True
        self.left.append(number)
        return False

    def warning(self, limits: Limits) -> str | None:
        """The one line saying which pages were not read, and what to raise, if any."""
        if not self.left:
            return None
        pages = _pages_named(self.left)
        if self.spent_pages >= self.pages:
            cap = f"{self.pages:,} page{'s' if self.pages > 1 else ''}"
            return (f"OCR stopped after {cap} (`max_ocr_pages`): {pages} not "
                    f"read; if they matter, raise `max_ocr_pages` {_OCR_CAP_ADVICE}")  # fmt: skip
        return (f"OCR stopped after {self.spent_seconds:.0f} s ({OCR_TIME_SHARE:.0%} of "
                f"`read_timeout_s`, {limits.read_timeout_s:g} s): {pages} not read; if they "
                "matter, raise "
                f"`read_timeout_s` {_OCR_CAP_ADVICE}")  # fmt: skip

    def read(self, path: Path, index: int, failed: list[int]) -> Page | None:
        """`_ocr_page`, counted against the budget."""
        started = time.monotonic()
        try:
            return _ocr_page(path, index, failed)
        finally:
            self.spent_pages += 1
            self.spent_seconds += time.monotonic() - started


def _ocr_page(path: Path, index: int, failed: list[int]) -> Page | None:
    """Page `index` read by OCR, or None when OCR finds nothing or cannot run."""
    try:
        read = ocr.ocr_pdf_page(path, index)
    except ocr.OcrUnavailable:
        return None
    except Exception:  # noqa: BLE001 - pdfium and onnxruntime errors: this page only
        failed.append(index + 1)
        return None
    if not read.text.strip():
        return None
    return Page(number=index + 1, text=read.text, ocr_confidence=round(read.confidence, 3))


def _pages(
    opened: _Opened, warnings: list[str], path: Path, use_ocr: bool, limits: Limits
) -> Iterator[Page]:
    """Every page in order; pages without text are read by OCR when `use_ocr`, within the
    budget (`_OcrBudget`); unreadable pages become empty pages with a warning, and the lists
    of empty and OCR-read pages are added to `warnings` once the last page has been read."""
    empty: list[int] = []
    failed: list[int] = []
    read_by_ocr: list[int] = []
    ocr_failed: list[int] = []
    budget = _OcrBudget(limits.max_ocr_pages, OCR_TIME_SHARE * limits.read_timeout_s)
    for index in range(opened.page_count):
        if index in opened.probed:
            text = opened.probed.pop(index)
        else:
            text = _page_text(opened.reader, index)
        if text is None:
            failed.append(index + 1)
        scanned = None
        if use_ocr and _needs_ocr(text) and budget.allows(index + 1):
            scanned = budget.read(path, index, ocr_failed)
        if scanned is not None:
            read_by_ocr.append(index + 1)
            yield scanned
            continue
        if not text:
            empty.append(index + 1)
        yield Page(number=index + 1, text=text or "")
    if failed:
        warnings.append(f"text extraction failed on {_pages_named(failed)}")
    if read_by_ocr:
        warnings.append(f"read by OCR: {_pages_named(read_by_ocr)} (no text layer)")
    if ocr_failed:
        warnings.append(f"OCR failed on {_pages_named(ocr_failed)}")
    stopped = budget.warning(limits)
    if stopped:
        warnings.append(stopped)
        left = set(budget.left)
        empty = [number for number in empty if number not in left]
    if empty and len(empty) < opened.page_count:
        hint = "blank or pictures only" if use_ocr and ocr.available() else "images only? run OCR"
        warnings.append(f"no text on {_pages_named(empty)} ({hint})")


def load_pdf(
    path: Path, limits: Limits = DEFAULT_LIMITS, options: LoadOptions | None = None
) -> LoadedDocument:
    """A PDF; pages without a text layer are read by OCR when `options.ocr` (the default).
    Raises LoadError for encrypted and corrupt PDFs, and for PDFs with no text at all
    (the last lazily, at the end of `pages`, when the PDF is longer than a few pages)."""
    use_ocr = (options or LoadOptions()).ocr and limits.max_ocr_pages > 0 and ocr.available()
    opened = _open(path, limits.max_pages, use_ocr)
    warnings: list[str] = []
    advice = _OCR_FAILED if use_ocr else _off_advice()
    return LoadedDocument(
        title=_title(opened.reader, path.stem),
        page_kind="page",
        pages=require_text(
            _pages(opened, warnings, path, use_ocr, limits), _NO_TEXT_PROBLEM, advice
        ),
        warnings=warnings,
    )
