"""Answers read from every chunk of a document (issue 25, whole-document questions):
a summary, a list, or what changed between two documents, each line a quote of the
document cited to its file, page and lines, in document order.

Every chunk is read within a time budget (`whole_document_seconds`); what the budget cut
off is said in the answer, never left out silently. With a model, the chunks these quotes
come from are its sources, and its answer is checked sentence by sentence as any other.
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import PurePath

from localqa.answering.citations import Citation
from localqa.answering.quoting import Quoted, cite_each, quote_lines
from localqa.answering.whole_question import WholeQuestion
from localqa.answering.whole_reading import Reading, read_document
from localqa.schema import Chunk
from localqa.sentences import is_title
from localqa.store.base import IndexReader
from localqa.text import content_words, unlisted, words

# Sentences a summary quotes: about the square root of the document's, within these.
SUMMARY_MIN, SUMMARY_MAX = 3, 10
# Beyond one sentence per section: a sectioned memo of 16 sentences said its five parts
# in five, and left out its one deadline
SECTION_EXTRA = 1
LIST_MAX = 30
CHANGES_MAX = 15
# Word overlap (Jaccard) of two sentences that say the same thing, one changed.
SAME_SENTENCE = 0.5
_TIME_WORDS = frozenset(
    "deadline deadlines date dates due when day days time timeline milestone milestones "
    "period periods term terms".split()
)
_NUMBER_WORD = r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_UNIT = r"(?:days?|weeks?|months?|quarters?|years?)"
_WHEN = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b"
    r"|\b\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b"
    r"|\b\d{4}-\d\d-\d\d\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b"
    r"|\bwithin\s+\w+\s+(?:business\s+|working\s+|calendar\s+)?(?:hours?|days?|weeks?|months?|years?)\b"
    r"|\bno\s+later\s+than\b|\bdeadline\b|\bdue\b|\bat\s+the\s+latest\b"
    # "expire after one year", "reviewed every year", "each calendar month", "annually"
    rf"|\bafter\s+{_NUMBER_WORD}\s+(?:full\s+|calendar\s+|working\s+)?{_UNIT}\b(?!\s+of\b)"
    rf"|\b(?:every|each)\s+(?:other\s+|calendar\s+|financial\s+|working\s+)?{_UNIT}\b"
    r"|\b(?:annually|yearly|quarterly)\b"
    # a month on its own ("in November"), capitalised; May only after a word of time
    r"|(?-i:\b(?:January|February|March|April|June|July|August|September|October|November"
    r"|December)\b)"
    r"|(?-i:\b(?:in|by|until|before|after|since|from|of|each|every|next|last)\s+May\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class WholeAnswer:
    """The answer's text with [n] markers, its citations (one per quoted sentence), and
    whether anything was found."""

    text: str
    citations: tuple[Citation, ...]
    found: bool


def read_whole(
    asked: WholeQuestion, index: IndexReader, paths: Sequence[str], budget_s: float
) -> WholeAnswer:
    """`asked` answered from every chunk of the documents at `paths` (absolute), read
    within `budget_s` seconds in all."""
    deadline = time.monotonic() + budget_s
    readings = []
    for path in paths:
        known = index.catalog.document(path)
        source = known.source if known else PurePath(path).name
        readings.append(read_document(source, index.chunks.of_document(path), deadline))
    if not readings or (asked.kind == "compare" and len(readings) < 2):
        return WholeAnswer("No document of the index matches what the question names.", (), False)
    return answer_whole(asked, readings, budget_s)


def answer_whole(asked: WholeQuestion, readings: Sequence[Reading], budget_s: float) -> WholeAnswer:
    """The answer to `asked` from `readings` (one per document, in `asked.documents`'
    order); a line saying what the budget of `budget_s` seconds left unread."""
    if asked.kind == "compare":
        lines, quoted = _compare(readings[0], readings[1])
    elif asked.kind == "list":
        lines, quoted = _listing(readings[0], asked.target)
    else:
        lines, quoted = _summary(readings[0])
    unread = [
        f"Read {r.chunks_read} of {r.chunks_total} passages of {r.source} within "
        f"whole_document_seconds = {budget_s:g}; the rest was not read."
        for r in readings
        if r.chunks_read < r.chunks_total
    ]
    return WholeAnswer("\n".join(lines + unread), cite_each(quoted), bool(quoted))


def quoted_passages(citations: Sequence[Citation]) -> list[Chunk]:
    """The passages a model is given for a whole-document answer: each quote's chunk cut
    to the lines the quote spans (page text as it is, so citations find their quotes),
    each once, in the quotes' order. Whole chunks let a small model's budget hold one or
    two of them, so its answer rested on the document's first page only."""
    passages: dict[tuple[str, int, int], Chunk] = {}
    for citation in citations:
        chunk = citation.chunk
        first, last = chunk.quote_lines(citation.quote)
        lines = chunk.text.split("\n")
        head = "\n".join(lines[: first - chunk.line_start])
        start = len(head) + 1 if first > chunk.line_start else 0
        text = "\n".join(lines[first - chunk.line_start : last - chunk.line_start + 1])
        key = (chunk.id, first, last)
        passages.setdefault(
            key,
            replace(
                chunk,
                text=text,
                line_start=first,
                line_end=last,
                char_start=chunk.char_start + start,
                char_end=chunk.char_start + start + len(text),
            ),
        )
    return list(passages.values())


