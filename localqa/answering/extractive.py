"""The answer without a language model: the best-supported sentences of the retrieved
chunks, quoted verbatim with the same citations a generated answer gets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from localqa.answering.citations import Citation, SupportChecker
from localqa.schema import ScoredChunk
from localqa.text import content_words, lexical_support, split_sentences

LABEL = "Extracted passages (no language model loaded; these are quotes, not a written answer):"
NOTHING_FOUND = "The indexed documents contain nothing that answers this question."
MIN_RELEVANCE = 0.25
RANK_STEP = 0.01
# Sentences scored with embeddings per question; the rest share too few of its words.
SHORTLIST = 12


@dataclass(frozen=True, slots=True)
class Extract:
    text: str
    citations: list[Citation]
    found: bool
    quotes: tuple[str, ...] = ()  # the sentences quoted, best first
    # how well the best sentence matches the question (0..1, before the rank step): what
    # the abstention rule reads (localqa/answering/abstain.py)
    relevance: float = 0.0
    # the best sentences whatever their score, cited: shown when the answer abstains
    nearest: tuple[Citation, ...] = ()


def extract_answer(
    question: str, contexts: Sequence[ScoredChunk], checker: SupportChecker, sentences: int = 3
) -> Extract:
    """Rank the context sentences by how well they match the question; quote the best.
    Only a shortlist, by the words they share with the question, is embedded: embedding
    every sentence of 4,000 characters took a second of a cold `ask` (docs/BENCHMARKS.md)."""
    candidates = [
        (number, sentence)
        for number, result in enumerate(contexts, start=1)
        for sentence in split_sentences(result.chunk.text) or [result.chunk.text]
        if len(content_words(sentence)) >= 3
    ]
    # earlier-ranked sources win ties: retrieval already judged them closer
    candidates.sort(key=lambda c: lexical_support(question, c[1]) - RANK_STEP * c[0], reverse=True)
    shortlist = candidates[:SHORTLIST]
    agreement = checker.agreement(question, [sentence for _, sentence in shortlist])
    scored = [
        (relevance - RANK_STEP * number, number, sentence)
        for (number, sentence), relevance in zip(shortlist, agreement, strict=True)
    ]
    scored.sort(key=lambda item: item[0], reverse=True)
    relevance = max(agreement, default=0.0)
    nearest = tuple(_cite(scored[:sentences], contexts))
    picked = [s for s in scored[:sentences] if s[0] >= MIN_RELEVANCE]
    if not picked:
        return Extract(NOTHING_FOUND, [], False, relevance=relevance, nearest=nearest)
    # renumber so the answer's [n] and its contexts list only the chunks quoted
    renumber = _renumber(picked)
    lines = [LABEL] + [f"- {sentence} [{renumber[number]}]" for _, number, sentence in picked]
    quotes = tuple(sentence for _, _, sentence in picked)
    return Extract("\n".join(lines), _cite(picked, contexts), True, quotes, relevance, nearest)


def _renumber(picked: Sequence[tuple[float, int, str]]) -> dict[int, int]:
    """Context number -> citation number, in the order the picked sentences first cite."""
    renumber: dict[int, int] = {}
    for _, number, _ in picked:
        renumber.setdefault(number, len(renumber) + 1)
    return renumber


def _cite(
    picked: Sequence[tuple[float, int, str]], contexts: Sequence[ScoredChunk]
) -> list[Citation]:
    """One citation per context the picked (score, context number, sentence) quote, with
    its best sentence, numbered as `_renumber` does."""
    renumber = _renumber(picked)
    citations: dict[int, Citation] = {}
    for score, number, sentence in picked:
        new = renumber[number]
        if new not in citations:
            citations[new] = Citation(new, contexts[number - 1].chunk, sentence, score)
    return [citations[n] for n in sorted(citations)]
