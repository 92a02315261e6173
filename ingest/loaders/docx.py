"""DOCX, streamed: `word/document.xml` is read with iterparse and cleared as it goes, so an
872-page document never grows memory. Pages follow Word's own breaks: explicit page breaks,
`w:lastRenderedPageBreak` (where Word's layout broke pages when the file was saved),
paragraphs with `pageBreakBefore`, and next-page section breaks."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import ParseError, iterparse

from localqa.ingest.loaders.archive import check_members
from localqa.ingest.loaders.base import LoadedDocument, LoadError
from localqa.ingest.loaders.common import cannot_read, require_text, sensible_title
from localqa.ingest.loaders.docx_notes import DocxNotes, read_notes
from localqa.ingest.loaders.docx_walk import DocxWalker, _attr, _local
from localqa.ingest.loaders.limits import DEFAULT_LIMITS, LimitReached, Limits
from localqa.schema import Page

_DOCUMENT = "word/document.xml"
_STYLES = "word/styles.xml"
_CORE = "docProps/core.xml"
_DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"
_INVALID = "not a valid DOCX (corrupt or not a Word 2007+ file)"
_RESAVE = "open and re-save it in Word or LibreOffice"


def _invalid(err: BaseException | None = None) -> LoadError:
    detail = " ".join(str(err).split()) if err is not None else ""
    return LoadError(f"{_INVALID}: {detail}" if detail else _INVALID, _RESAVE)


def _heading_styles(archive: zipfile.ZipFile) -> frozenset[str]:
    """Style ids whose id or name marks a heading or title (names stay English in
    localised Word, ids do not: "berschrift1" is named "heading 1")."""
    if _STYLES not in archive.namelist():
        return frozenset()
    found: set[str] = set()
    with archive.open(_STYLES) as stream:
        for _event, elem in iterparse(stream):
            if _local(elem.tag) != "style":
                continue
            style_id = _attr(elem, "styleId") or ""
            names = [style_id] + [
                _attr(child, "val") or "" for child in elem if _local(child.tag) == "name"
            ]
            if any(n.lower().replace(" ", "").startswith(("heading", "title")) for n in names):
                found.add(style_id)
            elem.clear()
    return frozenset(found)


def _core_title(archive: zipfile.ZipFile) -> str | None:
    if _CORE not in archive.namelist():
        return None
    with archive.open(_CORE) as stream:
        for _event, elem in iterparse(stream):
            if elem.tag == _DC_TITLE:
                return elem.text
    return None


def _stream_pages(path: Path, headings: frozenset[str], max_pages: int) -> Iterator[Page]:
    try:
        with zipfile.ZipFile(path) as archive:
            notes = read_notes(archive)
            with archive.open(_DOCUMENT) as stream:
                pages = _with_trailer(_walk(stream, headings, notes), notes.trailer)
                for page in pages:
                    if page.number > max_pages:
                        raise LimitReached(f"more than {max_pages:,} pages", "max_pages")
                    yield page
    except (ParseError, zipfile.BadZipFile, EOFError) as err:
        raise _invalid(err) from err
    except OSError as err:
        raise cannot_read(err) from err


def _with_trailer(pages: Iterator[Page], trailer: tuple[str, ...]) -> Iterator[Page]:
    """`pages`, the last one followed by the end-of-document lines (endnotes, headers,
    footers, comments: ingest/loaders/docx_notes.py)."""
    last: Page | None = None
    for page in pages:
        if last is not None:
            yield last
        last = page
    if last is not None and trailer:
        text = "\n".join([last.text, "", *trailer]) if last.text else "\n".join(trailer)
        last = Page(last.number, text, last.headings)
    if last is not None:
        yield last


def _walk(stream: IO[bytes], headings: frozenset[str], notes: DocxNotes) -> Iterator[Page]:
    walker = DocxWalker(headings, notes.footnotes)
    for event, elem in iterparse(stream, events=("start", "end")):
        if event == "start":
            walker.start(elem)
        else:
            walker.end(elem)
        while walker.done:
            yield walker.done.popleft()
    last = walker.finish()
    if last is not None:
        yield last


def load_docx(path: Path, limits: Limits = DEFAULT_LIMITS) -> LoadedDocument:
    """A Word 2007+ document: pages as Word laid them out, headings from paragraph styles."""
    try:
        with zipfile.ZipFile(path) as archive:
            if _DOCUMENT not in archive.namelist():
                raise _invalid()
            check_members(archive.infolist(), limits, _RESAVE)
            headings = _heading_styles(archive)
            title = sensible_title(_core_title(archive), path.stem)
    except (zipfile.BadZipFile, ParseError, EOFError, KeyError) as err:
        raise _invalid() from err
    except OSError as err:
        raise cannot_read(err) from err
    pages = require_text(
        _stream_pages(path, headings, limits.max_pages),
        "no text found",
        "the document has no text (only images or drawings?); nothing to index",
    )
    return LoadedDocument(title=title, page_kind="page", pages=pages)
