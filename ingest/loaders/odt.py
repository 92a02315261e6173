"""OpenDocument text (.odt, as LibreOffice and others save it), read from its
`content.xml` with the standard library: paragraphs and headings (`text:h`) as lines,
lists, tables as one line per row (cells joined by " | ", a cell spanning rows repeated
in each), text boxes, footnotes and comments at the foot of their page. Pages follow the
`text:soft-page-break` marks where the saving application broke pages.

Each top-level element of the body is read once it has been parsed, then dropped, so a
long document is never held whole. No OpenDocument library is needed: odfpy was last
released in 2020, and odfdo builds the whole tree in lxml for what is a short walk.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError, iterparse

from localqa.ingest.loaders.archive import check_members
from localqa.ingest.loaders.base import LoadedDocument, LoadError
from localqa.ingest.loaders.common import cannot_read, require_text, sensible_title
from localqa.ingest.loaders.docx_walk import _PageBuilder
from localqa.ingest.loaders.limits import DEFAULT_LIMITS, LimitReached, Limits
from localqa.schema import Page

_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"
_INVALID = "not a valid OpenDocument text (corrupt, or not an .odt)"
_RESAVE = "open and re-save it in LibreOffice or Word"
_MAX_REPEAT = 64  # a repeated cell or row counts once past this (empty padding columns)
_SOFT_BREAK = f"{_TEXT}soft-page-break"
_NOTE_KINDS = (f"{_TEXT}note", f"{_OFFICE}annotation")
_SKIPPED = frozenset(
    {
        f"{_TEXT}tracked-changes",
        f"{_TEXT}sequence-decls",
        f"{_OFFICE}forms",
        f"{_OFFICE}annotation-end",
        f"{_TEXT}note-citation",
    }
)


@dataclass
class _Reader:
    """Turns the body's elements into pages."""

    max_pages: int
    page: _PageBuilder = field(default_factory=lambda: _PageBuilder(1))
    notes: list[str] = field(default_factory=list)
    done: list[Page] = field(default_factory=list)
    break_pending: bool = False

    def inline(self, elem: Element) -> str:
        """The text of a paragraph: spans, spaces (`text:s`), tabs, line breaks; notes
        and comments go to the foot of the page, text boxes stay in place."""
        parts = [elem.text or ""]
        for child in elem:
            tag = child.tag
            if tag == f"{_TEXT}s":
                parts.append(" " * min(int(child.get(f"{_TEXT}c", "1") or 1), 100))
            elif tag == f"{_TEXT}tab":
                parts.append("\t")
            elif tag == f"{_TEXT}line-break":
                parts.append("\n")
            elif tag == _SOFT_BREAK:  # at the very start it is a break before (`block`)
                self.break_pending = self.break_pending or bool("".join(parts).strip())
            elif tag in _NOTE_KINDS:
                self._note(child)
            elif tag not in _SKIPPED:
                parts.append(
                    " ".join(self.paragraphs(child)) if _has_blocks(child) else self.inline(child)
                )
            parts.append(child.tail or "")
        return "".join(parts)

    def _note(self, elem: Element) -> None:
        mark = next((c.text or "" for c in elem if c.tag == f"{_TEXT}note-citation"), "")
        body = " ".join(" ".join(self.paragraphs(elem)).split())
        if body:
            self.notes.append(f"[{mark}] {body}" if mark else f"Comment: {body}")

    def paragraphs(self, elem: Element) -> list[str]:
        """The text of each paragraph inside `elem` (a cell, a note, a text box), not
        counting again those inside a paragraph (its text boxes: `inline` reads them)."""
        found: list[str] = []
        for child in elem:
            if child.tag in (f"{_TEXT}p", f"{_TEXT}h"):
                found.append(" ".join(self.inline(child).split()))
            elif child.tag == _SOFT_BREAK:
                self.break_pending = True
            elif child.tag not in _SKIPPED and child.tag not in _NOTE_KINDS:
                found.extend(self.paragraphs(child))
        return [text for text in found if text]

    def block(self, elem: Element) -> None:
        """One element of the body (or of a section or list inside it)."""
        tag = elem.tag
        if tag in (f"{_TEXT}p", f"{_TEXT}h"):
            if not (elem.text or "").strip() and elem[:1] and elem[0].tag == _SOFT_BREAK:
                self.new_page()  # the page breaks before this paragraph
            self.page.add(self.inline(elem), heading=tag == f"{_TEXT}h")
        elif tag == f"{_TABLE}table":
            self._table(elem)
        elif tag == _SOFT_BREAK:
            self.break_pending = True
        elif tag not in _SKIPPED:
            for child in elem:  # sections, lists, list items, indexes
                self.block(child)
        if self.break_pending:
            self.new_page()

    def _table(self, table: Element) -> None:
        spans: dict[int, tuple[str, int]] = {}  # column -> text, rows still covered
        for row in _rows(table):
            if row.tag == _SOFT_BREAK:
                self.new_page()
                continue
            cells: list[str] = []
            column = 0
            for cell in row:
                repeat = min(
                    int(cell.get(f"{_TABLE}number-columns-repeated", "1") or 1), _MAX_REPEAT
                )
                for _ in range(repeat):
                    column = self._cell(cell, column, cells, spans)
            self.page.add(" | ".join(text for text in cells if text))
            if self.break_pending:
                self.new_page()

    def _cell(
        self, cell: Element, column: int, cells: list[str], spans: dict[int, tuple[str, int]]
    ) -> int:
        if cell.tag == f"{_TABLE}covered-table-cell":
            text, left = spans.pop(column, ("", 0))
            if left > 1:
                spans[column] = (text, left - 1)
            cells.append(text)  # "" when covered from the left (a column span)
            return column + 1
        text = " ".join(self.paragraphs(cell))
        down = int(cell.get(f"{_TABLE}number-rows-spanned", "1") or 1)
        if down > 1 and text:
            spans[column] = (text, down - 1)
        cells.append(text)
        return column + 1

    def new_page(self) -> None:
        self.break_pending = False
        if not self.page.lines:
            return
        for note in self.notes:
            self.page.add(note)
        self.notes = []
        self.done.append(self.page.build())
        if len(self.done) + 1 > self.max_pages:
            raise LimitReached(f"more than {self.max_pages:,} pages", "max_pages")
        self.page = _PageBuilder(self.page.number + 1)


