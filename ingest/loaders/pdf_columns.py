"""Reading order of a page set in columns whose content stream runs across them.

PDFium gives a page's text in the order the content stream draws it. Most layout programs
draw a column at a time, but some (and many exports through print drivers) draw a page
row by row across its columns, so the stream order is "left line 1, right line 1, left
line 2...": read that way, every line of the text joins two unrelated halves. A person
reads the left column down, then the right one.

`column_order` finds the gutters of such a page from its text boxes (one box per text
object, `FPDFText_GetRect`), and only when the stream keeps crossing a gutter within a
line (the fault, not merely a page in columns) rebuilds the text column by column from the
characters' boxes. A page whose stream already runs column by column, and a table (short
cells, which a reader does read across), keep PDFium's text unchanged.
"""

from __future__ import annotations

import bisect
import ctypes
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pypdfium2.raw as pdfium_c

# A horizontal gap between two boxes on one line at least this many times the line's
# height is a gutter candidate: word spaces are about a quarter of it, gutters one or more.
GUTTER_HEIGHTS = 1.2
# A gutter must separate text on at least this many lines (and on half the lines that have
# a wide gap at all), so that one line with a tab stop is not taken for a column layout.
MIN_GUTTER_LINES = 3
# The stream must cross a gutter within a line at least this often on a page, and on at
# least this share of the lines the gutter separates, before its text is reordered: what
# the fault looks like, and what neither a column-ordered page nor a table (read cell by
# cell: the stream leaves a cell at its last line) does.
MIN_CROSSINGS = 3
CROSSING_SHARE = 0.5
# A column of prose: its boxes are, on the median, at least this share of the column's
# width and this many times their height wide (a line of 10-point text in a column of
# 150 points is 17 heights; table cells and form labels are short).
PROSE_FILL = 0.6
PROSE_HEIGHTS = 12.0
_LINE_BREAK = "\r\n"  # how PDFium's text separates lines


@dataclass(frozen=True, slots=True)
class _Box:
    left: float
    bottom: float
    right: float
    top: float

    @property
    def middle_y(self) -> float:
        return (self.bottom + self.top) / 2

    @property
    def middle_x(self) -> float:
        return (self.left + self.right) / 2


def _text_boxes(textpage: Any) -> list[_Box]:
    """The page's text boxes in stream order (PDFium: one per run of a text object)."""
    count = pdfium_c.FPDFText_CountRects(textpage.raw, 0, -1)
    left, top = ctypes.c_double(), ctypes.c_double()
    right, bottom = ctypes.c_double(), ctypes.c_double()
    boxes = []
    for index in range(count):
        if pdfium_c.FPDFText_GetRect(textpage.raw, index, left, top, right, bottom):
            box = _Box(left.value, bottom.value, right.value, top.value)
            if box.right > box.left and box.top > box.bottom:
                boxes.append(box)
    return boxes


def _lines(boxes: Iterable[_Box]) -> list[list[_Box]]:
    """`boxes` grouped into lines: boxes whose vertical middles lie within each other's
    height; each line's boxes from left to right."""
    lines: list[list[_Box]] = []
    for box in sorted(boxes, key=lambda b: -b.middle_y):
        line = lines[-1] if lines else None
        if line and abs(line[0].middle_y - box.middle_y) < (line[0].top - line[0].bottom) / 2:
            line.append(box)
        else:
            lines.append([box])
    return [sorted(line, key=lambda b: b.left) for line in lines]


def _gaps(line: list[_Box]) -> list[tuple[float, float]]:
    """The wide horizontal gaps between a line's boxes, as (left, right) in points."""
    height = max(box.top - box.bottom for box in line)
    gaps, reach = [], line[0].right
    for box in line[1:]:
        if box.left - reach >= GUTTER_HEIGHTS * height:
            gaps.append((reach, box.left))
        reach = max(reach, box.right)
    return gaps


