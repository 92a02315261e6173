"""Excel 2007+ via openpyxl in read-only mode: one page per worksheet, named by the
sheet's name (Page.label), one line per row: line n is the sheet's row n."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import zip_longest
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook

from localqa.ingest.loaders.archive import check_archive
from localqa.ingest.loaders.base import LoadedDocument, LoadError
from localqa.ingest.loaders.common import cannot_read, require_text, sensible_title
from localqa.ingest.loaders.limits import DEFAULT_LIMITS, LimitReached, Limits
from localqa.ingest.loaders.xlsx_formulas import FormulaCells
from localqa.ingest.loaders.xlsx_merged import MergedDown, merged_ranges
from localqa.ingest.loaders.xlsx_numfmt import displayed
from localqa.schema import Page

_INVALID = "not a valid XLSX (corrupt or not an Excel 2007+ file)"
_RESAVE = "open and re-save it in Excel or LibreOffice"
# A worksheet of a read-only workbook (openpyxl's stubs type them as writable sheets).
Worksheet = Any
# Rows with anything in them that may come before a sheet's header row (titles, notes).
HEADER_SEARCH = 5
# Empty rows kept as empty lines between rows; a longer run starts a new page (`_blocks`).
MAX_EMPTY_ROWS = 20
_BROKEN = (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, ParseError)


def cell_text(value: object) -> str:
    """A cell value as a person reads it: integral floats without ".0", dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return " ".join(str(value).split())


def shown(value: object, number_format: str | None) -> str:
    """A cell as the sheet shows it (`12.5%`, `$1,234.50`, `19,984,378`, `15/03/2019`),
    followed by its stored value in brackets only where the sheet's text does not give it
    whole: a number rounded or scaled (`4.3% (0.04256)`, `12.2 (12200000)`), a date or
    time in a form other than ISO's (`15/03/2019 (2019-03-15)`: "03/04/2021" reads either
    way). A number shown whole is shown once: a model given "19,984,378 (19984378)"
    strung both together."""
    raw = cell_text(value)
    display = displayed(value, number_format)
    if not display or display == raw:
        return raw
    if raw in display or _whole(display, value):
        return display
    return f"{display} ({raw})"


