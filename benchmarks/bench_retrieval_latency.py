"""Retrieval latency at 1k, 10k and 100k chunks, query embedding excluded.

Run alone: `.venv/bin/python benchmarks/bench_retrieval_latency.py [--sizes 1000,10000,100000]
[--questions 100]`. Needs ../shared (or LOCALQA_SHARED): corpus text and SQuAD questions.
Prints one line per figure: `<benchmark> <subject> <figure> <value>`.

Indexes are built straight through the embedded index's parts (`Index.chunks.add`,
`Index.catalog.commit`, `Index.vectors.upsert`: localqa/store/), under LOCALQA_BENCH_CACHE
(default /tmp/localqa-bench) and reused by later runs. Chunk text is real prose: sentences
drawn from the 35 SQuAD dev articles, War and Peace, the State of the Union, a Wikipedia
article and an SEC 10-K, about 900 characters a chunk, each chunk from one source, so BM25's
term statistics are those of real text. Vectors are random unit vectors (384 dimensions, as
all-MiniLM-L6-v2): embedding 100k chunks at ~85 chunks/s on this machine would take 20
minutes, and HNSW search costs the same whatever the vectors mean.

Questions are SQuAD dev questions about those articles. `Retriever.search` runs with a stub
embedder that returns random unit vectors, so its time is retrieval alone: Chroma query,
catalog row fetch, BM25 search (from the array copy that an ingest leaves, as in use),
fusion, near-duplicate removal and the (lexical) sentence step. The real query embedding
(the ONNX Runtime query embedder `localqa ask` uses) is measured apart. Then each part is timed on
its own (raw Chroma query, VectorStore.count, ChunkReader.by_id, the bare FTS5 MATCH, fusion,
near-duplicate removal) to show where the time goes, and the array copy is rewritten,
timed, and checked against FTS5's own ranking.
"""

from __future__ import annotations

import argparse
import html
import json
import math
import random
import re
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from common import CACHE, SHARED, figure, load_average

HOME = CACHE / "retrieval"
SQUAD = SHARED / "eval/squad-dev-v2.0.json"
TEXTS = {
    "War and Peace": SHARED / "corpus/unstructured/txt/book-war-and-peace-1225p.txt",
    "State of the Union": SHARED / "corpus/privategpt/state_of_the_union.txt",
    "Norwich City F.C.": SHARED / "corpus/unstructured/txt/norwich-city.txt",
    "Form 10-K": SHARED / "corpus/unstructured/html/example-10k.html",
}
DIM = 384
CHUNK_CHARS = 900
CHUNKS_PER_DOC = 50
UPSERT_BATCH = 5000
SEED = 7
HEAD = 30  # near-duplicate removal limited to this many fused candidates (a suggestion)

from localqa.embedding.coverage import Coverage  # noqa: E402
from localqa.retrieval.retriever import (  # noqa: E402
    NEAR_DUPLICATE,
    WORDS,
    Retriever,
    drop_near_duplicates,
    reciprocal_rank_fusion,
)
from localqa.schema import Chunk, ScoredChunk  # noqa: E402
from localqa.sentences import split_sentences  # noqa: E402


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


def summary(subject: str, name: str, values: Sequence[float]) -> None:
    figure("retrieval", subject, f"{name}_p50_ms", percentile(values, 50))
    figure("retrieval", subject, f"{name}_p95_ms", percentile(values, 95))


# The corpus and the questions -------------------------------------------------------------


def squad() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(SQUAD.read_text(encoding="utf-8"))["data"]
    return data


def sources() -> dict[str, list[str]]:
    """Sentences of each real text, by title."""
    out: dict[str, list[str]] = {}
    for article in squad():
        text = "\n\n".join(p["context"] for p in article["paragraphs"])
        out[article["title"].replace("_", " ")] = split_sentences(text)
    for title, path in TEXTS.items():
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".html":
            text = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", text)
            text = html.unescape(re.sub(r"<[^>]+>", "\n", text))
        sentences = [s for s in split_sentences(text) if len(s) > 20]
        if sentences:
            out[title] = sentences
    return out


