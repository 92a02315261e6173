"""Hybrid retrieval: dense (Chroma) and lexical (BM25) results fused by reciprocal rank,
then the best candidates re-ranked by their best-matching sentence.

Why the sentence step: a 200-token chunk is judged by one vector and one BM25 score, so a
chunk that mentions the question's topic throughout can outrank the one whose single
sentence answers it. Scoring each sentence by the question words it holds finds that
sentence; on SQuAD dev it lifts answer-in-context at 4,000 characters (docs/BENCHMARKS-LOG.md).
The sentence scores also let packing (localqa/retrieval/packing.py) cut chunks to their best part.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from localqa.embedding.coverage import dense_weight
from localqa.retrieval.naming import named_documents
from localqa.retrieval.packing import FocusedChunk, pack_context, widen
from localqa.retrieval.scoring import LexicalSentenceScorer, SentenceScorer, word_set
from localqa.schema import Chunk, IndexedDocument, ScoredChunk
from localqa.store.faults import VectorStoreError

if TYPE_CHECKING:
    from localqa.embedding.embedder import Embedder
    from localqa.retrieval.reranker import CrossEncoderReranker
    from localqa.schema import Vectors
    from localqa.store.base import IndexReader

RRF_K = 60
NEAR_DUPLICATE = 0.9
# Fused candidates checked for near-duplicates and used for word rarity: everything that
# can reach a context (see drop_near_duplicates).
CANDIDATE_WINDOW = 40
WORDS = re.compile(r"\w+")  # English words only; localqa.text.words also reads CJK
# Fused candidates whose sentences are scored (recall@15 is ~0.99 on SQuAD).
SENTENCE_POOL = 15
# Best-sentence score (0..1) against the fused prior 2/(RRF_K + rank): 0.01 lets a sentence
# holding clearly more of the question move a chunk up several places; near-ties keep the
# fused order. 0.02 scored the same on SQuAD but demoted paraphrased answers in sample_docs.
SENTENCE_WEIGHT = 0.01


@dataclass(frozen=True)
class Retrieved:
    """Ranked chunks plus how long each stage took (ms); `dense_skipped`: why the vector
    search was skipped (the vector store down), "" when it ran."""

    results: list[ScoredChunk]
    timings: dict[str, float] = field(default_factory=dict)
    dense_skipped: str = ""


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[Chunk]], weights: Sequence[float] | None = None
) -> list[ScoredChunk]:
    """Sum of weight / (RRF_K + rank) over the rankings (weights default to 1 each)."""
    scores: dict[str, float] = {}
    chunks: dict[str, Chunk] = {}
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings), strict=True):
        if weight <= 0.0:
            continue
        for rank, chunk in enumerate(ranking):
            scores[chunk.id] = scores.get(chunk.id, 0.0) + weight / (RRF_K + rank + 1)
            chunks[chunk.id] = chunk
    ordered = sorted(scores, key=lambda i: scores[i], reverse=True)
    return [ScoredChunk(chunks[i], scores[i]) for i in ordered]


def drop_near_duplicates(
    results: Sequence[ScoredChunk], window: int = CANDIDATE_WINDOW
) -> list[ScoredChunk]:
    """Keep the first of chunks whose words overlap almost entirely (Jaccard), among the
    first `window` results; the rest follow unchecked. The sentence pool (15) and the
    default top_k (10) stay well inside the window."""
    head = list(results[:window])
    near = _near_duplicate_pairs([word_set(r.chunk.text) for r in head])
    kept: list[int] = []
    for i in range(len(head)):
        if not near[i, kept].any():
            kept.append(i)
    return [head[i] for i in kept] + list(results[window:])


def _near_duplicate_pairs(sets: Sequence[frozenset[str]]) -> npt.NDArray[np.bool_]:
    """near[i, j]: Jaccard(sets[i], sets[j]) >= NEAR_DUPLICATE (two empty sets count as
    one). All pairs at once as a product of word-incidence matrices: comparing the sets
    pair by pair in Python took ~2 ms a search. In integers, which numpy multiplies
    itself: a float product goes to BLAS, whose threads wait for a core on a busy machine
    (33 ms of CPU a search at load 17, 2 ms so; docs/BENCHMARKS-LOG.md)."""
    columns = {word: i for i, word in enumerate(set().union(*sets))}
    held = [[columns[word] for word in words] for words in sets]
    incidence = np.zeros((len(sets), len(columns)), dtype=np.int32)
    for row, cols in enumerate(held):
        incidence[row, cols] = 1
    common = (incidence @ incidence.T).astype(np.float64)
    sizes = np.array([len(words) for words in sets], dtype=np.float64)
    union = sizes[:, None] + sizes[None, :] - common
    near: npt.NDArray[np.bool_] = common >= NEAR_DUPLICATE * union
    return near


def rerank_by_sentences(
    results: Sequence[ScoredChunk],
    best: Sequence[float],
    weight: float = SENTENCE_WEIGHT,
) -> list[ScoredChunk]:
    """Order the first len(best) results by fused rank prior plus best-sentence score;
    the rest keep their order behind them."""
    head = [(2.0 / (RRF_K + rank + 1) + weight * score, rank) for rank, score in enumerate(best)]
    head.sort(key=lambda pair: (-pair[0], pair[1]))
    ordered = [replace(results[rank], score=combined) for combined, rank in head]
    return ordered + list(results[len(best) :])


class Retriever:
    def __init__(
        self,
        index: IndexReader,
        embedder: Embedder,
        candidates: int = 40,
        reranker: CrossEncoderReranker | None = None,
        sentence_pool: int = SENTENCE_POOL,
        sentences: SentenceScorer | None = None,
        sentence_weight: float = SENTENCE_WEIGHT,
    ) -> None:
        self._index = index
        self._embedder = embedder
        self._candidates = candidates
        self._sentence_pool = sentence_pool
        self._sentence_weight = sentence_weight
        self._sentences = sentences or LexicalSentenceScorer()
        self._reranker = reranker
        self._skipped: set[str] = set()  # why dense search was skipped, each said once
        self._listed: tuple[int, list[IndexedDocument]] | None = None

    @property
    def index(self) -> IndexReader:
        """The index searched (whole-document answers read every chunk of a document)."""
        return self._index

    @property
    def embedder(self) -> Embedder:
        """The question encoder (also what answer checks embed with)."""
        return self._embedder

    def search(self, question: str, documents: Sequence[str] = ()) -> Retrieved:
        """Ranked chunks for the question; only from `documents` (absolute paths) when
        given, else from the documents the question names (`named_documents`), if any."""
        with self._index.reading():  # the shared index: one connection, no transactions
            return self._search(question, documents)

    def _search(self, question: str, documents: Sequence[str]) -> Retrieved:
        timings: dict[str, float] = {}
        documents = documents or named_documents(question, self._documents())
        started = time.perf_counter()
        vector = self._embedder.embed([question])[0]
        timings["embed_ms"] = _ms_since(started)
        started = time.perf_counter()
        # A Chinese question to an English-only model: its vectors would only pull the
        # lexical hits down (localqa/embedding/coverage.py), so they count for little or not.
        coverage = self._embedder.coverage
        weight = dense_weight(question, coverage.cjk, coverage.uncovered)
        dense, skipped = self._dense(vector, documents) if weight > 0.0 else ([], "")
        timings["dense_ms"] = _ms_since(started)
        started = time.perf_counter()
        store = self._index.lexical
        found = (
            store.search_documents(question, self._candidates, documents)
            if documents
            else store.search(question, self._candidates)
        )
        lexical = [c for c, _ in found]
        timings["lexical_ms"] = _ms_since(started)
        fused = drop_near_duplicates(reciprocal_rank_fusion([dense, lexical], [weight, 1.0]))
        if self._sentence_pool > 0:
            started = time.perf_counter()
            fused = self._by_sentences(question, vector, fused)
            timings["sentences_ms"] = _ms_since(started)
        if self._reranker is not None:
            started = time.perf_counter()
            fused = self._reranker.rerank(question, fused)
            timings["rerank_ms"] = _ms_since(started)
        return Retrieved(fused, timings, skipped)

    def context(self, results: Sequence[ScoredChunk], top_k: int, chars: int) -> list[ScoredChunk]:
        """What the model (or extraction) is given: `pack_context`, then CJK pieces widened
        by their neighbouring chunks within the same budget (packing.widen)."""
        packed = pack_context(results, top_k, chars)
        with self._index.reading():
            return widen(packed, chars, self._index.chunks.neighbours)

    def _documents(self) -> list[IndexedDocument]:
        """The catalog's documents, read again only when another connection has committed
        since (`data_version`): listing 2,000 documents took ~55 ms a search at load 10,
        the stamp a fraction of a millisecond (docs/BENCHMARKS-LOG.md)."""
        version = self._index.data_version()
        if self._listed is None or self._listed[0] != version:
            self._listed = (version, self._index.catalog.documents())
        return self._listed[1]

    def _dense(self, vector: Vectors, documents: Sequence[str]) -> tuple[list[Chunk], str]:
        """The dense hits, and "" (or why the vector store could not be searched)."""
        # within documents: among their chunks' ids (a moved document's vectors keep the
        # path they were embedded for: store/base.py VectorStore)
        among = (
            [c.id for path in documents for c in self._index.chunks.of_document(path)]
            if documents
            else None
        )
        try:
            hits = self._index.vectors.query(vector, self._candidates, among)
        except VectorStoreError as err:  # lexical search and extraction need no vectors
            if str(err) not in self._skipped:
                self._skipped.add(str(err))
                logging.getLogger("localqa").warning(
                    "dense search skipped, answering from lexical search only: %s", err
                )
            return [], " ".join(str(err).split())
        by_id = self._index.chunks.by_id([i for i, _ in hits])
        return [by_id[i] for i, _ in hits if i in by_id], ""  # invisible (mid-ingest) ids drop

    def _by_sentences(
        self, question: str, vector: Vectors, fused: list[ScoredChunk]
    ) -> list[ScoredChunk]:
        pool = fused[: self._sentence_pool]
        # Word rarity among the first 40 candidates: the tail of ~80 cost 2 ms more per
        # search and scored no better on SQuAD (0.9801 with it, 0.9804 without).
        candidates = [r.chunk for r in fused[:CANDIDATE_WINDOW]]
        scored = self._sentences.score(question, vector, candidates[: len(pool)], candidates)
        focused: list[ScoredChunk] = [
            FocusedChunk(r.chunk, r.score, s) for r, s in zip(pool, scored, strict=True)
        ]
        best = [max((s.score for s in sentences), default=0.0) for sentences in scored]
        return rerank_by_sentences(focused + fused[len(pool) :], best, self._sentence_weight)


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
