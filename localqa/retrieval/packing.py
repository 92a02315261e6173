"""Packing ranked results into the context budget: which chunks, and which part of each.

Results whose sentences were scored (FocusedChunk, from the retriever's sentence step) can
be cut to their best sentences; a cut piece is still citable (its own lines and characters).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from localqa.schema import Chunk, ScoredChunk
from localqa.text import cjk_share

# A piece shorter than this rarely holds an answer with enough context to cite.
MIN_PIECE_CHARS = 150
# Pieces at least this much CJK are widened by their neighbouring chunks (`widen`).
CJK_PIECE = 0.5


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of a chunk: its character span in the chunk text and its score."""

    start: int
    end: int
    score: float


@dataclass(frozen=True, slots=True)
class FocusedChunk(ScoredChunk):
    """A result whose sentences were scored against the question, so it can be trimmed."""

    sentences: tuple[Sentence, ...] = ()


def excerpt(chunk: Chunk, start: int, end: int) -> Chunk:
    """Part of a chunk, still citable: its own id, characters and lines on the page."""
    text = chunk.text[start:end]
    first_line = chunk.line_start + chunk.text.count("\n", 0, start)
    return replace(
        chunk,
        id=f"{chunk.id}#{start}-{end}",
        text=text,
        char_start=chunk.char_start + start,
        char_end=chunk.char_start + end,
        line_start=first_line,
        line_end=first_line + text.count("\n"),
    )


@dataclass
class _Piece:
    """A result being packed: the sentences [lo, hi] of it chosen so far (whole: no
    sentences, the chunk as it is)."""

    result: ScoredChunk
    lo: int = 0
    hi: int = 0

    @property
    def sentences(self) -> tuple[Sentence, ...]:
        return self.result.sentences if isinstance(self.result, FocusedChunk) else ()

    @classmethod
    def seeded(cls, result: ScoredChunk, room: int) -> _Piece:
        """The best sentence of a scored result, grown towards MIN_PIECE_CHARS within `room`."""
        piece = cls(result)
        if sentences := piece.sentences:
            piece.lo = piece.hi = max(range(len(sentences)), key=lambda i: sentences[i].score)
            while piece.size() < MIN_PIECE_CHARS:
                if not piece.grow(min(MIN_PIECE_CHARS, room - piece.size())):
                    break
        return piece

    def size(self) -> int:
        if not self.sentences:
            return len(self.result.chunk.text)
        return self.sentences[self.hi].end - self.sentences[self.lo].start

    def grow(self, room: int) -> int:
        """Take in the better neighbouring sentence that grows the piece by at most `room`
        characters; how many characters it grew by (0: none fits)."""
        s = self.sentences
        options = sorted(
            (i for i in (self.lo - 1, self.hi + 1) if 0 <= i < len(s)), key=lambda i: -s[i].score
        )
        before = self.size()
        for i in options:
            lo, hi = min(self.lo, i), max(self.hi, i)
            if 0 < s[hi].end - s[lo].start - before <= room:
                self.lo, self.hi = lo, hi
                return self.size() - before
        return 0

    def chunk(self) -> ScoredChunk:
        s = self.sentences
        if not s or (self.lo == 0 and self.hi == len(s) - 1):
            return ScoredChunk(self.result.chunk, self.result.score)
        part = excerpt(self.result.chunk, s[self.lo].start, s[self.hi].end)
        return ScoredChunk(part, self.result.score)


def pack_context(results: Sequence[ScoredChunk], top_k: int, chars: int) -> list[ScoredChunk]:
    """Up to top_k results in the character budget (at least one), spread over as many of
    them as fit: first each one's best sentence (grown to MIN_PIECE_CHARS), then, in rank
    order, each piece grown by its better neighbouring sentence until the budget is full.
    A result that was not scored is taken whole or not at all.

    Why spread: with whole chunks 4,000 characters hold four; a chunk's best sentence is
    where its answer usually is, so ten pieces find more answers than four chunks, and the
    best-ranked ones still come whole. On SQuAD dev, answer in context 0.976 -> 0.980
    (docs/BENCHMARKS-LOG.md); growing the pieces in turns instead of in rank order lost 0.02."""
    pieces: list[_Piece] = []
    used = 0
    for result in results[:top_k]:
        piece = _Piece.seeded(result, chars - used)
        if pieces and piece.size() > chars - used:
            continue
        pieces.append(piece)
        used += piece.size()
    for piece in pieces:
        while grown := piece.grow(chars - used):
            used += grown
    return [piece.chunk() for piece in pieces]


