"""Document loaders: `open_document(path)` reads any supported file into a title and a
stream of pages, or raises LoadError (a readable file that cannot be used, with advice) or
UnsupportedFile (a kind of file localqa does not read). No other exception leaves it: a
damaged, unsupported or exhausting file is a LoadError too (`_guarded`)."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from importlib import import_module
from pathlib import Path

from localqa.ingest.loaders.base import LoadedDocument, LoadError, LoadOptions, UnsupportedFile
from localqa.ingest.loaders.common import cannot_read, empty_file
from localqa.ingest.loaders.kinds import (
    DOCX_SUFFIXES,
    FAMILIES,
    PDF_SUFFIXES,
    PPTX_SUFFIXES,
    XLSX_SUFFIXES,
)
from localqa.ingest.loaders.limits import DEFAULT_LIMITS, LimitReached, Limits, megabytes
from localqa.ingest.loaders.unsupported import unsupported_reason
from localqa.schema import Page

__all__ = [
    "SUPPORTED_SUFFIXES",
    "LoadError",
    "LoadOptions",
    "LoadedDocument",
    "UnsupportedFile",
    "open_document",
]

Loader = Callable[[Path, Limits], LoadedDocument]

_OOXML_SUFFIXES = DOCX_SUFFIXES | PPTX_SUFFIXES | XLSX_SUFFIXES
# Word, Excel and PowerPoint 97-2003 files, and password-protected 2007+ files, are OLE2.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

SUPPORTED_SUFFIXES: frozenset[str] = frozenset().union(*(family[0] for family in FAMILIES))


def _loader_for(path: Path) -> Loader:
    suffix = path.suffix.lower()
    for suffixes, module, function in FAMILIES:
        if suffix in suffixes:
            loader: Loader = getattr(import_module(f"localqa.ingest.loaders.{module}"), function)
            return loader
    raise UnsupportedFile(unsupported_reason(suffix))


def _check_readable(path: Path) -> bytes:
    """The first bytes of `path`; LoadError when it cannot be read or is empty."""
    try:
        with path.open("rb") as stream:
            head = stream.read(len(_OLE_MAGIC))
    except OSError as err:
        raise cannot_read(err) from err
    if not head:
        raise empty_file()
    return head


def open_document(
    path: Path, limits: Limits = DEFAULT_LIMITS, options: LoadOptions | None = None
) -> LoadedDocument:
    """Open `path` by its (case-insensitive) suffix. Pages are produced lazily and may raise
    LoadError part-way; `warnings` may grow while they are read. `options` reach the
    loaders that have any (PDF: OCR)."""
    loader = _loader_for(path)
    head = _check_readable(path)
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise LimitReached(
            f"the file is {megabytes(size)}, more than {megabytes(limits.max_file_bytes)}",
            "max_file_bytes",
        )
    if path.suffix.lower() in _OOXML_SUFFIXES and head == _OLE_MAGIC:
        raise LoadError(
            "password-protected or legacy-format Office file",
            "remove the password, or save it in the current format (.docx/.xlsx/.pptx), "
            "and ingest again",
        )
    try:
        if options is not None and path.suffix.lower() in PDF_SUFFIXES:
            from localqa.ingest.loaders.pdf import load_pdf

            document = load_pdf(path, limits, options)
        else:
            document = loader(path, limits)
    except (LoadError, UnsupportedFile):
        raise
    except Exception as err:
        raise as_load_error(err) from err
    document.pages = _guarded(document.pages)
    return document


def _guarded(pages: Iterator[Page]) -> Iterator[Page]:
    try:
        yield from pages
    except (LoadError, UnsupportedFile):
        raise
    except Exception as err:
        raise as_load_error(err) from err


def as_load_error(err: BaseException) -> LoadError:
    """One FAILED line for an exception a loader did not expect: the kinds a damaged or
    hostile file causes get their own words, anything else names its type."""
    detail = " ".join(str(err).split())[:200] or type(err).__name__
    resave = "open and re-save it in the application that made it, and ingest again"
    if isinstance(err, MemoryError):
        return LimitReached("ran out of memory while reading it", "reader_memory_mb")
    if isinstance(err, zlib.error | EOFError) or type(err).__name__ in _DAMAGED:
        return LoadError(f"damaged compressed data ({detail})", resave)
    if isinstance(err, NotImplementedError):
        return LoadError(f"uses something localqa cannot read ({detail})", resave)
    if isinstance(err, RecursionError):
        return LoadError("nested too deeply to read", resave)
    return LoadError(
        f"could not be read ({type(err).__name__}: {detail})",
        f"{resave}; if it opens elsewhere, please report it",
    )


# zipfile.BadZipFile, lzma.LZMAError: by name, so that neither module is imported for this.
_DAMAGED = frozenset({"BadZipFile", "LZMAError"})
