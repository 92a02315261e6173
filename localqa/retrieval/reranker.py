"""An optional cross-encoder reranker: a local sentence-transformers CrossEncoder folder."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from localqa.schema import ScoredChunk


class CrossEncoderReranker:
    """Re-scores (question, passage) pairs; the model loads on first use (torch: seconds)."""

    def __init__(self, model_dir: Path) -> None:
        self.model_dir = model_dir
        self._model: Any = None

    def rerank(self, question: str, results: Sequence[ScoredChunk]) -> list[ScoredChunk]:
        """`results` in the cross-encoder's order, each scored by it (higher is better)."""
        if self._model is None:
            from sentence_transformers import CrossEncoder

            self._model = CrossEncoder(str(self.model_dir), local_files_only=True)
        scores = self._model.predict([(question, r.chunk.embedding_text()) for r in results])
        ranked = sorted(zip(results, scores, strict=True), key=lambda p: float(p[1]), reverse=True)
        return [replace(r, score=float(s)) for r, s in ranked]
