"""The answer without a language model: the best-supported sentences of the retrieved
chunks, quoted verbatim with the same citations a generated answer gets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from localqa.answering.citations import Citation, SupportChecker
from localqa.retrieval.retriever import term_weights, weighted_support
from localqa.schema import ScoredChunk
from localqa.text import content_words, split_sentences

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


def extract_answer(
    question: str,
    contexts: Sequence[ScoredChunk],
    checker: SupportChecker,
    sentences: int = 3,
    weights: dict[str, float] | None = None,
) -> Extract:
    """Rank the context sentences by how well they match the question; quote the best.
    Words count by their rarity, `weights` (word -> weight; default: rarity among the
    contexts, `term_weights`): a sentence holding the question's specific words ("technical
    services") outranks one holding its common ones ("provides services"). Only a
    shortlist, by those words, is embedded: embedding every sentence of 4,000 characters
    took a second of a cold `ask` (docs/BENCHMARKS.md)."""
    if weights is None:
        weights = term_weights(question, [result.chunk for result in contexts])
    candidates = [
        (number, sentence, weighted_support(sentence, weights))
        for number, result in enumerate(contexts, start=1)
        for sentence in split_sentences(result.chunk.text) or [result.chunk.text]
        if len(content_words(sentence)) >= 3
    ]
    # earlier-ranked sources win ties: retrieval already judged them closer
    candidates.sort(key=lambda c: c[2] - RANK_STEP * c[0], reverse=True)
    picked = _best(question, candidates[:SHORTLIST], checker, sentences)
    if not picked:
        return Extract(NOTHING_FOUND, [], False)
    # renumber so the answer's [n] and its contexts list only the chunks quoted
    renumber: dict[int, int] = {}
    for _, number, _ in picked:
        renumber.setdefault(number, len(renumber) + 1)
    lines = [LABEL] + [f"- {sentence} [{renumber[number]}]" for _, number, sentence in picked]
    citations: dict[int, Citation] = {}
    for score, number, sentence in picked:
        new = renumber[number]
        if new not in citations:
            citations[new] = Citation(new, contexts[number - 1].chunk, sentence, score)
    ordered = [citations[n] for n in sorted(citations)]
    quotes = tuple(sentence for _, _, sentence in picked)
    return Extract("\n".join(lines), ordered, True, quotes)


def _best(
    question: str,
    shortlist: Sequence[tuple[int, str, float]],
    checker: SupportChecker,
    sentences: int,
) -> list[tuple[float, int, str]]:
    """(support, context number, sentence) of the `sentences` best of the shortlist
    (number, sentence, weighted lexical score), those below MIN_RELEVANCE left out.
    Ordered by agreement with words weighted; kept, and scored, by agreement with every
    word alike: in a small index the words a document holds are all common, so their
    weights say which sentence is more specific, not whether any answers."""
    texts = [sentence for _, sentence, _ in shortlist]
    support = checker.agreement(question, texts)
    ranking = checker.agreement(question, texts, [weighted for _, _, weighted in shortlist])
    scored = [
        (rank - RANK_STEP * number, alike - RANK_STEP * number, number, sentence)
        for (number, sentence, _), alike, rank in zip(shortlist, support, ranking, strict=True)
    ]
    scored.sort(key=lambda item: item[0], reverse=True)
    return [
        (alike, n, sentence)
        for _, alike, n, sentence in scored[:sentences]
        if alike >= MIN_RELEVANCE
    ]
