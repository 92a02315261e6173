"""Answer-in-context hit rate of `ask`'s retrieval at several context budgets and variants.

`localqa eval` measures one budget (the configured one), end to end; this script embeds all
questions once in a batch, retrieves once per question and variant with the real
`Retriever`, and packs the same ranked list at every budget with the real `pack_context`,
so variants are cheap to compare. Search times exclude the question's embedding (timed by
`localqa eval`). Needs an index built from the question set's documents, e.g. for SQuAD:

    localqa eval --from squad ../shared/eval/squad-dev-v2.0.json --out /tmp/squad
    LOCALQA_HOME=/tmp/sq localqa ingest /tmp/squad/docs --index squad
    python benchmarks/retrieval_quality.py /tmp/squad/questions.jsonl --home /tmp/sq \\
        --index squad --budgets 4:4000,8:4000 --variants rrf,lexical,dense

Variants: `rrf` (fusion only, no sentence step), `lexical` (what `ask` uses), `dense`
(lexical plus each pool sentence's cosine to the question, MiniLM through torch).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from localqa.config import load_settings
from localqa.embedding.embedder import SentenceTransformerEmbedder
from localqa.evaluation.matching import contains_answer
from localqa.evaluation.metrics import percentile
from localqa.evaluation.questions import EvalQuestion, load_questions
from localqa.retrieval.packing import Sentence, pack_context
from localqa.retrieval.retriever import SENTENCE_POOL, SENTENCE_WEIGHT, Retriever
from localqa.retrieval.scoring import LexicalSentenceScorer, SentenceScorer, sentence_spans
from localqa.schema import Chunk, Vectors
from localqa.store.base import IndexReader
from localqa.store.open import open_existing
from localqa.text import lexical_support

DENSE_SHARE = 0.5  # cosine's weight next to the lexical share (both 0..1)


class PrecomputedQuestions:
    """Hands the Retriever vectors computed in one batch; embeds anything else."""

    def __init__(self, embedder: SentenceTransformerEmbedder, questions: Sequence[str]) -> None:
        self._embedder = embedder
        self._vectors = dict(zip(questions, embedder.embed(list(questions)), strict=True))
        self.name, self.max_tokens = embedder.name, embedder.max_tokens
        self.tokenizer_file = embedder.tokenizer_file
        self.count_tokens = embedder.count_tokens
        self.coverage = embedder.coverage  # which scripts its vectors mean anything for

    def embed(self, texts: Sequence[str]) -> Vectors:
        if len(texts) == 1 and texts[0] in self._vectors:
            return np.asarray(self._vectors[texts[0]], dtype=np.float32).reshape(1, -1)
        return self._embedder.embed(texts)


class DenseSentenceScorer:
    """Lexical share plus cosine of each sentence to the question; vectors cached by chunk."""

    def __init__(self, embedder: SentenceTransformerEmbedder) -> None:
        self._embedder = embedder
        self._lexical = LexicalSentenceScorer()
        self._vectors: dict[str, Vectors] = {}

    def score(
        self, question: str, vector: Vectors, chunks: Sequence[Chunk], candidates: Sequence[Chunk]
    ) -> list[tuple[Sentence, ...]]:
        todo = [c for c in chunks if c.id not in self._vectors]
        spans = [sentence_spans(c.text) or [(0, len(c.text))] for c in todo]
        texts = [c.text[a:b] for c, s in zip(todo, spans, strict=True) for a, b in s]
        vectors = self._embedder.embed(texts) if texts else np.zeros((0, 1), np.float32)
        at = 0
        for chunk, chunk_spans in zip(todo, spans, strict=True):
            self._vectors[chunk.id] = vectors[at : at + len(chunk_spans)]
            at += len(chunk_spans)
        lexical = self._lexical.score(question, vector, chunks, candidates)
        return [
            tuple(
                Sentence(s.start, s.end, s.score + DENSE_SHARE * float(cos))
                for s, cos in zip(sentences, self._vectors[c.id] @ vector, strict=True)
            )
            for c, sentences in zip(chunks, lexical, strict=True)
        ]


def _hit(q: EvalQuestion, texts: list[str]) -> float:
    """Gold answer inside a packed text; else the share of the reference answer's words."""
    if q.answers:
        return float(any(contains_answer(t, q.answers) for t in texts))
    return lexical_support(q.reference, "\n".join(texts))


