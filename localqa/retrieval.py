"""Hybrid retrieval: dense (Chroma) and lexical (BM25) results fused by reciprocal rank."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from localqa.schema import Chunk, ScoredChunk

if TYPE_CHECKING:
    from localqa.embedder import Embedder
    from localqa.index import Index

RRF_K = 60
NEAR_DUPLICATE = 0.9
WORDS = re.compile(r"\w+")


@dataclass(frozen=True)
class Retrieved:
    """Ranked chunks plus how long each stage took (ms)."""

    results: list[ScoredChunk]
    timings: dict[str, float] = field(default_factory=dict)


def reciprocal_rank_fusion(rankings: Sequence[Sequence[Chunk]]) -> list[ScoredChunk]:
    scores: dict[str, float] = {}
    chunks: dict[str, Chunk] = {}
    for ranking in rankings:
        for rank, chunk in enumerate(ranking):
            scores[chunk.id] = scores.get(chunk.id, 0.0) + 1.0 / (RRF_K + rank + 1)
            chunks[chunk.id] = chunk
    ordered = sorted(scores, key=lambda i: scores[i], reverse=True)
    return [ScoredChunk(chunks[i], scores[i]) for i in ordered]


def _word_set(text: str) -> frozenset[str]:
    return frozenset(WORDS.findall(text.lower()))


def drop_near_duplicates(results: Sequence[ScoredChunk]) -> list[ScoredChunk]:
    """Keep the first of chunks whose words overlap almost entirely (Jaccard)."""
    kept: list[tuple[ScoredChunk, frozenset[str]]] = []
    for result in results:
        words = _word_set(result.chunk.text)
        if any(_jaccard(words, seen) >= NEAR_DUPLICATE for _, seen in kept):
            continue
        kept.append((result, words))
    return [r for r, _ in kept]


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else float(a == b)


def pack_by_chars(results: Sequence[ScoredChunk], top_k: int, chars: int) -> list[ScoredChunk]:
    """The best chunks that fit both top_k and the character budget (at least one)."""
    packed: list[ScoredChunk] = []
    used = 0
    for result in results:
        size = len(result.chunk.text)
        if packed and (len(packed) >= top_k or used + size > chars):
            break
        packed.append(result)
        used += size
    return packed


class Retriever:
    def __init__(
        self, index: Index, embedder: Embedder, candidates: int = 40, reranker: str = ""
    ) -> None:
        self._index = index
        self._embedder = embedder
        self._candidates = candidates
        self._reranker_path = reranker
        self._reranker: Any = None

    def search(self, question: str) -> Retrieved:
        timings: dict[str, float] = {}
        started = time.perf_counter()
        vector = self._embedder.embed([question])[0]
        timings["embed_ms"] = _ms_since(started)
        started = time.perf_counter()
        hits = self._index.vectors.query(vector, self._candidates)
        by_id = self._index.catalog.chunks_by_id([i for i, _ in hits])
        dense = [by_id[i] for i, _ in hits if i in by_id]  # invisible (mid-ingest) ids drop out
        timings["dense_ms"] = _ms_since(started)
        started = time.perf_counter()
        lexical = [c for c, _ in self._index.catalog.lexical_search(question, self._candidates)]
        timings["lexical_ms"] = _ms_since(started)
        fused = drop_near_duplicates(reciprocal_rank_fusion([dense, lexical]))
        if self._reranker_path:
            started = time.perf_counter()
            fused = self._rerank(question, fused)
            timings["rerank_ms"] = _ms_since(started)
        return Retrieved(fused, timings)

    def _rerank(self, question: str, results: list[ScoredChunk]) -> list[ScoredChunk]:
        if self._reranker is None:
            from sentence_transformers import CrossEncoder

            self._reranker = CrossEncoder(str(Path(self._reranker_path)), local_files_only=True)
        scores = self._reranker.predict([(question, r.chunk.embedding_text()) for r in results])
        ranked = sorted(zip(results, scores, strict=True), key=lambda p: float(p[1]), reverse=True)
        return [ScoredChunk(r.chunk, float(s)) for r, s in ranked]


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