Neighbours = Callable[[Chunk], tuple[Chunk | None, Chunk | None]]


def widen(packed: Sequence[ScoredChunk], chars: int, neighbours: Neighbours) -> list[ScoredChunk]:
    """Spend the budget `pack_context` left over on the text around CJK pieces: pieces of
    one page that overlap or touch become one, then, in rounds, each piece in rank order
    takes in the chunk after it (else the one before) while that fits.
    `neighbours(chunk)`: the chunks just before and just after it on its page.

    Why CJK only: chunks are measured in the embedder's word pieces, and an English-only
    vocabulary spends one piece per Chinese character, so a Chinese chunk holds a fifth of
    the text an English one does. Ten of them filled 1,628 of 4,000 characters on CMRC 2018
    and cut long answers in two (docs/BENCHMARKS-LOG.md). English contexts stay as packed."""
    pieces = coalesce(packed)
    used = sum(len(r.chunk.text) for r in pieces)
    grown = True
    while grown and used < chars:
        grown = False
        taken = {part.split("#")[0] for r in pieces for part in r.chunk.id.split("+")}
        for i, result in enumerate(pieces):
            if cjk_share(result.chunk.text) >= CJK_PIECE:
                joined = _grown(result.chunk, neighbours, taken, chars - used)
                if joined is not None:
                    used += len(joined.text) - len(result.chunk.text)
                    pieces[i], grown = replace(result, chunk=joined), True
        pieces = coalesce(pieces)
        used = sum(len(r.chunk.text) for r in pieces)
    return pieces


def _grown(chunk: Chunk, neighbours: Neighbours, taken: set[str], room: int) -> Chunk | None:
    """`chunk` joined with the chunk after it, else the one before, if that adds at most
    `room` characters and the neighbour is not in the context yet (then it is added to
    `taken`); None when neither fits."""
    for other in neighbours(chunk)[::-1]:
        if other is None or other.id in taken:
            continue
        joined = joined_chunks(chunk, other)
        if joined is not None and 0 < len(joined.text) - len(chunk.text) <= room:
            taken.add(other.id)
            return joined
    return None


def coalesce(pieces: Sequence[ScoredChunk]) -> list[ScoredChunk]:
    """CJK pieces of one page that overlap or touch, as one piece at the better rank."""
    kept: list[ScoredChunk] = []
    for result in pieces:
        chunk = result.chunk
        for j, earlier in enumerate(kept):
            if _touching(earlier.chunk, chunk) and cjk_share(chunk.text) >= CJK_PIECE:
                joined = joined_chunks(earlier.chunk, chunk)
                bigger = max(earlier.chunk, chunk, key=lambda c: c.char_end - c.char_start)
                kept[j] = replace(earlier, chunk=joined or bigger)
                break
        else:
            kept.append(result)
    return kept


def _touching(one: Chunk, other: Chunk) -> bool:
    if (one.abs_path, one.page) != (other.abs_path, other.page):
        return False
    first, second = sorted((one, other), key=lambda c: c.char_start)
    return second.char_start <= first.char_end + 1


def joined_chunks(one: Chunk, other: Chunk) -> Chunk | None:
    """Two chunks of one page as one, citable (lines and characters of both); None when
    one holds the other. Overlapping text is kept once; a gap between them (whitespace the
    splitter stripped) becomes the line breaks it held."""
    first, second = sorted((one, other), key=lambda c: (c.char_start, -c.char_end))
    overlap = first.char_end - second.char_start
    if overlap >= len(second.text):
        return None
    if overlap >= 0:
        text = first.text + second.text[overlap:]
    else:
        text = first.text + ("\n" * (second.line_start - first.line_end) or " ") + second.text
    return replace(
        first,
        id=f"{first.id}+{second.id}",
        text=text,
        char_end=second.char_end,
        line_end=max(first.line_end, second.line_end),
    )
