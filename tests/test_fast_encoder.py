"""The torch-free query encoder gives sentence-transformers' vectors (the real model)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from localqa.embedding.embedder import (
    FastQueryEmbedder,
    SentenceTransformerEmbedder,
    default_model_path,
)
from localqa.embedding.fast_encoder import FastEncoder, UnsupportedModel

TEXTS = [
    "How many weeks of parental leave do employees get?",
    "Every employee who becomes a parent is entitled to 18 weeks of parental leave. " * 6,
    "ok",
    "Ünïcödé, emoji 🚢 and numbers 1,150 NOK / 4.90",
    "word " * 400,  # longer than the model's 256 tokens: truncated exactly as ST does
]


def test_vectors_match_sentence_transformers(embedder: SentenceTransformerEmbedder) -> None:
    fast = FastQueryEmbedder()
    ours, reference = fast.embed(TEXTS), embedder.embed(TEXTS)
    assert ours.shape == reference.shape == (len(TEXTS), 384)
    assert np.abs(ours - reference).max() < 1e-5
    assert [fast.count_tokens(t) for t in TEXTS] == [embedder.count_tokens(t) for t in TEXTS]
    assert fast.max_tokens == embedder.max_tokens and fast.name == embedder.name


def test_answering_side_imports_no_torch() -> None:
    code = (
        "import sys, json; from localqa.embedding.embedder import FastQueryEmbedder; "
        "FastQueryEmbedder().embed(['hello']); "
        "print(json.dumps([m for m in ('torch', 'sentence_transformers') if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_other_architectures_are_refused(tmp_path: Path) -> None:
    model = tmp_path / "m"
    model.mkdir()
    (model / "config.json").write_text(json.dumps({"model_type": "xlm-roberta"}))
    with pytest.raises(UnsupportedModel):
        FastEncoder(model)
    assert (default_model_path() / "model.safetensors").is_file()
