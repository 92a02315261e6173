"""What the first ingest with a cache folder does before it reads a file: export the
embedding model to ONNX (torch and transformers imported, ~12 s on 2 cores), make its int8
copy (~5 s) and measure which precision is faster on this CPU (~4 s; calibration.py).

None of it is reading or embedding documents, so the ingest report's time leaves it out;
the report says it apart (`prepare_seconds`), with what it was, so a first run that takes
30 s by the clock and reports 8 s is explained."""

from __future__ import annotations

from pathlib import Path

from localqa.embedding.onnx_export import Precision


def first_use_work(model: str, cache: Path, precision: Precision, measure: bool) -> list[str]:
    """What making the ingest embedder of `model` (a folder, "" = the packaged MiniLM) at
    `precision` will do first with `cache`, in words, in order; `measure`: the CPU is
    still to be measured (both precisions are needed). [] when all of it is cached, or
    when the model cannot be exported (torch embeds it: nothing to prepare)."""
    from localqa.embedding.onnx_encoder import OnnxEmbedder
    from localqa.embedding.onnx_export import UnsupportedModel

    try:
        files = {p: OnnxEmbedder(model, p, cache).onnx_file for p in ("fp32", "int8")}
    except UnsupportedModel:
        return []
    work = []
    if not files["fp32"].is_file():
        work.append("exported to ONNX")
    if (precision == "int8" or measure) and not files["int8"].is_file():
        work.append("its int8 copy made")
    if measure:
        work.append("this CPU measured for int8 against fp32")
    return work
