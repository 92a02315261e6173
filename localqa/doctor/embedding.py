"""The doctor's embedding sections: which backend and precision embed documents and
questions, and how Chinese, Japanese and Korean text is searched."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from localqa.store.index import Index

if TYPE_CHECKING:
    from localqa.builder import Builder
    from localqa.store.base import IndexReader


def embedders(builder: Builder) -> dict[str, Any]:
    """Which backend embeds documents and questions, and why that precision (nothing is
    loaded, exported or measured)."""
    from localqa.embedding.cpu import cpu_info
    from localqa.embedding.onnx_encoder import OnnxEmbedder

    facts: dict[str, Any] = {"setting": builder.settings.embed_backend}
    facts["cpu"] = cpu_info().describe()
    with contextlib.ExitStack() as stack:
        index: Index | None = None
        if Index.exists(builder.settings.store):
            index = stack.enter_context(Index.open_existing(builder.settings.store, read_only=True))
        ingest = builder.embedder(index, measure=False)
        for role, embedder in (
            ("ingest", ingest),
            ("questions", builder.query_embedder(index)),
        ):
            facts[role] = f"{embedder.name} on {embedder.backend}"
            if isinstance(embedder, OnnxEmbedder):
                state = "" if embedder.onnx_file.is_file() else " (exported at first use)"
                facts[f"{role}_onnx_file"] = f"{embedder.onnx_file}{state}"
        if isinstance(ingest, OnnxEmbedder):
            facts["ingest_precision"] = _precision_line(builder, index)
    return facts


def _precision_line(builder: Builder, index: IndexReader | None) -> str:
    """The precision documents are embedded with and why; the CPU's measurement too where
    a setting or the index decided (nothing is measured here)."""
    choice = builder.ingest_precision(index, measure=False)
    if choice.pending:
        return (
            "int8 or fp32, whichever is faster here: the first ingest into a new index "
            "measures both (a second or two) and remembers it for this CPU"
        )
    line = f"{choice.precision}: {choice.reason}"
    if "measured on" in choice.reason:
        return line
    from localqa.embedding.calibration import calibrated

    s = builder.settings
    found = calibrated(s.embed_model, s.cache_dir, s.embed_batch_size, measure=False)
    return line if found is None else f"{line} (this CPU measured {found.reason})"


def search(builder: Builder) -> dict[str, Any]:
    """How Chinese, Japanese and Korean text is searched: by the embedding model too, or
    lexically only (localqa/embedding/coverage.py); and whether the index's lexical part
    already reads such text as bigrams."""
    from localqa.embedding.coverage import cjk_coverage, coverage_line
    from localqa.embedding.embedder import default_model_path

    model = builder.settings.embed_model
    folder = Path(model) if model else default_model_path()
    facts: dict[str, Any] = {"embedding_languages": coverage_line(cjk_coverage(folder))}
    if Index.exists(builder.settings.store):
        with Index.open_existing(builder.settings.store, read_only=True) as index:
            outdated = index.lexical.outdated()
        facts["lexical_index"] = (
            "outdated: CJK text (and words abbreviated as `ref.`) are not found lexically "
            "until `localqa ingest` re-indexes it (no document is re-read)"
            if outdated
            else "current: CJK text indexed as character bigrams, abbreviations as words"
        )
    return facts
