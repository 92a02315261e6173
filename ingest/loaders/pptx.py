"""PowerPoint 2007+ via python-pptx: one page per slide, titled by the slide title, with
text frames, tables, grouped shapes and speaker notes."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import pptx
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.exc import PackageNotFoundError

from localqa.ingest.loaders.archive import check_archive
from localqa.ingest.loaders.base import LoadedDocument, LoadError
from localqa.ingest.loaders.common import cannot_read, require_text, sensible_title
from localqa.ingest.loaders.limits import DEFAULT_LIMITS, LimitReached, Limits
from localqa.schema import Page
from localqa.text import SOFT_LINE

_INVALID = "not a valid PPTX (corrupt or not a PowerPoint 2007+ file)"
_RESAVE = "open and re-save it in PowerPoint or LibreOffice"
# python-pptx reports broken packages with these (lxml's XMLSyntaxError is a SyntaxError).
_BROKEN = (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, SyntaxError, ParseError)


def _lines(text: object) -> list[str]:
    return [line.strip() for line in str(text).splitlines() if line.strip()]


def _paragraphs(frame: Any) -> list[str]:
    """A text frame's paragraphs (its bullets), a line each, each ending in SOFT_LINE:
    a slide's title and bullets say things apart, so each is a sentence of its own
    (localqa/sentences.py), not one run-on "Scope New pressure sensor board ... Automatic
    salinity compensation ..."; a line break inside a paragraph (<a:br>) is a space."""
    found = (" ".join(str(p.text).split()) for p in frame.paragraphs)
    return [f"{text}{SOFT_LINE}" for text in found if text]


def _shape_lines(shapes: Iterable[Any], skip: Any) -> Iterator[str]:
    """Text of `shapes` in slide order: text frames, table rows (cells by " | ") and the
    shapes inside groups. `skip` is the title shape, already used as the heading."""
    for shape in shapes:
        if shape is skip or (skip is not None and shape.shape_id == skip.shape_id):
            continue
        if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
            yield from _shape_lines(shape.shapes, None)  # a group
        elif getattr(shape, "has_table", False):
            for row in shape.table.rows:
                cells = [" ".join(_lines(cell.text)) for cell in row.cells]
                if line := " | ".join(cell for cell in cells if cell):
                    yield line
        elif getattr(shape, "has_text_frame", False):
            yield from _paragraphs(shape.text_frame)


def _notes(slide: Any) -> list[str]:
    if not slide.has_notes_slide:
        return []
    frame = slide.notes_slide.notes_text_frame
    return _paragraphs(frame) if frame is not None else []


def _slide_page(number: int, slide: Any) -> Page:
    title_shape = slide.shapes.title
    title = " ".join(_lines(title_shape.text)) if title_shape is not None else ""
    lines = [f"{title}{SOFT_LINE}"] if title else []
    lines.extend(_shape_lines(slide.shapes, title_shape))
    if notes := _notes(slide):
        lines.extend(["", "Notes:", *notes])
    headings = ((0, title),) if title else ()
    text = "\n".join(lines).strip()  # no SOFT_LINE at the end
    return Page(number=number, text=text, headings=headings)


def _slides(presentation: Any, limits: Limits) -> Iterator[Page]:
    try:
        for number, slide in enumerate(presentation.slides, start=1):
            if number > limits.max_pages:
                raise LimitReached(f"more than {limits.max_pages:,} slides", "max_pages")
            yield _slide_page(number, slide)
    except _BROKEN as err:
        raise LoadError(f"{_INVALID}: {err}", _RESAVE) from err


def load_pptx(path: Path, limits: Limits = DEFAULT_LIMITS) -> LoadedDocument:
    """A presentation: one page (page_kind "slide") per slide."""
    check_archive(path, limits, LoadError(_INVALID, _RESAVE))
    try:
        presentation = pptx.Presentation(str(path))
        core_title = presentation.core_properties.title
    except OSError as err:
        raise cannot_read(err) from err
    except _BROKEN as err:
        raise LoadError(_INVALID, _RESAVE) from err
    pages = require_text(
        _slides(presentation, limits),
        "no text found",
        "the slides have no text (only images?); add text or speaker notes",
    )
    return LoadedDocument(
        title=sensible_title(core_title, path.stem), page_kind="slide", pages=pages
    )