_ROW_GROUPS = frozenset(
    {f"{_TABLE}table-header-rows", f"{_TABLE}table-rows", f"{_TABLE}table-row-group"}
)


def _rows(table: Element) -> Iterator[Element]:
    """The table's own rows (not those of tables in its cells) and the page breaks
    between them, in order."""
    for child in table:
        if child.tag in (f"{_TABLE}table-row", _SOFT_BREAK):
            yield child
        elif child.tag in _ROW_GROUPS:
            yield from _rows(child)


def _has_blocks(elem: Element) -> bool:
    """Whether `elem` (inside a paragraph: a frame, a text box) holds paragraphs."""
    return any(child.tag in (f"{_TEXT}p", f"{_TEXT}h") for child in elem.iter())


def _pages(path: Path, max_pages: int) -> Iterator[Page]:
    reader = _Reader(max_pages)
    try:
        with zipfile.ZipFile(path) as archive, archive.open("content.xml") as stream:
            in_text = False
            depth = 0
            for event, elem in iterparse(stream, events=("start", "end")):
                if elem.tag == f"{_OFFICE}text":
                    in_text, depth = event == "start", 0
                    continue
                depth += 1 if event == "start" else -1
                if in_text and event == "end" and depth == 0:  # a child of office:text
                    reader.block(elem)
                    elem.clear()
                    yield from reader.done
                    reader.done.clear()
    except (ParseError, zipfile.BadZipFile, EOFError, KeyError) as err:
        raise LoadError(f"{_INVALID}: {err}", _RESAVE) from err
    except OSError as err:
        raise cannot_read(err) from err
    reader.new_page()
    yield from reader.done


def _title(archive: zipfile.ZipFile) -> str | None:
    if "meta.xml" not in archive.namelist():
        return None
    with archive.open("meta.xml") as stream:
        for _event, elem in iterparse(stream):
            if elem.tag == _DC_TITLE:
                return elem.text
    return None


def load_odt(path: Path, limits: Limits = DEFAULT_LIMITS) -> LoadedDocument:
    """An OpenDocument text: pages where the saving application broke them."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if "content.xml" not in names:
                raise LoadError(_INVALID, _RESAVE)
            check_members(archive.infolist(), limits, _RESAVE)
            manifest = "META-INF/manifest.xml"
            if manifest in names and b"encryption-data" in archive.read(manifest):
                raise LoadError(
                    "password-protected document",
                    "remove the password (save it again without one) and ingest again",
                )
            title = sensible_title(_title(archive), path.stem)
    except (zipfile.BadZipFile, ParseError, EOFError) as err:
        raise LoadError(_INVALID, _RESAVE) from err
    except OSError as err:
        raise cannot_read(err) from err
    pages = require_text(
        _pages(path, limits.max_pages),
        "no text found",
        "the document has no text (only images?); nothing to index",
    )
    return LoadedDocument(title=title, page_kind="page", pages=pages)