def gutters(boxes: list[_Box]) -> tuple[list[float], int]:
    """The x of each gutter (points, left to right): the middles of the stretches that
    wide gaps cover on enough lines, and that at most half as many lines cross (headings
    and captions may; the body text of a page in one column does); and the most lines a
    gutter separates."""
    if not boxes:
        return [], 0
    lines = _lines(boxes)
    gapped = [gaps for gaps in map(_gaps, lines) if gaps]
    needed = max(MIN_GUTTER_LINES, (len(gapped) + 1) // 2)
    if len(gapped) < needed:
        return [], 0
    width = int(max(box.right for box in boxes)) + 2
    cover = np.zeros(width, dtype=np.int32)
    for gaps in gapped:
        for left, right in gaps:
            cover[int(np.ceil(left)) : int(right)] += 1
    edges = np.flatnonzero(np.diff(np.concatenate(([0], (cover >= needed).astype(np.int8), [0]))))
    middles = [(start + end - 1) / 2 for start, end in zip(edges[::2], edges[1::2], strict=True)]
    kept = [x for x in middles if 2 * _crossed(lines, x) <= cover[int(x)]]
    return kept, max((int(cover[int(x)]) for x in kept), default=0)


def _crossed(lines: list[list[_Box]], x: float) -> int:
    """How many lines have a box across `x`."""
    return sum(any(box.left < x < box.right for box in line) for line in lines)


def _column(x: float, cuts: list[float]) -> int:
    return bisect.bisect_left(cuts, x)


def _prose(boxes: list[_Box], cuts: list[float]) -> bool:
    """Whether every column's boxes look like lines of prose, not table cells."""
    columns: dict[int, list[_Box]] = {}
    for box in boxes:
        if _column(box.left, cuts) == _column(box.right, cuts):
            columns.setdefault(_column(box.middle_x, cuts), []).append(box)
    if len(columns) < len(cuts) + 1:
        return False
    for column in columns.values():
        span = max(b.right for b in column) - min(b.left for b in column)
        width = float(np.median([b.right - b.left for b in column]))
        height = float(np.median([b.top - b.bottom for b in column]))
        if width < PROSE_FILL * span or width < PROSE_HEIGHTS * height:
            return False
    return True


def _crossings(boxes: list[_Box], cuts: list[float]) -> int:
    """How often the stream goes from one column to another within a line."""
    count = 0
    for before, after in itertools.pairwise(boxes):
        same_line = abs(before.middle_y - after.middle_y) < (before.top - before.bottom) / 2
        if same_line and _column(before.middle_x, cuts) != _column(after.middle_x, cuts):
            count += 1
    return count


@dataclass(slots=True)
class _Piece:
    """A run of the page's characters on one line, within one column (`column`), or across
    columns (`column` -1: a heading or a caption over them)."""

    column: int
    middle_y: float
    height: float
    left: float
    right: float
    start: int
    end: int  # exclusive

    def takes(self, box: _Box, cuts: list[float]) -> bool:
        """Whether the character in `box` continues this piece: on its line, and not across
        a wide gap into another column (the stream jumping over a gutter)."""
        if abs(self.middle_y - box.middle_y) >= self.height / 2:
            return False
        if _column(box.middle_x, cuts) == _column((self.left + self.right) / 2, cuts):
            return True
        return box.left - self.right < GUTTER_HEIGHTS * self.height

    def add(self, box: _Box, index: int, cuts: list[float]) -> None:
        self.right = max(self.right, box.right)
        self.end = index + 1
        if _column(self.left, cuts) != _column(self.right, cuts):
            self.column = -1


def _char_boxes(textpage: Any) -> list[tuple[int, _Box]]:
    """The drawn characters' loose boxes (the font's full height, so that a comma sits on
    its line) in stream order, with their indexes."""
    rect = pdfium_c.FS_RECTF()
    boxes = []
    for index in range(pdfium_c.FPDFText_CountChars(textpage.raw)):
        if pdfium_c.FPDFText_IsGenerated(textpage.raw, index) == 1:
            continue
        if pdfium_c.FPDFText_GetLooseCharBox(textpage.raw, index, ctypes.byref(rect)):
            low, high = sorted((rect.bottom, rect.top))
            boxes.append((index, _Box(rect.left, low, rect.right, high)))
    return boxes


def _pieces(textpage: Any, cuts: list[float]) -> list[_Piece]:
    """The page's drawn characters, in stream order, cut into pieces (`_Piece.takes`)."""
    pieces: list[_Piece] = []
    for index, box in _char_boxes(textpage):
        if pieces and pieces[-1].takes(box, cuts):
            pieces[-1].add(box, index, cuts)
            continue
        height = max(box.top - box.bottom, 1.0)
        column = _column(box.middle_x, cuts)
        pieces.append(_Piece(column, box.middle_y, height, box.left, box.right, index, index + 1))
    return pieces


def _bands(pieces: list[_Piece]) -> list[list[_Piece]]:
    """The pieces in bands from the top of the page: each line with a piece across the
    columns is a band of its own; the lines between them form one band, read column by
    column."""
    rows: list[list[_Piece]] = []
    for piece in sorted(pieces, key=lambda p: (-p.middle_y, p.start)):
        if rows and abs(rows[-1][0].middle_y - piece.middle_y) < rows[-1][0].height / 2:
            rows[-1].append(piece)
        else:
            rows.append([piece])
    bands: list[list[_Piece]] = []
    columned: list[_Piece] = []
    for row in rows:
        if any(piece.column < 0 for piece in row):
            if columned:
                bands.append(columned)
                columned = []
            bands.append(sorted(row, key=lambda p: p.start))
        else:
            columned.extend(row)
    if columned:
        bands.append(columned)
    return bands


def _piece_text(raw: str, piece: _Piece) -> str:
    text = raw[piece.start : piece.end].strip()
    # PDFium's mark for a word broken at the line end, whose line break it dropped
    return text[:-1] + "-" if text.endswith("\ufffe") else text


def column_order(textpage: Any, raw: str) -> str | None:
    """`raw` (the page's text from PDFium, lines separated by CR LF) read column by column,
    one line per line of a column, when the page's stream runs across its columns; None
    when the page needs no reordering (the common case)."""
    boxes = _text_boxes(textpage)
    cuts, separated = gutters(boxes)
    if not cuts or not _prose(boxes, cuts):
        return None
    if _crossings(boxes, cuts) < max(MIN_CROSSINGS, CROSSING_SHARE * separated):
        return None
    lines: list[str] = []
    for band in _bands(_pieces(textpage, cuts)):
        ordered = sorted(band, key=lambda p: (p.column, -p.middle_y, p.start))
        lines.extend(text for text in (_piece_text(raw, p) for p in ordered) if text)
    return _LINE_BREAK.join(lines)
