"""One numbering of the sources of an answer and of the quotes shown under it.

The quotes shown under a model's answer that does not stand alone are an extractive
answer of their own, whose [n] count its own sources from 1 (answering/extractive.py).
Shown as they are, a reader takes their [1] for the answer's [1]. Every front end that
shows both (`ask`, the chat) renumbers the quotes into the answer's list: a quoted passage
that the answer was given keeps the answer's number, unless the answer quotes another
sentence of it; any other is added after them, each quote its own number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from localqa.answering.conversations import Source
    from localqa.answering.presentation import Presentation

MARKER = re.compile(r"\[(\d+)\]")


@dataclass(frozen=True)
class OneNumbering:
    """`under_text`: the quotes shown under the answer, their [n] markers renumbered
    ("" when none are shown); `sources`: the one list both count, the answer's sources
    first (a passage the answer does not cite takes the quote shown of it); and
    `under_sources`: the quotes' own sources, each with its number in that list."""

    under_text: str
    sources: tuple[Source, ...]
    under_sources: tuple[Source, ...]


def one_numbering(shown: Presentation) -> OneNumbering:
    """The numbers of `shown`'s sources and of its quotes' sources in one list."""
    sources = list(shown.sources)
    if shown.under is None:
        return OneNumbering("", tuple(sources), ())
    numbers: dict[int, int] = {}
    for source in shown.under_sources:
        same = next((i for i, s in enumerate(sources) if _same(s, source)), None)
        if same is None:
            sources.append(replace(source, number=len(sources) + 1))
            numbers[source.number] = len(sources)
            continue
        numbers[source.number] = sources[same].number
        if not sources[same].quote:  # the list highlights the quote shown under
            sources[same] = replace(sources[same], quote=source.quote, score=source.score)
    under = MARKER.sub(
        lambda m: f"[{numbers.get(int(m.group(1)), int(m.group(1)))}]", shown.under.text
    )
    renumbered = tuple(replace(s, number=numbers[s.number]) for s in shown.under_sources)
    return OneNumbering(under, tuple(sources), renumbered)


def _same(listed: Source, quoted: Source) -> bool:
    """`quoted` (a source of the quotes) is `listed`: the same quote of the same passage,
    or the same passage, which the answer was given but does not quote. Another quote of a
    passage the answer quotes is a source of its own, as two quotes of one passage are in
    an extractive answer (answering/quoting.py)."""
    if listed.chunk.id != quoted.chunk.id:
        return False
    return not listed.quote or listed.quote == quoted.quote
