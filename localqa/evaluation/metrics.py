"""The figures over a question set: answer and evidence hit rates, recall@k and MRR of
the first hit's rank, reference recall, context sizes, and retrieval times as nearest-rank
percentiles (ms)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from localqa.evaluation.runner import QuestionResult
    from localqa.sections import RetrievalSettings


RECALL_AT = (1, 5, 10)


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def _mean(values: Sequence[float], digits: int = 4) -> float | None:
    return round(sum(values) / len(values), digits) if values else None


def _spread(values: Sequence[float]) -> dict[str, float]:
    return {"p50": percentile(values, 0.5), "p95": percentile(values, 0.95)}


def summarise(
    results: Sequence[QuestionResult], settings: RetrievalSettings, token_method: str
) -> dict[str, Any]:
    ranks = [r.first_hit_rank for r in results if r.judged]
    summary: dict[str, Any] = {
        "questions": len(results),
        "judged": len(ranks),
        "budget": {"top_k": settings.top_k, "context_chars": settings.context_chars},
        "answer_hit_rate": _mean([r.answer_hit for r in results if r.answer_hit is not None]),
        "evidence_hit_rate": _mean([r.evidence_hit for r in results if r.evidence_hit is not None]),
    }
    for k in RECALL_AT:
        summary[f"recall@{k}"] = _mean([rank is not None and rank <= k for rank in ranks])
    summary["mrr"] = _mean([1 / r if r else 0.0 for r in ranks])
    summary["reference_recall"] = _mean(
        [r.reference_recall for r in results if r.reference_recall is not None]
    )
    summary["mean_context_chars"] = _mean([r.context_chars for r in results], 1)
    summary["mean_context_tokens"] = _mean([r.context_tokens for r in results], 1)
    summary["tokens_counted_with"] = token_method
    summary["retrieval_ms"] = _spread([r.retrieval_ms for r in results])
    summary["embed_ms"] = _spread([r.embed_ms for r in results])
    return summary