def _budgets(text: str) -> list[tuple[int, int]]:
    pairs = [part.split(":") for part in text.split(",") if part]
    return [(int(k), int(chars)) for k, chars in pairs]


def _retriever(
    variant: str,
    index: IndexReader,
    embedder: PrecomputedQuestions,
    model: SentenceTransformerEmbedder,
    args: argparse.Namespace,
) -> Retriever:
    if variant == "rrf":
        return Retriever(index, embedder, args.candidates, sentence_pool=0)
    scorer: SentenceScorer | None = DenseSentenceScorer(model) if variant == "dense" else None
    pool, weight = args.sentence_pool, args.sentence_weight
    return Retriever(
        index,
        embedder,
        args.candidates,
        sentences=scorer,
        sentence_pool=pool,
        sentence_weight=weight,
    )


def measure(
    variant: str,
    retriever: Retriever,
    questions: list[EvalQuestion],
    budgets: list[tuple[int, int]],
) -> None:
    keys = budgets
    hits = dict.fromkeys(keys, 0.0)
    chars = dict.fromkeys(keys, 0)
    latency: list[float] = []
    started = time.perf_counter()
    for q in questions:
        t0 = time.perf_counter()
        ranked = retriever.search(q.question).results
        latency.append((time.perf_counter() - t0) * 1000)
        for key in keys:
            packed = pack_context(ranked, *key)
            hits[key] += _hit(q, [r.chunk.text for r in packed])
            chars[key] += sum(len(r.chunk.text) for r in packed)
    n = max(len(questions), 1)
    metric = "answer_in_context" if questions and questions[0].answers else "reference_recall"
    p50, p95 = percentile(latency, 0.5), percentile(latency, 0.95)
    run = time.perf_counter() - started
    print(f"variant={variant} run={run:.0f}s search_ms p50={p50:.1f} p95={p95:.1f}")
    for key in keys:
        print(
            f"  top_k={key[0]:<3} chars={key[1]:<5} {metric}={hits[key] / n:.4f} "
            f"mean_chars={chars[key] / n:.0f}"
        )
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--home", required=True)
    parser.add_argument("--index", default="default")
    parser.add_argument("--budgets", default="4:4000,10:4000", help="top_k:chars,...")
    parser.add_argument("--variants", default="rrf,lexical", help="rrf, lexical, dense")
    parser.add_argument("--candidates", type=int, default=40)
    parser.add_argument("--sentence-pool", type=int, default=SENTENCE_POOL)
    parser.add_argument("--sentence-weight", type=float, default=SENTENCE_WEIGHT)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    settings = load_settings({"home": args.home, "index": args.index})
    index = open_existing(settings.store)  # embedded, or shared with LOCALQA_DATABASE_URL
    questions = [q for q in load_questions(args.questions) if q.answers or q.reference]
    questions = questions[: args.limit]
    model = SentenceTransformerEmbedder(device=args.device)
    embedder = PrecomputedQuestions(model, [q.question for q in questions])
    print(
        f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
        f"{len(os.sched_getaffinity(0))} cores; index={args.index} "
        f"chunks={index.chunks.count()} questions={len(questions)} "
        f"candidates={args.candidates} sentence_pool={args.sentence_pool} "
        f"sentence_weight={args.sentence_weight}"
    )
    for variant in args.variants.split(","):
        retriever = _retriever(variant, index, embedder, model, args)
        measure(variant, retriever, questions, _budgets(args.budgets))
    index.close()


if __name__ == "__main__":
    main()
