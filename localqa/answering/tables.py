"""A table's row quoted with its header: of years ("2021 | 2020 … Total revenue |
19,984,378 | 10,230,316", not the figures alone) or of column names ("Item | Price | #
In stock … Bananas | 1.89 | 6"), also when the header sits in a chunk before the row's on
its page. A statement runs over several chunks (each row of a 10-K's table is a line;
200 tokens hold a dozen rows), so most of its rows are in a chunk that does not hold its
header. The header is looked for in the chunks before it, while they are the same
table's lines, and the row is cited from the header's line to its own
(packing.joined_chunks)."""

from __future__ import annotations

import re

from localqa.answering.claims import stems
from localqa.answering.quoting import Neighbours
from localqa.headers import NUMBER, cells, in_table, is_column_header, wants_header
from localqa.schema import JOINED, Chunk
from localqa.sentences import headed, units_with_headers
from localqa.text import content_words

# Chunks looked back through for a table's header: a statement of 40 rows spans 3-4.
MAX_CHUNKS_BACK = 6


def table_state(text: str, inside: bool = False) -> tuple[str, bool, bool]:
    """At the end of `text`: the header in force ("" when none); whether `text` is all a
    table's lines (then a header above it would still hold); whether its last unit is a
    table's line (what follows is inside that table). `inside`: `text` starts inside a
    table."""
    units = units_with_headers(text, "", True, inside)
    lines = [record or in_table(unit) for unit, record, _ in units]
    return (units[-1][2] if units else ""), all(lines), bool(lines) and lines[-1]


def rows_without_header(text: str) -> bool:
    """Whether `text`, taken to start inside a table, starts with rows a header would
    explain (`wants_header`) and no header above them: its header, if any, is before
    `text` on its page."""
    return _opens_headless(units_with_headers(text, "", True, inside=True))


def _opens_headless(units: list[tuple[str, bool, str]]) -> bool:
    for unit, record, header in units:
        if header or not (record or in_table(unit)):
            return False
        if record and wants_header(unit):
            return True
    return False


def _look_back(chunk: Chunk, neighbours: Neighbours) -> tuple[Chunk, str, bool]:
    """(the chunks from the header's to `chunk` joined, the header, whether `chunk` starts
    inside a table); `chunk`, "" when no header is found before it."""
    from localqa.retrieval.packing import joined_chunks  # packing needs no heavy library

    joined = chunk
    for _ in range(MAX_CHUNKS_BACK):
        before = neighbours(joined)[0]
        grown = joined_chunks(before, joined) if before is not None else None
        if grown is None:
            break
        joined = grown
        ahead = grown.text[: len(grown.text) - len(chunk.text)]  # the page before `chunk`
        header, open_run, ends_inside = table_state(ahead, inside=grown.char_start > 0)
        if header:
            return joined, header, True
        if not open_run:  # prose, or a title: the table starts within what was read
            return chunk, "", ends_inside
    return chunk, "", True


def header_above(chunk: Chunk, neighbours: Neighbours) -> str:
    """The header in force where `chunk` starts when it starts inside a table with rows a
    header would explain and its header sits in the chunks before it on its page
    (`_look_back`); "" otherwise. A piece cut from a chunk (packing.excerpt) is looked
    back from its own start: the text of its chunk before it counts as the page before."""
    if chunk.char_start == 0 or not rows_without_header(chunk.text):
        return ""
    return _look_back(chunk, _before_only(neighbours))[1]


def _before_only(neighbours: Neighbours) -> Neighbours:
    """`neighbours` whose chunk before a chunk is cut to end where that chunk starts: a
    chunk that holds a piece of itself (or overlaps it) still joins it
    (packing.joined_chunks joins no chunk with one it holds)."""
    from localqa.retrieval.packing import excerpt  # packing needs no heavy library

    def cut(chunk: Chunk) -> tuple[Chunk | None, Chunk | None]:
        before, after = neighbours(chunk)
        if before is not None and before.char_end > chunk.char_start > before.char_start:
            before = excerpt(before, 0, chunk.char_start - before.char_start)
        return before, after

    return cut