def questions(count: int) -> list[str]:
    pool = [qa["question"] for a in squad() for p in a["paragraphs"] for qa in p["qas"]]
    return random.Random(SEED).sample(pool, count)


def make_chunks(n: int, texts: dict[str, list[str]]) -> list[list[Chunk]]:
    """`n` chunks in documents of CHUNKS_PER_DOC; each document draws from one source, each
    chunk ~CHUNK_CHARS of sentences from a 200-sentence neighbourhood (so chunks are on a
    topic, yet not copies of one another)."""
    rng = random.Random(SEED)
    titles = sorted(texts)
    docs: list[list[Chunk]] = []
    made = 0
    while made < n:
        d = len(docs)
        title = titles[d % len(titles)]
        sentences = texts[title]
        slug = re.sub(r"\W+", "-", title).lower()
        abs_path = f"/bench/docs/{d:05d}-{slug}.txt"
        chunks: list[Chunk] = []
        line = 1
        for _ in range(min(CHUNKS_PER_DOC, n - made)):
            start = rng.randrange(max(1, len(sentences) - 200))
            window = sentences[start : start + 200]
            picked: list[str] = []
            while sum(len(s) + 1 for s in picked) < CHUNK_CHARS:
                picked.append(rng.choice(window))
            text = " ".join(picked)
            i = len(chunks)
            chunks.append(
                Chunk(
                    id=f"d{d:05d}c{i:02d}",
                    text=text,
                    source=abs_path.removeprefix("/bench/"),
                    abs_path=abs_path,
                    page=1 + i // 3,
                    line_start=line,
                    line_end=line + 12,
                    char_start=i * CHUNK_CHARS,
                    char_end=i * CHUNK_CHARS + len(text),
                    doc_hash=f"h{d:05d}",
                    title=title,
                    section=f"Part {1 + i // 10}",
                )
            )
            line += 13
        docs.append(chunks)
        made += len(chunks)
    return docs


# The index -------------------------------------------------------------------------------


def settings_for(n: int) -> Any:
    from localqa.config import load_settings

    return load_settings({"home": HOME, "index": f"synthetic-{n}"}, environ={})


def build_index(n: int, texts: dict[str, list[str]]) -> Any:
    """The cached index of `n` chunks, built when absent or incomplete."""
    import shutil

    from localqa.schema import IndexedDocument
    from localqa.store.index import Index

    settings = settings_for(n)
    index = Index(settings.store)
    if index.chunks.count() == n and index.vectors.count() == n:
        figure("retrieval", f"{n}", "index", f"{index.path} (cached)")
        index.lexical.refresh_arrays()  # as an ingest leaves it
        return index
    index.close()
    shutil.rmtree(settings.index_dir, ignore_errors=True)
    index = Index(settings.store)
    rng = np.random.default_rng(SEED)
    started = time.perf_counter()
    docs = make_chunks(n, texts)
    made_s = time.perf_counter() - started
    catalog_s = vectors_s = 0.0
    pending: list[Chunk] = []
    for chunks in docs:
        started = time.perf_counter()
        index.chunks.add(chunks)
        first = chunks[0]
        index.catalog.commit(
            IndexedDocument(
                abs_path=first.abs_path,
                source=first.source,
                root="/bench",
                doc_hash=first.doc_hash,
                size=sum(len(c.text) for c in chunks),
                mtime_ns=0,
                title=first.title,
                last_page=chunks[-1].page,
                ingested_at="2025-01-01T00:00:00",
            )
        )
        catalog_s += time.perf_counter() - started
        pending += chunks
        if len(pending) >= UPSERT_BATCH or chunks is docs[-1]:
            vectors = unit_vectors(rng, len(pending))
            started = time.perf_counter()
            index.vectors.upsert([c.id for c in pending], vectors, [c.abs_path for c in pending])
            vectors_s += time.perf_counter() - started
            pending = []
    figure("retrieval", f"{n}", "build_text_s", made_s)
    figure("retrieval", f"{n}", "build_catalog_s", catalog_s)
    figure("retrieval", f"{n}", "build_chroma_s", vectors_s)
    figure("retrieval", f"{n}", "build_load_average", load_average())
    index.lexical.refresh_arrays()  # as an ingest leaves it
    return index


