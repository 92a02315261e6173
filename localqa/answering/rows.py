"""Whether a claim resting on a table rests on the row its question picks out.

A table's rows share their words: "Hardware and Workshop | Monday and Wednesday" and
"Firmware | Tuesday and Thursday" sit in one passage, and in one sentence when a memo's
paragraph mixes prose and table lines. Gemma-3-270M, asked "On which days does the
firmware team have to come to the office?", answered "Monday and Wednesday" (the hardware
team's row), and it was shown as supported. Asked for the DS-6000T's housing, both models
gave the DS-500's. So a claim whose words are in a table row is not supported by that
row when the row lacks every word of the question that picks rows out (`picking_words`:
held by some rows of the table and not all: "firmware"), or when the question names an
item code ("DS-6000T") that neither the table nor the passage around it holds.
"""

from __future__ import annotations

from localqa.answering.claims import share_added, stems
from localqa.text import content_words

CELL = "|"


def tables(text: str) -> list[list[str]]:
    """The runs of two or more consecutive lines holding cells ("a | b") in `text`, each a
    table of whitespace-normalised lines."""
    found: list[list[str]] = []
    run: list[str] = []
    for line in [*text.splitlines(), ""]:
        if CELL in line:
            run.append(" ".join(line.split()))
            continue
        if len(run) >= 2:
            found.append(run)
        run = []
    return found


def picking_words(asked: frozenset[str], table: list[str]) -> frozenset[str]:
    """The `asked` words (stemmed) some rows of the table hold and others do not."""
    held = [stems(content_words(row)) for row in table]
    return frozenset(w for w in asked if 0 < sum(w in row for row in held) < len(held))


def wrong_row(evidence: str, passage: str, question: str, added: frozenset[str]) -> bool:
    """The evidence (a sentence of `passage` holding table rows) states the words the
    claim adds to its question (`added`: claims.py) only in rows the question does not
    pick out (module docstring)."""
    if CELL not in evidence or not added or not question:
        return False
    flat = " ".join(evidence.split())
    asked = stems(content_words(question))
    for table in tables(passage):
        inside = [row for row in table if row in flat]
        if not inside:
            continue
        shares = [share_added(added, row) for row in inside]
        best = max(shares)
        if best == 0:
            return False  # the claim's words are not in the rows: not a row's claim
        rows = [row for row, share in zip(inside, shares, strict=True) if share == best]
        everywhere = stems(content_words(passage))
        codes = {w for w in asked if not w.isdigit() and any(c.isdigit() for c in w)}
        if codes - everywhere:  # it asks about an item this passage does not name
            return True
        picking = picking_words(asked, table)
        return bool(picking) and not any(picking & stems(content_words(row)) for row in rows)
    return False
