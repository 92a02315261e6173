"""Merged cells of a worksheet that run down several rows: the merged cell's text is
given to every row it spans, so that each row stays a complete record ("warehouse crew"
on the row of each piece of equipment that team looks after, not only on the first).

Read-only openpyxl does not read merges: they are listed in `<mergeCells>` after the
cells in the sheet's XML, so the sheet's part is scanned for them before its rows are
read (a pass that only decompresses and searches; no XML tree is built)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils.cell import range_boundaries

from localqa.ingest.loaders.limits import LimitReached

_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Za-z]+[0-9]+:[A-Za-z]+[0-9]+)"')
_BLOCK = 1 << 20
_OVERLAP = 200  # longer than one <mergeCell> element: a match across two blocks is kept

# (column, first row, last row), 1-based: a merged range that spans rows
Span = tuple[int, int, int]


def merged_ranges(sheet: Any, counter: list[int], limit: int) -> list[Span]:
    """The merged ranges of a read-only worksheet that span more than one row. Each
    range counts as a cell against `limit` (`max_sheet_cells`), through `counter`."""
    opener = getattr(sheet, "_get_source", None)
    if opener is None:
        return []
    spans: list[Span] = []
    seen: set[bytes] = set()
    tail = b""
    with opener() as stream:
        while block := stream.read(_BLOCK):
            data = tail + block
            for match in _MERGE.finditer(data):
                ref = match.group(1)
                if ref in seen:
                    continue
                seen.add(ref)
                counter[0] += 1
                if counter[0] > limit:
                    raise LimitReached(f"more than {limit:,} cells", "max_sheet_cells")
                col, first, _, last = range_boundaries(ref.decode("ascii"))
                if col is not None and first is not None and last is not None and last > first:
                    spans.append((col, first, last))
            tail = data[-_OVERLAP:]
    return spans


@dataclass
class MergedDown:
    """Fills the cells under a merged cell with its text, row by row as rows are read."""

    spans: list[Span]
    _starts: dict[int, list[Span]] = field(default_factory=dict)
    _open: dict[int, tuple[str, int]] = field(default_factory=dict)  # column -> text, last row

    def __post_init__(self) -> None:
        for span in self.spans:
            self._starts.setdefault(span[1], []).append(span)

    def fill(self, number: int, texts: list[str]) -> list[str]:
        """Row `number`'s cell texts (1-based row; texts[0] is column A), with the text of
        each merged cell above that reaches down to this row."""
        for column, (text, last) in list(self._open.items()):
            if number > last:
                del self._open[column]
                continue
            while len(texts) < column:
                texts.append("")
            if not texts[column - 1]:
                texts[column - 1] = text
        for column, _, last in self._starts.pop(number, ()):
            if column <= len(texts) and texts[column - 1]:
                self._open[column] = (texts[column - 1], last)
        return texts
