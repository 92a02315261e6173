"""Document loaders: `open_document(path)` reads any supported file into a title and a
stream of pages, or raises LoadError (a readable file that cannot be used, with advice) or
UnsupportedFile (a kind of file localqa does not read)."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from pathlib import Path

from ingest.loaders.base import LoadedDocument, LoadError, LoadOptions, UnsupportedFile
from ingest.loaders.common import cannot_read, empty_file
from ingest.loaders.kinds import (
    DOCX_SUFFIXES,
    FAMILIES,
    PDF_SUFFIXES,
    PPTX_SUFFIXES,
    XLSX_SUFFIXES,
)
from ingest.loaders.unsupported import unsupported_reason

__all__ = [
    "SUPPORTED_SUFFIXES",
    "LoadError",
    "LoadOptions",
    "LoadedDocument",
    "UnsupportedFile",
    "open_document",
]

Loader = Callable[[Path], LoadedDocument]

_OOXML_SUFFIXES = DOCX_SUFFIXES | PPTX_SUFFIXES | XLSX_SUFFIXES
# Word, Excel and PowerPoint 97-2003 files, and password-protected 2007+ files, are OLE2.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

SUPPORTED_SUFFIXES: frozenset[str] = frozenset().union(*(family[0] for family in FAMILIES))


def _loader_for(path: Path) -> Loader:
    suffix = path.suffix.lower()
    for suffixes, module, function in FAMILIES:
        if suffix in suffixes:
            loader: Loader = getattr(import_module(f"ingest.loaders.{module}"), function)
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


def open_document(path: Path, options: LoadOptions | None = None) -> LoadedDocument:
    """Open `path` by its (case-insensitive) suffix. Pages are produced lazily and may raise
    LoadError part-way; `warnings` may grow while they are read. `options` reach the
    loaders that have any (PDF: OCR)."""
    loader = _loader_for(path)
    head = _check_readable(path)
    if path.suffix.lower() in _OOXML_SUFFIXES and head == _OLE_MAGIC:
        raise LoadError(
            "password-protected or legacy-format Office file",
            "remove the password, or save it in the current format (.docx/.xlsx/.pptx), "
            "and ingest again",
        )
    if options is not None and path.suffix.lower() in PDF_SUFFIXES:
        from ingest.loaders.pdf import load_pdf

        return load_pdf(path, options)
    return loader(path)
