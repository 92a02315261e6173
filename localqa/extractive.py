"""The answer without a language model: the best-supported sentences of the retrieved
chunks, quoted verbatim with the same citations a generated answer gets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from localqa.citations import Citation, SupportChecker
from localqa.schema import ScoredChunk
from localqa.text import content_words

LABEL = "Extracted passages (no language model loaded; these are quotes, not a written answer):"
NOTHING_FOUND = "The indexed documents contain nothing that answers this question."
MIN_RELEVANCE = 0.25


@dataclass(frozen=True, slots=True)
class Extract:
    text: str
    citations: list[Citation]
    found: bool


def extract_answer(
    question: str, contexts: Sequence[ScoredChunk], checker: SupportChecker, sentences: int = 3
) -> Extract:
    """Rank every context sentence by how well it matches the question; quote the best."""
    scored: list[tuple[float, int, str]] = []
    for number, result in enumerate(contexts, start=1):
        for sentence, relevance in checker.sentence_scores(question, result.chunk):
            if len(content_words(sentence)) >= 3:
                # earlier-ranked sources win ties: retrieval already judged them closer
                scored.append((relevance - 0.01 * number, number, sentence))
    scored.sort(key=lambda item: item[0], reverse=True)
    picked = [s for s in scored[:sentences] if s[0] >= MIN_RELEVANCE]
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
    return Extract("\n".join(lines), ordered, True)
