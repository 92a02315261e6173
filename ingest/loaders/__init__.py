"""Document loaders: `open_document(path)` reads any supported file into a title and a
stream of pages, or raises LoadError (a readable file that cannot be used, with advice) or
UnsupportedFile (a kind of file localqa does not read)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest.loaders.base import LoadedDocument, LoadError, UnsupportedFile
from ingest.loaders.common import cannot_read, empty_file
from ingest.loaders.delimited import DELIMITED_SUFFIXES, load_delimited
from ingest.loaders.docx import DOCX_SUFFIXES, load_docx
from ingest.loaders.epub import EPUB_SUFFIXES, load_epub
from ingest.loaders.html import HTML_SUFFIXES, load_html
from ingest.loaders.pdf import PDF_SUFFIXES, load_pdf
from ingest.loaders.pptx import PPTX_SUFFIXES, load_pptx
from ingest.loaders.text import (
    MARKDOWN_SUFFIXES,
    PLAIN_SUFFIXES,
    RST_SUFFIXES,
    load_markdown,
    load_plain,
    load_rst,
)
from ingest.loaders.unsupported import unsupported_reason
from ingest.loaders.xlsx import XLSX_SUFFIXES, load_xlsx

__all__ = [
    "SUPPORTED_SUFFIXES",
    "LoadError",
    "LoadedDocument",
    "UnsupportedFile",
    "open_document",
]

Loader = Callable[[Path], LoadedDocument]

_FAMILIES: tuple[tuple[frozenset[str], Loader], ...] = (
    (PDF_SUFFIXES, load_pdf),
    (PLAIN_SUFFIXES, load_plain),
    (MARKDOWN_SUFFIXES, load_markdown),
    (RST_SUFFIXES, load_rst),
    (HTML_SUFFIXES, load_html),
    (DELIMITED_SUFFIXES, load_delimited),
    (DOCX_SUFFIXES, load_docx),
    (PPTX_SUFFIXES, load_pptx),
    (XLSX_SUFFIXES, load_xlsx),
    (EPUB_SUFFIXES, load_epub),
)
_OOXML_SUFFIXES = DOCX_SUFFIXES | PPTX_SUFFIXES | XLSX_SUFFIXES
# Word, Excel and PowerPoint 97-2003 files, and password-protected 2007+ files, are OLE2.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

SUPPORTED_SUFFIXES: frozenset[str] = frozenset().union(*(suffixes for suffixes, _ in _FAMILIES))


def _loader_for(path: Path) -> Loader:
    suffix = path.suffix.lower()
    for suffixes, loader in _FAMILIES:
        if suffix in suffixes:
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


def open_document(path: Path) -> LoadedDocument:
    """Open `path` by its (case-insensitive) suffix. Pages are produced lazily and may raise
    LoadError part-way; `warnings` may grow while they are read."""
    loader = _loader_for(path)
    head = _check_readable(path)
    if path.suffix.lower() in _OOXML_SUFFIXES and head == _OLE_MAGIC:
        raise LoadError(
            "password-protected or legacy-format Office file",
            "remove the password, or save it in the current format (.docx/.xlsx/.pptx), "
            "and ingest again",
        )
    return loader(path)