def summary_sentences(reading: Reading) -> list[Quoted]:
    """SumBasic (Nenkova and Vanderwende, 2005): the sentence whose words are the most
    frequent in the document, then again with the words already said counting less;
    while a section (whole_reading.py: between headings) has no sentence chosen, the
    choice is among those sections' only, so the summary covers every part of the
    document before it says more of one. Headings and records are not summary sentences.
    Returned in document order."""
    pool = [q for q in reading.sentences if not q.record and not q.heading and not is_title(q.text)]
    pool = [q for q in pool if len(content_words(q.text)) >= 4] or [
        q for q in reading.sentences if not q.heading
    ]
    said = [content_words(q.text) for q in pool]
    counts = Counter(w for ws in said for w in ws)
    total = sum(counts.values()) or 1
    weight = {w: c / total for w, c in counts.items()}
    sections = {q.section for q in pool}
    size = round(math.sqrt(len(reading.sentences)))
    size = min(SUMMARY_MAX, max(SUMMARY_MIN, size, len(sections) + SECTION_EXTRA))
    chosen: list[int] = []
    while len(chosen) < min(size, len(pool)):
        left = [i for i in range(len(pool)) if i not in chosen]
        covered = {pool[i].section for i in chosen}
        left = [i for i in left if pool[i].section not in covered] or left
        best = max(
            left,
            key=lambda i: sum(weight[w] for w in said[i]) / len(said[i]) if said[i] else 0.0,
        )
        chosen.append(best)
        for w in said[best]:
            weight[w] **= 2
    return [pool[i] for i in sorted(chosen)]


def _summary(reading: Reading) -> tuple[list[str], list[Quoted]]:
    picked = summary_sentences(reading)
    head = (
        f"{reading.source} in {len(picked)} of its {len(reading.sentences)} sentences, "
        "in document order (quotes, not a written summary):"
    )
    return [head, *quote_lines(picked)], picked


def listed_sentences(reading: Reading, target: frozenset[str]) -> list[Quoted]:
    """The sentences that hold a word of `target` (singular or plural), and, when dates
    are asked for ("deadline", "when"), those that state a date or a time limit."""
    stems = {_singular(w) for w in target}
    timely = bool(target & _TIME_WORDS)
    return [
        q
        for q in reading.sentences
        if not q.heading
        and (
            {_singular(w) for w in content_words(q.text)} & stems
            or (timely and not q.field and _WHEN.search(q.text))  # a memo's date is none
        )
    ][:LIST_MAX]


def _listing(reading: Reading, target: frozenset[str]) -> tuple[list[str], list[Quoted]]:
    picked = listed_sentences(reading, target)
    asked = ", ".join(sorted(target))
    if not picked:
        return [f"Nothing in {reading.source} mentions {asked}."], []
    head = f"What {reading.source} says of {asked}: {len(picked)} passages, in document order:"
    return [head, *quote_lines(picked)], picked


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


@dataclass(frozen=True, slots=True)
class Changes:
    """Sentences of `old` said differently in `new` (pairs), only in `new`, only in `old`."""

    changed: list[tuple[Quoted, Quoted]]
    added: list[Quoted]
    removed: list[Quoted]


def changes(old: Reading, new: Reading) -> Changes:
    """Each sentence of `new` against its closest of `old` by word overlap: the same
    words, the same sentence; SAME_SENTENCE or more, the same sentence changed; less,
    a sentence of its own."""
    old_words = [frozenset(words(q.text)) for q in old.sentences]
    matched: set[int] = set()
    changed, added = [], []
    for q in new.sentences:
        mine = frozenset(words(q.text))
        scores = [len(mine & theirs) / (len(mine | theirs) or 1) for theirs in old_words]
        best = max(range(len(scores)), key=scores.__getitem__, default=-1)
        if best >= 0 and scores[best] >= SAME_SENTENCE:
            matched.add(best)
            if scores[best] < 1.0:
                changed.append((old.sentences[best], q))
        else:
            added.append(q)
    removed = [q for i, q in enumerate(old.sentences) if i not in matched]
    return Changes(changed[:CHANGES_MAX], added[:CHANGES_MAX], removed[:CHANGES_MAX])


def _compare(old: Reading, new: Reading) -> tuple[list[str], list[Quoted]]:
    found = changes(old, new)
    a, b = PurePath(old.source).name, PurePath(new.source).name
    if not (found.changed or found.added or found.removed):
        return [f"{a} and {b} say the same thing, sentence for sentence."], []
    lines, quoted = [f"What changed from {a} to {b} (quotes of both, in document order):"], []
    if found.changed:
        lines.append("Changed:")
        for before, after in found.changed:
            quoted += [before, after]
            was, now = unlisted(before.text), unlisted(after.text)
            lines.append(f"- {was} [{len(quoted) - 1}] → {now} [{len(quoted)}]")
    for title, only in ((f"Only in {b}:", found.added), (f"Only in {a}:", found.removed)):
        if only:
            lines.append(title)
            for q in only:
                quoted.append(q)
                lines.append(f"- {unlisted(q.text)} [{len(quoted)}]")
    return lines, quoted
