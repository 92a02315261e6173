"""Quotes cited one by one: each quoted sentence gets its own [n], and its citation names
its own file, page and lines, even where several quotes come from one passage. What the
extractive answer (extractive.py) and the whole-document answers (whole.py) both show.

Also what a quote is cleaned of and completed with: a FAQ's "Q:"/"A:" label is no part of
what it says, and a sentence cut at a chunk's edge is completed from the chunk beside it
(the stored text; packing.joined_chunks keeps the result citable)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from localqa.answering.citations import Citation
from localqa.injection import in_instructions
from localqa.schema import Chunk
from localqa.sentences import is_whole_end, sentence_units
from localqa.text import unlisted, words

# A FAQ's or interview's label before what is said: "Q:", "A:", "Question:", "Answer 3:".
LABEL = re.compile(r"^(?:Q|A|Q\d+|A\d+|Question|Answer)(?:\s*\d+)?\s*:\s+(?=\S)")

Neighbours = Callable[[Chunk], tuple[Chunk | None, Chunk | None]]


@dataclass(frozen=True, slots=True)
class Quoted:
    """One sentence (or record, or heading) of a document, the chunk it stands in, how
    well it supports what it is quoted for (0..1; 1.0 where nothing scored it), and, for a
    whole document's reading, whether it is a heading or a header field (`field`, a
    record too) and the number of the section it belongs to (0 before the first heading)."""

    chunk: Chunk
    text: str
    record: bool
    score: float = 1.0
    heading: bool = False
    field: bool = False
    section: int = 0


def quote_lines(quoted: Sequence[Quoted], first: int = 1) -> list[str]:
    """ "- sentence [n]" for each quote, numbered from `first`: a list item's own dash or
    number is not doubled (the sources quote it whole)."""
    return [f"- {unlisted(q.text)} [{n}]" for n, q in enumerate(quoted, start=first)]


def cite_each(quoted: Sequence[Quoted]) -> tuple[Citation, ...]:
    """One citation per quote, numbered 1.. in order: [n] is the n-th quote, cited to
    its own lines (Chunk.quote_lines) though two quotes share a chunk."""
    return tuple(Citation(n, q.chunk, q.text, q.score) for n, q in enumerate(quoted, start=1))


def unlabelled(sentence: str) -> str:
    """The sentence without a leading "Q:"/"A:" label (LABEL)."""
    return LABEL.sub("", sentence, count=1)


def completed(quoted: Quoted, neighbours: Neighbours | None) -> Quoted:
    """`quoted`, or, where it is cut at its chunk's edge, the whole sentence, cited to the
    chunk and the one beside it on its page joined. Cut: the last sentence of a chunk that
    does not end as a sentence does ("Prior to joining Galaxy Gaming, Mr." + "Cravens
    served as ..."), or the first one starting in lower case or after words on its own
    line that end no sentence. The sentence is found again in the joined text."""
    from localqa.retrieval.packing import joined_chunks  # packing needs no heavy library

    if neighbours is None or quoted.record:
        return quoted
    units = [text for text, _ in sentence_units(quoted.chunk.text)]
    if not units:
        return quoted
    first, last = (
        quoted.text in units[0],
        quoted.text in units[-1] and not is_whole_end(quoted.text),
    )
    if not (first or last):
        return quoted
    chunk, text = quoted.chunk, quoted.text
    before, after = neighbours(quoted.chunk)
    for other, wanted in ((before, first), (after, last)):
        joined = joined_chunks(chunk, other) if wanted and other is not None else None
        whole = _holding(joined.text, text) if joined is not None else None
        if joined is None or whole is None or len(whole) <= len(text):
            continue
        if in_instructions(whole, joined.text):  # completed, it is words to the model
            continue
        if (other is after and whole.startswith(text)) or _cut_before(joined.text, text):
            chunk, text = joined, unlabelled(whole)
    return Quoted(chunk, text, quoted.record, quoted.score)


def _cut_before(text: str, sentence: str) -> bool:
    """Whether `sentence`, in `text`, goes on from what comes before it: it starts in lower
    case, or it follows words on its line that end no sentence."""
    pattern = r"\s+".join(map(re.escape, sentence.split()))
    found = re.search(pattern, text) if pattern else None
    if found is None or found.start() == 0:
        return False
    before = text[: found.start()].rstrip(" \t")
    return sentence[:1].islower() or (
        bool(before) and before[-1] != "\n" and not is_whole_end(before)
    )


def _holding(text: str, part: str) -> str | None:
    """The sentence of `text` that holds `part` (a sentence or a piece of one)."""
    for sentence, _ in sentence_units(text):
        if part in sentence:
            return sentence
    return None


def without_repeats(quoted: Sequence[Quoted]) -> list[Quoted]:
    """The quotes less those whose words another (earlier or longer) quote holds: two
    overlapping chunks give one sentence twice, or once cut and once whole."""
    kept: list[Quoted] = []
    for q in quoted:
        said = " ".join(words(q.text))
        if any(said in " ".join(words(k.text)) for k in kept):
            continue
        longer = [i for i, k in enumerate(kept) if " ".join(words(k.text)) in said]
        if longer:  # the cut one came first: the whole one takes its place
            kept[longer[0]] = q
            continue
        kept.append(q)
    return kept
