"""The ONNX Runtime embedder against the real torch model it replaces (all-MiniLM-L6-v2)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from localqa.builder import Builder
from localqa.config import Settings, default_cache, load_settings
from localqa.embedding.embedder import Embedder, SentenceTransformerEmbedder, default_model_path
from localqa.embedding.onnx_encoder import OnnxEmbedder
from localqa.embedding.onnx_export import UnsupportedModel, export_folder, inspect_model
from tests.conftest import ingest_paths

TEXTS = [
    "How many weeks of parental leave do employees get?",
    "Every employee who becomes a parent is entitled to 18 weeks of parental leave. " * 6,
    "ok",
    "Ünïcödé, emoji 🚢 and numbers 1,150 NOK / 4.90",
    "员工每年享有十五天带薪年假。",
    "word " * 400,  # longer than the model's 256 word pieces: cut exactly as torch cuts it
]


def test_fp32_vectors_equal_torch_and_int8_stay_close(
    torch_embedder: SentenceTransformerEmbedder,
) -> None:
    reference = torch_embedder.embed(TEXTS)
    fp32 = OnnxEmbedder("", "fp32", default_cache()).embed(TEXTS)
    int8 = OnnxEmbedder("", "int8", default_cache()).embed(TEXTS)
    assert fp32.shape == int8.shape == reference.shape == (len(TEXTS), 384)
    assert np.abs(fp32 - reference).max() < 1e-5
    cosines = (int8 * reference).sum(axis=1)
    assert cosines.min() > 0.95, cosines  # per-channel int8; per-tensor gave 0.91
    assert np.allclose(np.linalg.norm(int8, axis=1), 1.0, atol=1e-5)


def test_a_text_gets_the_same_vector_whatever_shares_its_batch() -> None:
    for precision, tolerance in (("int8", 0.0), ("fp32", 1e-5)):
        model = OnnxEmbedder("", precision, default_cache(), batch_size=4)  # type: ignore[arg-type]
        together = model.embed(TEXTS)
        alone = np.vstack([model.embed([text]) for text in TEXTS])
        assert np.abs(together - alone).max() <= tolerance, precision
        assert model.embed([]).shape[0] == 0


def test_int8_on_parallel_sessions_equals_the_question_embedder_to_the_bit() -> None:
    # ingest runs one single-threaded session per core; questions run on one such session
    ingest = OnnxEmbedder("", "int8", default_cache(), threads=3)
    questions = OnnxEmbedder("", "int8", default_cache(), threads=1)
    texts = TEXTS * 3  # more texts than sessions, of mixed lengths
    together = ingest.embed(texts)
    assert ingest.threads_used == 3
    assert sorted(ingest._sessions) == [(1, 0), (1, 1), (1, 2)]  # the parallel path ran
    assert np.array_equal(together, questions.embed(texts))
    assert np.array_equal(together[:1], ingest.embed(texts[:1]))  # one text: no pool
    assert np.array_equal(ingest.embed(texts, spare_cores=2), together)  # one session


def test_counts_and_names_match_the_torch_model(
    torch_embedder: SentenceTransformerEmbedder,
) -> None:
    fp32 = OnnxEmbedder("", "fp32", default_cache())
    assert [fp32.count_tokens(t) for t in TEXTS] == [torch_embedder.count_tokens(t) for t in TEXTS]
    assert fp32.max_tokens == torch_embedder.max_tokens == 256
    # equal vectors share a name (no re-embedding); int8 ones do not
    assert fp32.name == torch_embedder.name != OnnxEmbedder("", "int8", default_cache()).name


def test_attention_is_exported_as_plain_operations() -> None:
    import onnx

    graph = onnx.load(str(OnnxEmbedder("", "int8", default_cache()).prepare())).graph
    kinds = [node.op_type for node in graph.node]
    # SDPA's trace puts IsNaN/Where guards in every one of the 6 layers (13 Where nodes)
    # and ran 1.3-1.7x slower; the eager graph builds its mask once
    assert {"MatMulInteger", "Softmax"} <= set(kinds) and "IsNaN" not in kinds
    assert kinds.count("Where") < 6


def test_the_export_is_made_once_and_reused(tmp_path: Path) -> None:
    model = OnnxEmbedder("", "int8", tmp_path)
    first = model.prepare()
    assert first.parent == export_folder(inspect_model(default_model_path()), tmp_path)
    stamp = first.stat().st_mtime_ns
    assert OnnxEmbedder("", "int8", tmp_path).prepare().stat().st_mtime_ns == stamp
    assert not list(first.parent.glob("*.partial"))


def test_questions_are_embedded_without_torch(tmp_path: Path) -> None:
    code = (
        "import sys, json; from localqa.embedding.onnx_encoder import OnnxEmbedder; "
        "from localqa.config import default_cache; "
        "OnnxEmbedder('', 'int8', default_cache(), threads=1).embed(['hello']); "
        "print(json.dumps([m for m in ('torch', 'sentence_transformers', 'transformers') "
        "if m in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ
    )
    assert json.loads(out.stdout) == []


def test_other_pipelines_fall_back_to_torch(tmp_path: Path) -> None:
    model = tmp_path / "cls-pooled"
    shutil.copytree(default_model_path(), model)
    pooling = model / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    pooling.write_text(json.dumps({**config, "pooling_mode_mean_tokens": False}))
    with pytest.raises(UnsupportedModel):
        OnnxEmbedder(str(model), "int8", tmp_path)
    builder = Builder(load_settings({"embed_model": str(model), "home": tmp_path / "home"}))
    assert isinstance(builder.embedder(), SentenceTransformerEmbedder)
    assert isinstance(builder.query_embedder(), SentenceTransformerEmbedder)


def test_the_backend_setting_chooses_the_embedder(tmp_path: Path) -> None:
    def built(**overrides: str) -> Builder:
        return Builder(load_settings({"home": tmp_path, "embed_device": "cpu", **overrides}))

    assert built(embed_backend="auto").embedding_backend() == "onnx-auto"  # on a CPU
    assert built(embed_backend="onnx-int8").embedder().precision == "int8"
    assert built(embed_backend="onnx").embedder().precision == "fp32"
    assert isinstance(built(embed_backend="torch").embedder(), SentenceTransformerEmbedder)
    assert built(embed_backend="auto", embed_device="cuda").embedding_backend() == "torch"


def test_questions_use_the_precision_the_index_was_built_with(
    sample_index: Settings, tmp_path: Path
) -> None:
    builder = Builder(sample_index)
    with builder.existing_index() as index:
        assert index.embedder_precision() == "int8"  # the session's ingest embedder
        assert builder.query_embedder(index).precision == "int8"
    old = Builder(load_settings({"home": tmp_path}))
    fresh = old.index()  # no record: an index torch made before ONNX came
    assert old.query_embedder(fresh).precision == "fp32"
    fresh.note_embedder("all-MiniLM-L6-v2", "fp32")
    assert old.query_embedder(fresh).precision == "fp32"


def test_changing_the_backend_re_embeds_every_document(
    settings: Settings, docs: Path, embedder: Embedder
) -> None:
    fp32 = Builder(settings.model_copy(update={"embed_backend": "onnx"})).embedder()
    first = ingest_paths(settings, fp32, docs)
    assert len(first.added) == 10 and Builder(settings).index().embedder_precision() == "fp32"
    second = ingest_paths(settings, embedder, docs)
    assert len(second.updated) == 10 and not second.unchanged
    assert Builder(settings).index().embedder_precision() == "int8"


def test_an_export_that_cannot_be_written_is_one_line_with_the_way_out(tmp_path: Path) -> None:
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache folder should be")
    with pytest.raises(UnsupportedModel) as caught:
        OnnxEmbedder("", "int8", blocked).embed(["hello"])
    message = str(caught.value)
    assert "\n" not in message and "ONNX export failed" in message
    assert 'embed_backend = "torch"' in message
