"""Each question through `ask`'s retrieval and packing (`Evaluator`), judged as a
`QuestionResult`: whether the context holds the answer or the evidence page, at which
rank, how long it took, how many characters and tokens the model would be shown."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from localqa.evaluation.matching import contains_answer, matches_evidence
from localqa.evaluation.questions import EvalQuestion, Evidence
from localqa.retrieval.retriever import Retriever
from localqa.schema import Chunk
from localqa.text import lexical_support

if TYPE_CHECKING:
    from localqa.embedding.embedder import Embedder
    from localqa.sections import RetrievalSettings
    from localqa.store.roots import PathMap


CHARS_PER_TOKEN = 4  # the usual rough figure for English when no tokenizer is at hand


def _first_rank(chunks: Sequence[Chunk], hit: Callable[[Chunk], bool]) -> int | None:
    return next((rank for rank, c in enumerate(chunks, start=1) if hit(c)), None)


@dataclass(frozen=True)
class QuestionResult:
    id: str
    question: str
    contexts: tuple[Chunk, ...]
    answer_hit: bool | None
    evidence_hit: bool | None
    answer_rank: int | None
    evidence_rank: int | None
    context_chars: int
    context_tokens: int
    retrieval_ms: float
    embed_ms: float
    reference_recall: float | None = None

    @property
    def first_hit_rank(self) -> int | None:
        """The answer's rank when gold answers are given (what the model needs), else the
        evidence page's: a right page without the answer is not a hit for SQuAD-like sets."""
        return self.answer_rank if self.answer_hit is not None else self.evidence_rank

    @property
    def judged(self) -> bool:
        return self.answer_hit is not None or self.evidence_hit is not None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "question": self.question,
            "contexts": [
                {"source": c.source, "page": c.page, "text": c.text} for c in self.contexts
            ],
            "answer_hit": self.answer_hit,
            "evidence_hit": self.evidence_hit,
            "answer_rank": self.answer_rank,
            "evidence_rank": self.evidence_rank,
            "first_hit_rank": self.first_hit_rank,
            "reference_recall": self.reference_recall,
            "context_chars": self.context_chars,
            "context_tokens": self.context_tokens,
            "retrieval_ms": self.retrieval_ms,
            "embed_ms": self.embed_ms,
        }


class Evaluator:
    """Runs questions through `ask`'s retrieval and packing with the given settings (the
    retrieval section: how many sources and characters)."""

    def __init__(
        self, settings: RetrievalSettings, retriever: Retriever, paths: PathMap | None = None
    ) -> None:
        self._settings = settings
        self._retriever = retriever
        self._paths = paths  # expected sources named by this machine's paths too
        self._count, self.token_method = _token_counter(retriever.embedder)

    def evaluate(self, q: EvalQuestion) -> QuestionResult:
        started = time.perf_counter()
        retrieved = self._retriever.search(q.question)
        s = self._settings
        contexts = self._retriever.context(retrieved.results, s.top_k, s.context_chars)
        packed = [r.chunk for r in contexts]
        elapsed = round((time.perf_counter() - started) * 1000, 2)
        ranked = [r.chunk for r in retrieved.results]
        answers, evidence = q.answers, q.evidence
        context = "\n".join(c.text for c in packed)
        return QuestionResult(
            id=q.id,
            question=q.question,
            contexts=tuple(packed),
            answer_hit=any(contains_answer(c.text, answers) for c in packed) if answers else None,
            evidence_hit=any(self._evidence(c, evidence) for c in packed) if evidence else None,
            answer_rank=_first_rank(ranked, lambda c: contains_answer(c.text, answers)),
            evidence_rank=_first_rank(ranked, lambda c: self._evidence(c, evidence)),
            context_chars=sum(len(c.text) for c in packed),
            context_tokens=sum(self._count(c.text) for c in packed),
            retrieval_ms=elapsed,
            embed_ms=float(retrieved.timings.get("embed_ms", 0.0)),
            reference_recall=lexical_support(q.reference, context) if q.reference else None,
        )

    def _evidence(self, chunk: Chunk, evidence: Sequence[Evidence]) -> bool:
        return matches_evidence(chunk, evidence, self._paths)


def _token_counter(embedder: Embedder) -> tuple[Callable[[str], int], str]:
    try:
        embedder.count_tokens("probe")
    except Exception:  # noqa: BLE001 - any tokenizer failure falls back to the estimate
        return (lambda text: -(-len(text) // CHARS_PER_TOKEN)), "chars/4 estimate"
    return embedder.count_tokens, f"{embedder.name} word pieces"
