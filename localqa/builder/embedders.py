"""The embedders the composition root makes (builder/__init__.py): which backend runs
them on this machine, at which precision documents are embedded and why, and the
question encoder that matches an index's vectors."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from localqa.config import Settings
    from localqa.embedding.embedder import Embedder
    from localqa.embedding.onnx_export import Precision
    from localqa.store.base import IndexReader


@dataclass(frozen=True)
class PrecisionChoice:
    """The precision documents are embedded with on ONNX Runtime and why (one line, for
    `doctor`); `pending`: not measured on this CPU yet (the first ingest into a new index
    measures; `precision` is then only today's default)."""

    precision: Precision
    reason: str
    pending: bool = False


class EmbedderParts:
    """`Builder`'s embedders, made from its `settings`."""

    settings: Settings

    def embedding_backend(self) -> str:
        """What `embed_backend` means on this machine: "torch", "onnx", "onnx-int8" or
        "onnx-auto" (auto: torch on an NVIDIA GPU, else ONNX Runtime at the precision
        `ingest_precision` gives), judged without torch."""
        from localqa.embedding.embedder import cuda_likely

        s = self.settings
        if s.embed_backend != "auto":
            return s.embed_backend
        gpu = s.embed_device.startswith("cuda") or (s.embed_device == "auto" and cuda_likely())
        return "torch" if gpu else "onnx-auto"

    def embedder(self, index: IndexReader | None = None, *, measure: bool = True) -> Embedder:
        """The document encoder for ingest, per `embedding_backend()` and, on ONNX Runtime,
        `ingest_precision(index, measure)`; torch for a model ONNX Runtime cannot serve."""
        from localqa.embedding.embedder import SentenceTransformerEmbedder
        from localqa.embedding.onnx_encoder import OnnxEmbedder
        from localqa.embedding.onnx_export import UnsupportedModel

        s = self.settings
        if self.embedding_backend() != "torch":
            try:
                precision = self.ingest_precision(index, measure=measure).precision
                return OnnxEmbedder(s.embed_model, precision, s.cache_dir, s.embed_batch_size)
            except UnsupportedModel as err:
                logging.getLogger("localqa").info("embedding with torch: %s", err)
        return SentenceTransformerEmbedder(s.embed_model, s.embed_device, s.embed_batch_size)

    def ingest_precision(
        self, index: IndexReader | None = None, *, measure: bool = True
    ) -> PrecisionChoice:
        """The precision ONNX Runtime embeds documents with, and why: the setting's when
        `embed_backend` names one; else the one `index` (or the embedded index's build
        record) was built with, which it keeps; else the one measured fastest on this CPU
        (localqa/embedding/calibration.py: measured now, a second or two, unless cached or
        `measure` is False: then int8, `pending`).
        Raises UnsupportedModel when the model cannot be exported for measuring."""
        from localqa.embedding.calibration import calibrated

        backend = self.embedding_backend()
        if backend in ("onnx-int8", "onnx"):
            precision: Precision = "int8" if backend == "onnx-int8" else "fp32"
            return PrecisionChoice(precision, f"embed_backend = {backend!r} says so")
        kept = self._kept_precision(index)
        if kept is not None:
            return PrecisionChoice(kept, f"the index was built with {kept} vectors: it keeps them")
        s = self.settings
        found = calibrated(s.embed_model, s.cache_dir, s.embed_batch_size, measure=measure)
        if found is None:
            return PrecisionChoice("int8", "not measured on this CPU yet", pending=True)
        return PrecisionChoice(
            found.precision, f"measured on {found.cpu} at {found.measured_at}: {found.reason}"
        )

    def _kept_precision(self, index: IndexReader | None) -> Precision | None:
        """The precision of the vectors `index` holds (None: it holds none); without
        `index`, the embedded index's build record's (read without opening it)."""
        if index is not None:
            if not index.chunks.count():
                return None
            return "int8" if index.embedder_precision() == "int8" else "fp32"
        from localqa.store.record import read_record

        recorded = read_record(self.settings.index_dir).get("precision")
        return "int8" if recorded == "int8" else "fp32" if recorded == "fp32" else None

    def query_embedder(self, index: IndexReader | None = None) -> Embedder:
        """The question encoder: ONNX Runtime on one thread (a question is a few dozen word
        pieces; more threads only wait on each other), at the precision `index` was built
        with (fp32 equals torch's vectors: tests/test_onnx_encoder.py); torch for a model
        ONNX Runtime cannot serve."""
        from localqa.embedding.onnx_encoder import OnnxEmbedder
        from localqa.embedding.onnx_export import UnsupportedModel

        s = self.settings
        backend = self.embedding_backend()
        if index is not None or backend != "torch":
            try:
                if index is not None:
                    precision: Precision = (
                        "int8" if index.embedder_precision() == "int8" else "fp32"
                    )
                else:  # as documents would be embedded (a cached measurement at most)
                    precision = self.ingest_precision(measure=False).precision
                return OnnxEmbedder(s.embed_model, precision, s.cache_dir, threads=1)
            except UnsupportedModel:
                pass
        from localqa.embedding.embedder import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(s.embed_model, s.embed_device, s.embed_batch_size)