def unit_vectors(rng: np.random.Generator, n: int) -> np.ndarray[Any, np.dtype[np.float32]]:
    vectors = rng.standard_normal((n, DIM), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


class RandomEmbedder:
    """Stands in for the embedder inside Retriever.search: random unit vectors, ~free."""

    name = "random"
    max_tokens = 256
    tokenizer_file = None
    coverage = Coverage(True, "random vectors")

    def __init__(self) -> None:
        self._rng = np.random.default_rng(SEED)

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def embed(self, texts: Sequence[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        return unit_vectors(self._rng, len(texts))


# The measurements ------------------------------------------------------------------------


@dataclass
class Parts:
    total: list[float]
    dense: list[float]
    lexical: list[float]
    sentences: list[float]
    fusion: list[float]


def time_searches(index: Any, asked: list[str]) -> Parts:
    """Retriever.search per question, minus the stub's embed step. `fusion` is the rest:
    reciprocal rank fusion, near-duplicate removal."""
    embedder = RandomEmbedder()
    retriever = Retriever(index, embedder)
    parts = Parts([], [], [], [], [])
    for question in asked:
        started = time.perf_counter()
        result = retriever.search(question)
        wall = (time.perf_counter() - started) * 1000
        t = result.timings
        total = wall - t["embed_ms"]
        parts.total.append(total)
        parts.dense.append(t["dense_ms"])
        parts.lexical.append(t["lexical_ms"])
        parts.sentences.append(t.get("sentences_ms", 0.0))
        parts.fusion.append(total - t["dense_ms"] - t["lexical_ms"] - t.get("sentences_ms", 0.0))
    return parts


def drop_near_duplicates_prefix(results: Sequence[ScoredChunk]) -> list[ScoredChunk]:
    """The same result as retrieval.drop_near_duplicates over all results (checked below; by
    default it checks the first 40 only), without comparing
    every pair: prefix filtering, as in set-similarity joins. With the words of every set in
    one fixed order (rarest among the candidates first), two sets with Jaccard >= t share a
    word among the first |x| - ceil(t * |x|) + 1 words of each; only kept sets sharing such
    a word are compared exactly. (A suggested fix; floor for ceil keeps one more word.)"""
    all_words = [frozenset(WORDS.findall(r.chunk.text.lower())) for r in results]
    frequency = Counter(word for words in all_words for word in words)
    rank = {w: i for i, w in enumerate(sorted(frequency, key=lambda w: (frequency[w], w)))}
    kept: list[ScoredChunk] = []
    sets: list[frozenset[str]] = []
    by_word: dict[str, list[int]] = {}
    empty_kept = False
    for result, words in zip(results, all_words, strict=True):
        if not words:  # Jaccard with an empty set is 1.0 only against another empty set
            if not empty_kept:
                empty_kept = True
                kept.append(result)
            continue
        size = len(words) - math.floor(NEAR_DUPLICATE * len(words)) + 1
        prefix = sorted(words, key=rank.__getitem__)[:size]
        near = {j for word in prefix for j in by_word.get(word, ())}
        if any(len(words & sets[j]) / len(words | sets[j]) >= NEAR_DUPLICATE for j in near):
            continue
        for word in prefix:
            by_word.setdefault(word, []).append(len(sets))
        sets.append(words)
        kept.append(result)
    return kept


def timed(call: Callable[..., object], *args: Any, **kwargs: Any) -> float:
    """Milliseconds that call(*args, **kwargs) takes."""
    started = time.perf_counter()
    call(*args, **kwargs)
    return (time.perf_counter() - started) * 1000


def fetch_all(db: sqlite3.Connection, sql: str, *params: object) -> list[Any]:
    return db.execute(sql, params).fetchall()


def word_sets(results: Sequence[ScoredChunk]) -> list[frozenset[str]]:
    return [frozenset(WORDS.findall(r.chunk.text.lower())) for r in results]


def drop_near_duplicates_head(results: Sequence[ScoredChunk]) -> list[ScoredChunk]:
    """Near-duplicate removal over the first HEAD candidates only (a suggestion)."""
    return drop_near_duplicates(results[:HEAD]) + list(results[HEAD:])


def breakdown(n: int, index: Any, asked: list[str]) -> None:
    """Each step of a search on its own, to find where the time goes."""
    from localqa.store.fts import fts_query

    subject = f"{n}"
    rng = np.random.default_rng(SEED + 1)
    collection = index.vectors._collection
    db = sqlite3.connect(f"file:{index.path / 'catalog.sqlite'}?mode=ro", uri=True)
    raw_q, count, query, fetch, lexical, fts, fts_rows = [], [], [], [], [], [], []
    rrf, dedupe, sets, head, prefixed = [], [], [], [], []
    matched: list[int] = []
    fused_sizes: list[int] = []
    for question in asked:
        vector = unit_vectors(rng, 1)
        raw_q.append(
            timed(collection.query, query_embeddings=vector, n_results=40, include=["distances"])
        )
        count.append(timed(index.vectors.count))
        started = time.perf_counter()
        hits = index.vectors.query(vector[0], 40)
        query.append((time.perf_counter() - started) * 1000)
        ids = [i for i, _ in hits]
        fetch.append(timed(index.chunks.by_id, ids))
        lexical.append(timed(index.lexical.search, question, 40))
        by_id = index.chunks.by_id(ids)
        dense = [by_id[i] for i in ids if i in by_id]
        found = [c for c, _ in index.lexical.search(question, 40)]
        rrf.append(timed(reciprocal_rank_fusion, [dense, found]))
        fused = reciprocal_rank_fusion([dense, found])
        fused_sizes.append(len(fused))
        dedupe.append(timed(drop_near_duplicates, fused))
        sets.append(timed(word_sets, fused))
        head.append(timed(drop_near_duplicates_head, fused))
        prefixed.append(timed(drop_near_duplicates_prefix, fused))
        if drop_near_duplicates_prefix(fused) != drop_near_duplicates(fused, len(fused)):
            sys.exit("drop_near_duplicates_prefix differs from drop_near_duplicates")
        match = fts_query(question)
        if not match:
            continue
        sql = (
            "SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ? "
            "ORDER BY bm25(chunks_fts) LIMIT 40"
        )
        fts.append(timed(fetch_all, db, sql, match))
        started = time.perf_counter()
        rows = db.execute("SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?", (match,))
        matched.append(int(rows.fetchone()[0]))
        fts_rows.append((time.perf_counter() - started) * 1000)
    db.close()
    summary(subject, "part_chroma_collection_query", raw_q)
    summary(subject, "part_vectorstore_count", count)
    summary(subject, "part_vectorstore_query", query)
    summary(subject, "part_catalog_chunks_by_id", fetch)
    summary(subject, "part_catalog_lexical_search", lexical)
    summary(subject, "part_fts5_match_bm25_top40", fts)
    summary(subject, "part_fts5_match_count_all", fts_rows)
    summary(subject, "part_reciprocal_rank_fusion", rrf)
    summary(subject, "part_drop_near_duplicates", dedupe)
    summary(subject, "part_drop_near_duplicates_word_sets_only", sets)
    summary(subject, f"part_drop_near_duplicates_first_{HEAD}_only", head)
    summary(subject, "part_drop_near_duplicates_prefix_filter", prefixed)
    figure("retrieval", subject, "fused_candidates_p50", f"{percentile(fused_sizes, 50):.0f}")
    figure("retrieval", subject, "fts5_rows_matched_p50", f"{percentile(matched, 50):.0f}")
    figure("retrieval", subject, "fts5_rows_matched_p95", f"{percentile(matched, 95):.0f}")
    figure("retrieval", subject, "fts5_share_of_chunks_matched_p50", percentile(matched, 50) / n)


def lexical_copy(n: int, index: Any, asked: list[str]) -> None:
    """The array copy of the BM25 index (localqa/store/lexical.py): how long writing it takes
    (as at the end of an ingest), its size, and its searches against FTS5's on the same
    questions (results must be identical: same chunks, same order, same scores)."""
    import shutil

    subject = f"{n}"
    shutil.rmtree(index.lexical.arrays_dir, ignore_errors=True)
    started = time.perf_counter()
    index.lexical.refresh_arrays()
    figure("retrieval", subject, "lexical_copy_write_s", time.perf_counter() - started)
    size = sum(f.stat().st_size for f in index.lexical.arrays_dir.rglob("*") if f.is_file())
    figure("retrieval", subject, "lexical_copy_mb", size / 1e6)
    lexical = index.lexical
    arrays, fts5 = [], []
    same = 0
    for question in asked:
        arrays.append(timed(lexical.search, question, 40))
        fts5.append(timed(lexical.fts5_search, question, 40))
        same += [(c.id, s) for c, s in lexical.search(question, 40)] == [
            (c.id, s) for c, s in lexical.fts5_search(question, 40)
        ]
    summary(subject, "lexical_search_arrays", arrays)
    summary(subject, "lexical_search_fts5_only", fts5)
    figure("retrieval", subject, "lexical_arrays_identical_to_fts5", f"{same}/{len(asked)}")


def query_embedding(asked: list[str]) -> None:
    """What the real query embedder (as `localqa ask` uses it) costs per question."""
    from localqa.builder import Builder

    embedder = Builder.from_options().query_embedder()
    embedder.embed(["warm up"])
    summary("embedder", "query_embedding", [timed(embedder.embed, [q]) for q in asked])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--no-embedder", action="store_true", help="skip the query embedding")
    args = parser.parse_args()
    if not SQUAD.is_file():
        sys.exit(f"{SQUAD} not found: this benchmark needs ../shared")
    texts = sources()
    asked = questions(args.questions)
    figure("retrieval", "corpus", "sources", str(len(texts)))
    figure("retrieval", "corpus", "sentences", str(sum(len(s) for s in texts.values())))
    figure("retrieval", "corpus", "questions", str(len(asked)))
    for n in (int(s) for s in args.sizes.split(",")):
        subject = f"{n}"
        index = build_index(n, texts)
        figure("retrieval", subject, "chunks", str(index.chunks.count()))
        figure("retrieval", subject, "load_average_before", load_average())
        started = time.perf_counter()
        Retriever(index, RandomEmbedder()).search(asked[0])
        figure("retrieval", subject, "first_search_ms", (time.perf_counter() - started) * 1000)
        time_searches(index, asked)  # warm: Chroma's HNSW and SQLite's pages in memory
        parts = time_searches(index, asked)
        summary(subject, "search_without_embedding", parts.total)
        summary(subject, "dense", parts.dense)
        summary(subject, "lexical", parts.lexical)
        summary(subject, "sentences", parts.sentences)
        summary(subject, "fusion_dedupe_rerank", parts.fusion)
        breakdown(n, index, asked)
        lexical_copy(n, index, asked)
        figure("retrieval", subject, "load_average_after", load_average())
        index.close()
    if not args.no_embedder:
        query_embedding(asked)
        figure("retrieval", "embedder", "load_average_after", load_average())


if __name__ == "__main__":
    main()
