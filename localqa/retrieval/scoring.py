"""Lexical scoring shared by retrieval and extraction: how much each question word says
(its rarity), and how much of that a sentence holds.

Retrieval re-ranks its candidates by their best sentence (`LexicalSentenceScorer`);
extraction (localqa/answering/extractive.py) ranks the sentences it may quote by the same
measure (`weighted_support`), with each word weighted by its rarity in the whole index
where the store can say (`word_weights`), else among the candidates (`term_weights`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

from localqa.retrieval.packing import Sentence
from localqa.schema import Chunk
from localqa.sentences import sentence_breaks
from localqa.text import content_words, expansions, fold, words

if TYPE_CHECKING:
    from localqa.schema import Vectors

# Keeps a word every candidate holds from counting for nothing.
IDF_FLOOR = 0.1
# A question word that a sentence lacks but its document's name or title holds counts this
# much of its weight for every sentence of the document: "the travel budget in 2024" is
# answered from budget-2024.txt first, though no sentence of it says 2024. Half: a word the
# sentence itself holds says more.
NAMED_SHARE = 0.5


class WordRarity(Protocol):
    """What knows how rare words are across a whole index (the store's BM25 statistics)."""

    def word_rarity(self, words: Sequence[str]) -> dict[str, float] | None:
        """Each word's idf (>= 0) over every chunk; None when it cannot say."""
        ...


@lru_cache(maxsize=512)
def word_set(text: str) -> frozenset[str]:
    """The distinct words (localqa.text.words: CJK as bigrams) of a chunk's text. Cached:
    near-duplicate removal and word rarity both need the candidates' words, and a chat
    asks about the same chunks."""
    return frozenset(words(text))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, without surrounding whitespace."""
    breaks = sentence_breaks(text)
    breaks.append((len(text), len(text)))
    spans: list[tuple[int, int]] = []
    start = 0
    for end, resume in breaks:
        piece = text[start:end]
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            spans.append((start + lead, start + len(piece.rstrip())))
        start = resume
    return spans


class SentenceScorer(Protocol):
    """Scores each sentence of `chunks` for how well it answers `question`."""

    def score(
        self, question: str, vector: Vectors, chunks: Sequence[Chunk], candidates: Sequence[Chunk]
    ) -> list[tuple[Sentence, ...]]: ...


class LexicalSentenceScorer:
    """A sentence's score is the share of the question's content words it holds, each word
    weighted by its rarity among all candidates (a local IDF): the topic word that every
    candidate shares says little about which one answers. No embeddings, so no cost worth
    timing; embedding the pool's sentences added 0.004 on SQuAD but takes seconds per
    question with the torch-free query encoder `ask` uses (docs/BENCHMARKS-LOG.md)."""

    def score(
        self, question: str, vector: Vectors, chunks: Sequence[Chunk], candidates: Sequence[Chunk]
    ) -> list[tuple[Sentence, ...]]:
        weights = term_weights(question, candidates)
        total = sum(weights.values()) or 1.0
        scored: list[tuple[Sentence, ...]] = []
        for chunk in chunks:
            named = word_set(chunk.naming())
            sentences: list[Sentence] = []
            for a, b in sentence_spans(chunk.text) or [(0, len(chunk.text))]:
                sentences.append(Sentence(a, b, share(chunk.text[a:b], weights, named) / total))
            scored.append(tuple(sentences))
        return scored


def share(sentence: str, weights: dict[str, float], named: frozenset[str] = frozenset()) -> float:
    """Summed weight of the question words the sentence holds, and NAMED_SHARE of those
    only `named` holds (the words of its document's name and title). Tokenizes only
    sentences that contain one of them at all (with the cached word sets: the sentence
    step 2.6 -> 0.9 ms)."""
    lowered = fold(sentence).lower()
    present = [word for word in weights if word in lowered]
    spelt_out = expansions(sentence)  # "ref." holds "reference"
    held = set(words(lowered)) | spelt_out if present or spelt_out else set()
    by_name = sum(weights[word] for word in weights if word in named and word not in held)
    return sum(weights[word] for word in weights if word in held) + NAMED_SHARE * by_name


def weighted_support(
    sentence: str, weights: dict[str, float], named: frozenset[str] = frozenset()
) -> float:
    """Share (0..1) of the question's word weight (`term_weights`) the sentence holds,
    words only its document's name holds (`named`) counting NAMED_SHARE (`share`)."""
    return share(sentence, weights, named) / (sum(weights.values()) or 1.0)


def term_weights(question: str, candidates: Sequence[Chunk]) -> dict[str, float]:
    """log((n + 1) / (1 + candidates holding the word)), floored so no word counts zero."""
    held = [word_set(c.text) for c in candidates]  # holds every content word of the text
    return {
        word: math.log((len(held) + 1) / (1 + sum(word in words for words in held))) + IDF_FLOOR
        for word in content_words(question)
    }


def word_weights(
    question: str, contexts: Sequence[Chunk], rarity: WordRarity | None = None
) -> dict[str, float]:
    """How much each content word of the question says (for extraction): its rarity in
    the whole index (`rarity`), where it can say; else among `contexts`. Not among the
    retrieved chunks alone: they were retrieved for holding the question's words, so a
    common word they happen to lack ("provides") would count as rare."""
    question_words = sorted(content_words(question))
    found = rarity.word_rarity(question_words) if rarity is not None else None
    if found is None:
        return term_weights(question, contexts)
    return {word: idf + IDF_FLOOR for word, idf in found.items()}
