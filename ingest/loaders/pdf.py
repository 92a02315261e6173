"""PDF via pypdf: one page per PDF page, read lazily so a long PDF is never held whole."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import DependencyError, PyPdfError

from ingest.loaders.base import LoadedDocument, LoadError
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


@dataclass(frozen=True, slots=True)
class _Opened:
    """A readable PDF and the text of the pages already extracted while probing it."""

    reader: PdfReader
    page_count: int
    probed: dict[int, str | None] = field(default_factory=dict)  # None: extraction failed


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


def _open(path: Path, max_pages: int) -> _Opened:
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
    if count <= _PROBE_PAGES and not any(probed.values()):
        raise LoadError(_NO_TEXT_PROBLEM, _NO_TEXT_ADVICE)
    return _Opened(reader, count, probed)


def _title(reader: PdfReader, fallback: str) -> str:
    try:
        metadata = reader.metadata
        return sensible_title(metadata.title if metadata else None, fallback)
    except _BROKEN:
        return fallback


def _pages_named(numbers: list[int]) -> str:
    return f"page{'s' if len(numbers) > 1 else ''} {page_ranges(numbers)}"


def _pages(opened: _Opened, warnings: list[str]) -> Iterator[Page]:
    """Every page in order; unreadable pages become empty pages with a warning, and the
    list of empty pages is added to `warnings` once the last page has been read."""
    empty: list[int] = []
    failed: list[int] = []
    for index in range(opened.page_count):
        if index in opened.probed:
            text = opened.probed.pop(index)
        else:
            text = _page_text(opened.reader, index)
        if text is None:
            failed.append(index + 1)
        if not text:
            empty.append(index + 1)
        yield Page(number=index + 1, text=text or "")
    if failed:
        warnings.append(f"text extraction failed on {_pages_named(failed)}")
    if empty and len(empty) < opened.page_count:
        warnings.append(f"no text on {_pages_named(empty)} (images only? run OCR)")


def load_pdf(path: Path, limits: Limits = DEFAULT_LIMITS) -> LoadedDocument:
    """A PDF with a text layer. Raises LoadError for encrypted, corrupt and image-only PDFs
    (the last lazily, at the end of `pages`, when the PDF is longer than a few pages)."""
    opened = _open(path, limits.max_pages)
    warnings: list[str] = []
    return LoadedDocument(
        title=_title(opened.reader, path.stem),
        page_kind="page",
        pages=require_text(_pages(opened, warnings), _NO_TEXT_PROBLEM, _NO_TEXT_ADVICE),
        warnings=warnings,
    )
