"""CSV, TSV and PSV: one page, one line per data row as "header: value | header: value",
so every chunk of a table still carries its column names. A row stands on the line of the
file where it starts (a cell over several lines leaves the lines after it empty), so the
lines a citation names are the file's own."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from localqa.ingest.loaders.base import LoadedDocument, LoadError
from localqa.ingest.loaders.limits import DEFAULT_LIMITS, LimitReached, Limits
from localqa.ingest.loaders.text import read_text
from localqa.schema import Page

_BY_SUFFIX = {".tsv": "\t", ".tab": "\t", ".psv": "|"}
_CANDIDATES = ",;\t|"
_SNIFF_SAMPLE = 64 * 1024
# Excel's and LibreOffice's widest sheet: a wider row is no table a person made.
MAX_COLUMNS = 16_384


def sniff_delimiter(text: str) -> str:
    """The delimiter of CSV text among comma, semicolon, tab and pipe (comma if unsure)."""
    sample = text[:_SNIFF_SAMPLE]
    try:
        return csv.Sniffer().sniff(sample, delimiters=_CANDIDATES).delimiter
    except csv.Error:
        pass
    first_line = sample.split("\n", 1)[0]
    counts = {delimiter: first_line.count(delimiter) for delimiter in _CANDIDATES}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _labels(header: list[str], width: int) -> list[str]:
    labels = [name.strip() or f"column {i}" for i, name in enumerate(header, start=1)]
    labels.extend(f"column {i}" for i in range(len(labels) + 1, width + 1))
    return labels


def rows_as_lines(
    text: str, delimiter: str, max_cells: int = DEFAULT_LIMITS.max_sheet_cells
) -> Iterator[tuple[int, str]]:
    """(line of the file where the row starts, 1-based; the row's line): the header row
    as is, then each non-empty row as labelled cells. LoadError for a row wider than any
    spreadsheet, LimitReached past `max_cells` cells."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: list[str] | None = None
    seen = 0
    first = 1
    for row in reader:
        start, first = first, reader.line_num + 1
        if len(row) > MAX_COLUMNS:
            raise LoadError(
                f"line {reader.line_num} has {len(row):,} columns, more than any "
                f"spreadsheet allows ({MAX_COLUMNS:,})",
                "check its delimiter, or split the table",
            )
        cells = [" ".join(cell.split()) for cell in row]
        seen += len(cells)
        if seen > max_cells:
            raise LimitReached(f"more than {max_cells:,} cells", "max_sheet_cells")
        if not any(cells):
            continue
        if header is None:
            header = cells
            yield start, " | ".join(cell for cell in cells if cell)
            continue
        labels = _labels(header, len(cells))
        yield (
            start,
            " | ".join(
                f"{label}: {cell}" for label, cell in zip(labels, cells, strict=False) if cell
            ),
        )


def _at_file_lines(rows: Iterator[tuple[int, str]]) -> str:
    """The rows' lines, each on its line of the file (empty lines between)."""
    lines: list[str] = []
    for start, line in rows:
        lines.extend([""] * (start - 1 - len(lines)))
        lines.append(line)
    return "\n".join(lines)


def _one_page(text: str) -> Iterator[Page]:
    yield Page(number=1, text=text)


def load_delimited(path: Path, limits: Limits = DEFAULT_LIMITS) -> LoadedDocument:
    """A delimited table; the delimiter comes from the suffix, or is sniffed for .csv."""
    raw, warnings = read_text(path)
    delimiter = _BY_SUFFIX.get(path.suffix.lower()) or sniff_delimiter(raw)
    try:
        text = _at_file_lines(rows_as_lines(raw, delimiter, limits.max_sheet_cells))
    except csv.Error as err:
        raise LoadError(
            f"malformed {path.suffix.lower().lstrip('.').upper()} ({err})",
            "check its quoting and delimiter, or save it again as CSV",
        ) from err
    if not text.strip():
        raise LoadError("no text found", "the table has no values; nothing to index")
    return LoadedDocument(
        title=path.stem, page_kind="page", pages=_one_page(text), warnings=warnings
    )
