"""A torch-free forward pass of BERT-family sentence-transformers models, for queries.

Importing torch and sentence-transformers costs 4-5 s on a small machine, longer than
the whole answer in extractive mode. A question is a few dozen tokens: numpy computes its
embedding from the very same weights (safetensors) and tokenizer (tokenizer.json) in
milliseconds. tests/test_fast_encoder.py proves the vectors match sentence-transformers.
Ingest keeps sentence-transformers (batched, and on the GPU when there is one).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from localqa.errors import LocalqaError

Array = npt.NDArray[np.float32]
# Abramowitz & Stegun 7.1.26: |error| < 1.5e-7, below float32 resolution at these scales
_ERF_P = 0.3275911
_ERF_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


class UnsupportedModel(LocalqaError):
    """The model is not a mean-pooled BERT; use sentence-transformers for it."""


def _erf(x: Array) -> Array:
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + _ERF_P * a)
    poly = t * (_ERF_A[0] + t * (_ERF_A[1] + t * (_ERF_A[2] + t * (_ERF_A[3] + t * _ERF_A[4]))))
    return np.asarray(sign * (1.0 - poly * np.exp(-a * a)), dtype=np.float32)


def _gelu(x: Array) -> Array:
    return np.asarray(0.5 * x * (1.0 + _erf(x / np.float32(np.sqrt(2.0)))), dtype=np.float32)


def _layer_norm(x: Array, weight: Array, bias: Array, eps: float) -> Array:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return np.asarray((x - mean) / np.sqrt(var + eps) * weight + bias, dtype=np.float32)


def _read_json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def check_supported(folder: Path) -> None:
    """Raise UnsupportedModel unless the folder is a mean-pooled, normalised BERT."""
    try:
        config = _read_json(folder / "config.json")
        pooling = _read_json(folder / "1_Pooling" / "config.json")
        modules = [m["type"].rsplit(".", 1)[-1] for m in _read_json_list(folder / "modules.json")]
    except (OSError, KeyError, ValueError) as err:
        raise UnsupportedModel(f"{folder}: {err}") from err
    if config.get("model_type") != "bert" or config.get("hidden_act") != "gelu":
        raise UnsupportedModel(f"{folder}: not a BERT model with GELU")
    if not pooling.get("pooling_mode_mean_tokens") or modules != [
        "Transformer", "Pooling", "Normalize",
    ]:  # fmt: skip
        raise UnsupportedModel(f"{folder}: pooling is not mean + normalise")
    if not (folder / "model.safetensors").is_file() or not (folder / "tokenizer.json").is_file():
        raise UnsupportedModel(f"{folder}: needs model.safetensors and tokenizer.json")


def _read_json_list(path: Path) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return data


class FastEncoder:
    """Mean-pooled, L2-normalised BERT sentence embeddings in numpy."""

    def __init__(self, folder: Path) -> None:
        check_supported(folder)
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        config = _read_json(folder / "config.json")
        st_config = _read_json(folder / "sentence_bert_config.json")
        self.max_tokens = int(st_config.get("max_seq_length", 512))
        self._heads = int(config["num_attention_heads"])
        self._layers = int(config["num_hidden_layers"])
        self._eps = float(config["layer_norm_eps"])
        self._w = load_file(str(folder / "model.safetensors"))
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.no_truncation()  # count_tokens must see the whole text
        self._tokenizer.no_padding()

    def count_tokens(self, text: str) -> int:
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)

    def embed(self, texts: Sequence[str], batch: int = 32) -> Array:
        from threadpoolctl import threadpool_limits

        # These matrices are small: BLAS threads cost more than they give, and far more
        # on a busy machine (one query: 24 ms on one thread, 670 ms on two, load 3.5).
        with threadpool_limits(limits=1, user_api="blas"):
            return self._embed(texts, batch)

    def _embed(self, texts: Sequence[str], batch: int) -> Array:
        encodings = self._tokenizer.encode_batch(list(texts))
        # similar lengths together, so padding wastes little work
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        out = np.zeros((len(encodings), self._p("embeddings.LayerNorm.weight").shape[0]),
                       dtype=np.float32)  # fmt: skip
        for start in range(0, len(order), batch):
            chosen = order[start : start + batch]
            out[chosen] = self._embed_batch([self._truncate(encodings[i].ids) for i in chosen])
        return out

    def _truncate(self, ids: list[int]) -> list[int]:
        """As sentence-transformers does: keep [CLS] and the first tokens, end with [SEP]."""
        return ids if len(ids) <= self.max_tokens else [*ids[: self.max_tokens - 1], ids[-1]]

    def _p(self, name: str) -> Array:
        return self._w[name]

    def _embed_batch(self, ids: list[list[int]]) -> Array:
        width = max(len(row) for row in ids)
        tokens = np.zeros((len(ids), width), dtype=np.int64)
        mask = np.zeros((len(ids), width), dtype=np.float32)
        for row, row_ids in enumerate(ids):
            tokens[row, : len(row_ids)] = row_ids
            mask[row, : len(row_ids)] = 1.0
        e = "embeddings."
        x = (
            self._p(e + "word_embeddings.weight")[tokens]
            + self._p(e + "position_embeddings.weight")[:width]
            + self._p(e + "token_type_embeddings.weight")[0]
        )
        x = _layer_norm(
            x, self._p(e + "LayerNorm.weight"), self._p(e + "LayerNorm.bias"), self._eps
        )
        # padding keys get a large negative score: softmax gives them no weight
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        for layer in range(self._layers):
            x = self._block(x, bias, f"encoder.layer.{layer}.")
        pooled = (x * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return np.asarray(pooled / norms, dtype=np.float32)

    def _dense(self, x: Array, name: str) -> Array:
        return np.asarray(
            x @ self._p(name + ".weight").T + self._p(name + ".bias"), dtype=np.float32
        )

    def _block(self, x: Array, bias: Array, prefix: str) -> Array:
        attention = prefix + "attention."
        batch, n, width = x.shape
        size = width // self._heads

        def heads(name: str) -> Array:
            projected = self._dense(x, attention + "self." + name)
            return projected.reshape(batch, n, self._heads, size).transpose(0, 2, 1, 3)

        q, k, v = heads("query"), heads("key"), heads("value")
        scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(size)) + bias
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        context = (scores / scores.sum(axis=-1, keepdims=True)) @ v
        context = context.transpose(0, 2, 1, 3).reshape(batch, n, width)
        out = attention + "output."
        x = _layer_norm(
            self._dense(context, out + "dense") + x,
            self._p(out + "LayerNorm.weight"), self._p(out + "LayerNorm.bias"), self._eps,
        )  # fmt: skip
        hidden = _gelu(self._dense(x, prefix + "intermediate.dense"))
        return _layer_norm(
            self._dense(hidden, prefix + "output.dense") + x,
            self._p(prefix + "output.LayerNorm.weight"), self._p(prefix + "output.LayerNorm.bias"),
            self._eps,
        )  # fmt: skip
