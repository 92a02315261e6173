"""A statement's row of figures quoted with its header of years when the header sits in
a chunk before the row's on its page: "2021 | 2020 … Total revenue | 19,984,378 |
10,230,316", not the figures alone. A statement runs over several chunks (each row of
a 10-K's table is a line; 200 tokens hold a dozen rows), so most of its rows are in a
chunk that does not hold its header. The header is looked for in the chunks before it,
while they are the same table's lines (localqa/sentences.py table_header), and the row
is cited from the header's line to its own (packing.joined_chunks)."""

from __future__ import annotations

import re

from localqa.answering.claims import stems
from localqa.answering.quoting import Neighbours
from localqa.schema import JOINED, Chunk
from localqa.sentences import rows_without_header, sentence_units, table_header
from localqa.text import content_words

# Chunks looked back through for a table's header: a statement of 40 rows spans 3-4.
MAX_CHUNKS_BACK = 6


def header_before(chunk: Chunk, neighbours: Neighbours | None) -> tuple[Chunk, str]:
    """The header of years in force where `chunk` starts ("" when none or when `chunk`
    has no row of figures that needs one) and the chunk that holds it and `chunk`, joined
    (`chunk` itself when there is no header). One index lookup a chunk looked back."""
    from localqa.retrieval.packing import joined_chunks  # packing needs no heavy library

    if neighbours is None or not rows_without_header(chunk.text):
        return chunk, ""
    joined = chunk
    for _ in range(MAX_CHUNKS_BACK):
        before = neighbours(joined)[0]
        grown = joined_chunks(before, joined) if before is not None else None
        if grown is None:
            break
        ahead = grown.text[: len(grown.text) - len(joined.text)]  # what `before` adds
        header, open_run = table_header(ahead)
        joined = grown
        if header:
            return joined, header
        if not open_run:  # prose, or a title: the table starts within what was read
            break
    return chunk, ""


def headed_units(chunk: Chunk, neighbours: Neighbours | None) -> list[tuple[str, bool, Chunk]]:
    """(sentence, whether it is a record, the chunk to cite it from) for each unit of
    `chunk` (sentences.sentence_units); a row given a header from before `chunk` is cited
    from the chunks joined from the header's on."""
    cited, header = header_before(chunk, neighbours)
    return [
        (unit, record, cited if header and unit.startswith(f"{header}{JOINED}") else chunk)
        for unit, record in sentence_units(chunk.text, header)
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