def headed_units(chunk: Chunk, neighbours: Neighbours | None) -> list[tuple[str, bool, Chunk]]:
    """(sentence, whether it is a record, the chunk to cite it from) for each unit of
    `chunk` (sentences.sentence_units, headers of column names too); a row given a header
    from before `chunk` is cited from the chunks joined from the header's on. A chunk
    that does not start its page may start inside a table: its first line is taken for a
    header only when the page before it says a table starts there."""
    cited, header, inside = chunk, "", chunk.char_start > 0
    units = units_with_headers(chunk.text, "", True, inside)  # split once when no look-back
    if inside and neighbours is not None and _opens_headless(units):
        cited, header, inside = _look_back(chunk, neighbours)
        units = units_with_headers(chunk.text, header, True, inside)
    return [
        (unit, record, cited if header and unit.startswith(f"{header}{JOINED}") else chunk)
        for unit, record in headed(units)
    ]


# Added to a table row's rank (extractive.py) times the share of its label's words the
# question holds: "What was net income in 2021?" picks "Net income (loss) | 2,111,812"
# (2 of 3) over "State income tax, net of federal benefit | 22,226" (2 of 6), which
# holds the same words of the question and was ranked first on the 10-K.
ROW_LABEL_BONUS = 0.1
_FIGURES_START = re.compile(r"[\d$€£(\u2014-]")


def row_label(unit: str) -> str:
    """The label of a table row (its first cell: "Net income (loss)"), its header left
    out; "" for a unit that is no table row. A row read from a PDF has no cell marks: its
    label is what comes before its first figure."""
    row = unit.rpartition(JOINED)[2].strip().lstrip("|")  # a Markdown row opens with one
    if "|" in row:
        return row.split("|", 1)[0].strip()
    if JOINED not in unit:
        return ""
    found = _FIGURES_START.search(row)
    return row[: found.start()].strip() if found else ""


def label_share(question: str, unit: str) -> float:
    """Share (0..1) of the content words of `unit`'s row label (`row_label`) that the
    question holds, stemmed; 0 for a unit that is no table row."""
    label = stems(content_words(row_label(unit)))
    if not label:
        return 0.0
    return len(label & stems(content_words(question))) / len(label)


def column_share(question: str, unit: str) -> float:
    """Share (0..1) of the words of the column name the question holds most of, stemmed,
    among the columns where `unit`, a row under a header of column names ("header … row"),
    holds a figure: "What is the tensile strength of SNB22-3?" names "Tensile strength"
    over "Bars | 890 | 1000 | ..." (1.0); 0 for a unit that is no such row."""
    header, joined, row = unit.partition(JOINED)
    if not joined or not is_column_header(header):
        return 0.0
    heads, values = cells(header), cells(row.rpartition(JOINED)[2])
    asked = stems(content_words(question))
    shares = [
        len(named & asked) / len(named)
        for head, value in zip(heads[1:], values[1:], strict=False)
        if NUMBER.search(value) and (named := stems(content_words(head)))
    ]
    return max(shares, default=0.0)


# Taken from a table row's rank (extractive.py) when it answers another column than the one
# asked for (`off_column`): "Office | Reception hours (local time) | Phone … Aberdeen |
# 08:30 - 17:00 | +44 1224 000 410" ranked over "Unit 7, Harbour Quay Business Park,
# Aberdeen ..." for "What is the address of the office in Aberdeen?" by 0.09, its label and
# the header's "Office" being the question's words.
OFF_COLUMN = 0.2


def off_column(question: str, unit: str, asking: frozenset[str] = frozenset()) -> bool:
    """Whether `unit`, a table row under its header ("header … row", cells marked), is
    picked out by the question only by its label and label column ("Aberdeen", "Office"):
    the question has other content words (less `asking`: "many", "much") and neither the
    header's other cells nor the row's hold any of them, stemmed. Such a row states the
    named thing's other facts (its reception hours for its address)."""
    header, joined, row = unit.rpartition(JOINED)
    if not joined or "|" not in row or "|" not in header:
        return False
    heads, values = cells(header), cells(row)
    named = stems(content_words(f"{heads[0]} {values[0]}"))
    asked = stems(content_words(question) - asking) - named
    held = stems(content_words(" ".join(heads[1:] + values[1:])))
    return bool(asked) and not asked & held
