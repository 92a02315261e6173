"""Rich Text Format (.rtf), converted to text by striprtf (BSD-3-Clause, pure Python):
one page, paragraphs as lines, table rows as lines of cells joined by " | ", pictures
and other embedded data left out. RTF keeps no page layout a citation could follow."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from localqa.ingest.loaders.base import LoadedDocument, LoadError
from localqa.ingest.loaders.common import read_bytes
from localqa.ingest.loaders.encoding import normalise_newlines
from localqa.ingest.loaders.limits import DEFAULT_LIMITS, Limits
from localqa.schema import Page

_NOT_RTF = "not an RTF file (it does not start with {\\rtf)"
_RESAVE = "open and re-save it in Word, WordPad or LibreOffice"


def _row(line: str) -> str:
    """striprtf ends each table cell with "|": a row becomes "a | b | c"."""
    if not line.rstrip().endswith("|"):
        return line
    return " | ".join(cell.strip() for cell in line.rstrip().rstrip("|").split("|"))


def rtf_text(data: bytes) -> str:
    """The text of an RTF document. RTF is 7-bit text that escapes other characters
    (`\\'e9`, `\\u233`): its bytes are taken one character each (Latin-1), and the
    document's own code page (`\\ansicpg`) decodes the escapes."""
    from striprtf.striprtf import rtf_to_text

    converted = rtf_to_text(data.decode("latin-1"), errors="replace")  # type: ignore[no-untyped-call]
    text = normalise_newlines(converted)
    lines = [_row(line).rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n")


def _one_page(text: str) -> Iterator[Page]:
    yield Page(number=1, text=text)


def load_rtf(path: Path, limits: Limits = DEFAULT_LIMITS) -> LoadedDocument:
    """An RTF document: one page, titled by the file name."""
    data = read_bytes(path)
    if not data.lstrip().startswith(b"{\\rtf"):
        raise LoadError(_NOT_RTF, _RESAVE)
    text = rtf_text(data)
    if not text.strip():
        raise LoadError("no text found", "the document has no text (only pictures?)")
    return LoadedDocument(title=path.stem, page_kind="page", pages=_one_page(text))