_SHOWN_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def _whole(display: str, value: object) -> bool:
    """Whether `display` shows the number `value` without loss: its one number, read back
    (a percentage's divided by 100), is the value's magnitude (a sign may be a format's
    brackets)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    numbers = _SHOWN_NUMBER.findall(display)
    if len(numbers) != 1:
        return False
    read = Decimal(numbers[0].replace(",", "")) / (100 if "%" in display else 1)
    return read == abs(Decimal(repr(value)) if isinstance(value, float) else Decimal(value))


def _row_line(cells: list[str]) -> str:
    while cells and not cells[-1]:
        cells.pop()
    return " | ".join(cells)


def _is_formula(value: object) -> bool:
    return isinstance(value, str) and value.startswith("=") and len(value) > 1


def _stored(
    sheet: Any, counter: list[int], limit: int, values_only: bool = True
) -> Iterator[tuple[Any, ...]]:
    """The sheet's rows as stored, not as its declared dimension says: a 2 KB file may
    declare A1:XFD1048576, and read-only openpyxl would pad every row to that size."""
    if hasattr(sheet, "reset_dimensions"):
        sheet.reset_dimensions()
    for row in sheet.iter_rows(values_only=values_only):
        counter[0] += len(row)
        if counter[0] > limit:
            raise LimitReached(f"more than {limit:,} cells", "max_sheet_cells")
        yield row


def _rows(
    values: Worksheet, formulas: Worksheet, cells: FormulaCells, counter: list[int], limit: int
) -> Iterator[str]:
    """Each row's line; a formula cell without a saved value gets it from `cells`.
    Both sheets are read-only views of the same file, so their rows align. A cell merged
    down over several rows gives its text to each of them (`MergedDown`); rows under a
    header name their columns (`RowLabels`)."""
    merged = MergedDown(merged_ranges(values, counter, limit))
    labels = RowLabels()
    pairs = zip_longest(_stored(values, counter, limit, False), _stored(formulas, [0], limit))
    for number, (row, source) in enumerate(pairs, start=1):
        row, source = row or (), source or ()
        texts, stored = [], []
        for col, (cell, formula) in enumerate(zip_longest(row, source), start=1):
            value = getattr(cell, "value", None)
            if value is None and _is_formula(formula):
                value = cells.value(values.title, f"{get_column_letter(col)}{number}", str(formula))
            stored.append(value)
            texts.append(shown(value, getattr(cell, "number_format", None)))
        yield labels.line(merged.fill(number, texts), stored)


@dataclass
class RowLabels:
    """Rows under a header row read as a CSV's rows do (ingest/loaders/delimited.py):
    "branch: Old Mill | conversion rate: 12.5% (0.125)", so that a row found alone, in
    any chunk of a long sheet, says what each value is. The header is the first row
    of two or more cells that are all text, among the sheet's first HEADER_SEARCH rows
    with anything in them; a row of two or more cells holding numbers or dates before it
    means the sheet has no header, and its rows stay as they are ("Old Mill | 12.5%")."""

    header: list[str] | None = None
    searching: int = HEADER_SEARCH

    def line(self, texts: list[str], stored: list[object]) -> str:
        if self.header is not None:
            named = [
                (self.header[i] if i < len(self.header) else "") or f"column {i + 1}"
                for i in range(len(texts))
            ]
            pairs = zip(named, texts, strict=True)
            return " | ".join(f"{name}: {text}" for name, text in pairs if text)
        filled = [value for value in stored if value is not None and value != ""]
        if self.searching and any(texts):
            self.searching -= 1
            if len(filled) >= 2 and all(isinstance(value, str) for value in filled):
                self.header = list(texts)
            elif len(filled) >= 2:
                self.searching = 0
        return _row_line(texts)


def _blocks(number: int, title: str, lines: Iterator[str]) -> Iterator[Page]:
    """A sheet's pages: line n of the sheet is row n (Page.first_line), empty rows kept as
    empty lines, so a citation names the row Excel shows ("row 8"); a run of more than
    MAX_EMPTY_ROWS empty rows starts a new page of the same sheet, so that one stray cell
    far below makes no chunk of blank lines. The sheet's name is each page's label, also
    the section of its chunks (ingest/chunking.py), not a line."""
    block: list[str] = []
    first = empty = 0
    for row, line in enumerate(lines, start=1):
        if not line.strip(" |"):
            empty += 1
            continue
        if block and empty > MAX_EMPTY_ROWS:
            yield Page(number=number, text="\n".join(block), label=title, first_line=first)
            block = []
        if block:
            block.extend([""] * empty)
        else:
            first = row
        block.append(line)
        empty = 0
    if block or not first:  # an empty sheet stays one empty page
        yield Page(number=number, text="\n".join(block), label=title, first_line=first or 1)


def _sheets(
    workbook: Workbook, formulas: Workbook, cells: FormulaCells, warnings: list[str], limits: Limits
) -> Iterator[Page]:
    counter = [0]
    try:
        for number, (sheet, source) in enumerate(
            zip(workbook.worksheets, formulas.worksheets, strict=True), start=1
        ):
            if number > limits.max_pages:
                raise LimitReached(f"more than {limits.max_pages:,} sheets", "max_pages")
            lines = _rows(sheet, source, cells, counter, limits.max_sheet_cells)
            yield from _blocks(number, sheet.title, lines)
        if note := cells.warning():
            warnings.append(note)
    except _BROKEN as err:
        raise LoadError(f"{_INVALID}: {err}", _RESAVE) from err
    finally:
        workbook.close()
        formulas.close()


def load_xlsx(path: Path, limits: Limits = DEFAULT_LIMITS) -> LoadedDocument:
    """A workbook: one page (page_kind "sheet") per worksheet, cells joined by " | ".
    Formula cells saved without their value are computed (ingest/loaders/xlsx_formulas.py)
    or, failing that, shown as their formula; a warning counts them."""
    check_archive(path, limits, LoadError(_INVALID, _RESAVE))
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
        formulas = load_workbook(path, read_only=True, data_only=False)
        title = sensible_title(workbook.properties.title, path.stem)
    except OSError as err:
        raise cannot_read(err) from err
    except _BROKEN as err:
        raise LoadError(_INVALID, _RESAVE) from err
    warnings: list[str] = []
    pages = require_text(
        _sheets(workbook, formulas, FormulaCells(path), warnings, limits),
        "no text found",
        "all sheets are empty",
    )
    return LoadedDocument(title=title, page_kind="sheet", pages=pages, warnings=warnings)
