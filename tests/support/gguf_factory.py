"""Write random-weight Llama GGUF files that carry Llama-2's real tokenizer.

Speed and prompt handling depend on a model's shape and vocabulary, not on its weight
values, so tests (tiny shape) and benchmarks (Llama-2-7B shape) can use a model built here
from `ggml-vocab-llama-spm.gguf`, a vocab-only GGUF with Llama-2's 32k SentencePiece vocab.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import gguf
import numpy as np


@dataclass(frozen=True)
class LlamaShape:
    n_layer: int
    n_embd: int
    n_head: int
    n_ff: int
    n_ctx_train: int


SHAPES: dict[str, LlamaShape] = {
    "tiny": LlamaShape(n_layer=2, n_embd=64, n_head=4, n_ff=128, n_ctx_train=2048),
    "llama2-7b": LlamaShape(n_layer=32, n_embd=4096, n_head=32, n_ff=11008, n_ctx_train=4096),
}

# Llama-2's RMS-norm epsilon; small random weights keep activations tame.
RMS_EPS = 1e-5
WEIGHT_STD = 0.02


def _copy_tokenizer(writer: gguf.GGUFWriter, vocab_gguf: Path) -> int:
    """Copy every `tokenizer.*` key (scalars and arrays) verbatim; return the vocab size."""
    reader = gguf.GGUFReader(vocab_gguf)
    n_vocab = 0
    for key, field in reader.fields.items():
        if not key.startswith("tokenizer."):
            continue
        main_type = field.types[0]
        value: Any = field.contents()
        if main_type == gguf.GGUFValueType.ARRAY:
            writer.add_key_value(key, value, main_type, sub_type=field.types[-1])
            if key == "tokenizer.ggml.tokens":
                n_vocab = len(value)
        else:
            writer.add_key_value(key, value, main_type)
    if n_vocab == 0:
        raise ValueError(f"{vocab_gguf} has no tokenizer.ggml.tokens")
    return n_vocab


def _add_hparams(writer: gguf.GGUFWriter, shape: LlamaShape, n_vocab: int, f16: bool) -> None:
    # named as a Llama-2 chat model: with no chat template, that selects Llama-2's layout
    writer.add_name("localqa-test-llama-2-chat")
    writer.add_context_length(shape.n_ctx_train)
    writer.add_embedding_length(shape.n_embd)
    writer.add_block_count(shape.n_layer)
    writer.add_feed_forward_length(shape.n_ff)
    writer.add_head_count(shape.n_head)
    writer.add_head_count_kv(shape.n_head)
    writer.add_rope_dimension_count(shape.n_embd // shape.n_head)
    writer.add_layer_norm_rms_eps(RMS_EPS)
    writer.add_vocab_size(n_vocab)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16 if f16 else gguf.LlamaFileType.ALL_F32)


def _tensor_shapes(shape: LlamaShape, n_vocab: int) -> list[tuple[str, tuple[int, ...]]]:
    """numpy shapes (rows, cols); GGUF stores them reversed, as llama.cpp's {cols, rows}."""
    e, f = shape.n_embd, shape.n_ff
    out: list[tuple[str, tuple[int, ...]]] = [("token_embd.weight", (n_vocab, e))]
    for i in range(shape.n_layer):
        b = f"blk.{i}."
        out += [
            (b + "attn_norm.weight", (e,)),
            (b + "attn_q.weight", (e, e)),
            (b + "attn_k.weight", (e, e)),
            (b + "attn_v.weight", (e, e)),
            (b + "attn_output.weight", (e, e)),
            (b + "ffn_norm.weight", (e,)),
            (b + "ffn_gate.weight", (f, e)),
            (b + "ffn_up.weight", (f, e)),
            (b + "ffn_down.weight", (e, f)),
        ]
    out += [("output_norm.weight", (e,)), ("output.weight", (n_vocab, e))]
    return out


def make_tiny_llama(
    path: Path,
    vocab_gguf: Path,
    n_layer: int = 2,
    n_embd: int = 64,
    n_head: int = 4,
    n_ff: int = 128,
    n_ctx_train: int = 2048,
    seed: int = 0,
    *,
    shape: Literal["tiny", "llama2-7b"] | LlamaShape | None = None,
    dtype: Literal["f32", "f16"] = "f32",
) -> Path:
    """Write a random-weight Llama GGUF at `path` and return `path`.

    `shape` (a preset name or a LlamaShape) overrides the individual dimensions; use
    "llama2-7b" with dtype="f16" for a benchmark model (about 13.5 GB before quantising).
    """
    if shape is None:
        dims = LlamaShape(n_layer, n_embd, n_head, n_ff, n_ctx_train)
    else:
        dims = SHAPES[shape] if isinstance(shape, str) else shape
    f16 = dtype == "f16"
    writer = gguf.GGUFWriter(path, "llama")
    n_vocab = _copy_tokenizer(writer, vocab_gguf)
    _add_hparams(writer, dims, n_vocab, f16)
    tensors = _tensor_shapes(dims, n_vocab)
    # One random pool, and every weight a view into it at a different offset: a 7B-shaped
    # model then needs ~0.3 GB of RAM instead of 13 GB, and writes in seconds.
    biggest = max(int(np.prod(s)) for _, s in tensors)
    rng = np.random.default_rng(seed)
    np_dtype = np.float16 if f16 else np.float32
    pool = (rng.standard_normal(biggest + 4099, dtype=np.float32) * WEIGHT_STD).astype(np_dtype)
    ones = np.ones(dims.n_embd, dtype=np.float32)  # norms stay F32, as llama.cpp's converter does
    for i, (name, tshape) in enumerate(tensors):
        if len(tshape) == 1:
            writer.add_tensor(name, ones)
            continue
        offset = (i * 1021) % 4096
        writer.add_tensor(name, pool[offset : offset + int(np.prod(tshape))].reshape(tshape))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
