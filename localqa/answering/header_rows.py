"""A table's header of column names quoted with the row under it, where nothing joined
them: the header was not taken for one (a page's tables run together with their captions,
so it stands inside a table: sentences.units_with_headers), or the chunk ends after it
and its rows are in the next chunk. Over the steelJIS datasheet (HTML), "What is the
tensile strength of SNB22-3?" quoted "Assortment | Yield point or Proof stress | Tensile
strength | ..." and its units row, which say no value; "Bars | 890 | 1000 | 12 | 40 |"
sat in the next chunk. A header alone names columns and answers nothing: it is quoted as
"header … units … row", cited from its line to the row's (issue 25)."""

from __future__ import annotations

from collections.abc import Sequence

from localqa.answering.quoting import Neighbours
from localqa.headers import cells, in_table, is_column_header, wants_header
from localqa.schema import JOINED, Chunk
from localqa.sentences import sentence_units

# Lines between a header and its first labelled row ("- | N/mm 2 | % | J/cm 2", units).
MAX_BETWEEN = 2

Unit = tuple[str, bool, Chunk]


def with_rows(units: Sequence[Unit], chunk: Chunk, neighbours: Neighbours | None) -> list[Unit]:
    """`units` (sentence, whether a record, the chunk to cite it from: tables.headed_units)
    of `chunk`, each header of column names that no row of the chunk is joined to replaced
    by the header and its first labelled row below (`_row_below`): from the units after
    it, or, where the chunk ends in its table, from the chunk and the one after it on its
    page joined (`neighbours`), then cited from both."""
    texts = [unit for unit, _, _ in units]
    found = list(units)
    for i, (unit, record, cited) in enumerate(units):
        if not (record and is_column_header(unit)):
            continue
        if any(text.startswith(f"{unit}{JOINED}") for text in texts):
            continue  # its rows are quoted with it already
        row = _row_below(unit, texts[i + 1 :])
        if row is not None:
            found[i] = (row, True, cited)
            continue
        if neighbours is None or not all(_table_line(t) for t in texts[i + 1 :]):
            continue
        joined = _joined_after(chunk, neighbours)
        if joined is None:
            continue
        later = [text for text, _ in sentence_units(joined.text)]
        at = max((n for n, text in enumerate(later) if text == unit), default=None)
        row = _row_below(unit, later[at + 1 :]) if at is not None else None
        if row is not None:
            found[i] = (row, True, joined)
    return found


def _table_line(unit: str) -> bool:
    return "|" in unit or in_table(unit)


def _row_below(header: str, following: Sequence[str]) -> str | None:
    """ "header … lines between … row" for the first row below `header` that a header
    explains and that has a label (a letter in its first cell: "Bars | 890 | 1000"), with
    up to MAX_BETWEEN lines before it (units: "- | N/mm 2"); None when prose or another
    header comes first."""
    between: list[str] = []
    for unit in following:
        if "|" not in unit or is_column_header(unit):
            return None
        label = cells(unit)[0]
        if wants_header(unit) and any(ch.isalpha() for ch in label):
            return JOINED.join([header, *between, unit])
        if len(between) == MAX_BETWEEN:
            return None
        between.append(unit)
    return None


def _joined_after(chunk: Chunk, neighbours: Neighbours) -> Chunk | None:
    from localqa.retrieval.packing import joined_chunks  # packing needs no heavy library

    after = neighbours(chunk)[1]
    return joined_chunks(chunk, after) if after is not None else None
