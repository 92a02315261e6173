"""Export a local sentence-transformers model to ONNX once, for ONNX Runtime to run.

The export reads only the model folder (torch.onnx traces the transformers model; nothing
is downloaded) and writes into localqa's cache folder, keyed by the model's own files, so
each model is exported once per machine. int8 weights come from ONNX Runtime's dynamic
quantization, per output channel: on SQuAD paragraphs its vectors keep cosine >= 0.98 with
the fp32 ones (per tensor: 0.91), at the same speed (docs/BENCHMARKS-LOG.md, Ingest).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from localqa.errors import LocalqaError

Precision = Literal["fp32", "int8"]
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OPSET = 17
# Part of the export folder's key: a new version makes a new export. 2: attention exported
# from transformers' eager code, not SDPA (whose traced graph adds shape, IsNaN and Where
# nodes to every layer): int8 on one thread 36-51 -> 62-67 texts/s, fp32 within 1.2e-7 of
# the SDPA export (docs/BENCHMARKS-LOG.md).
EXPORT_VERSION = 2


class UnsupportedModel(LocalqaError):
    """The model cannot run on ONNX Runtime here; the torch backend serves it."""


@dataclass(frozen=True)
class ModelLayout:
    """What the ONNX path needs to know of a sentence-transformers folder."""

    folder: Path
    max_tokens: int  # word pieces per text, special tokens included
    uses_token_types: bool


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def inspect_model(folder: Path) -> ModelLayout:
    """The layout of a mean-pooled transformer folder (Transformer, Pooling, optional
    Normalize). Raises UnsupportedModel for any other pipeline or missing file."""
    try:
        modules = [m["type"].rsplit(".", 1)[-1] for m in _read_json(folder / "modules.json")]
        pooling = _read_json(folder / "1_Pooling" / "config.json")
        config = _read_json(folder / "config.json")
        st_config = _read_json(folder / "sentence_bert_config.json")
    except (OSError, KeyError, TypeError, ValueError) as err:
        raise UnsupportedModel(f"{folder}: not a sentence-transformers folder ({err})") from err
    if modules[:2] != ["Transformer", "Pooling"] or modules[2:] not in ([], ["Normalize"]):
        raise UnsupportedModel(f"{folder}: modules {modules} are not Transformer+Pooling")
    if not pooling.get("pooling_mode_mean_tokens"):
        raise UnsupportedModel(f"{folder}: pooling is not the mean of token vectors")
    if not (folder / "tokenizer.json").is_file():
        raise UnsupportedModel(f"{folder}: no tokenizer.json")
    return ModelLayout(
        folder=folder,
        max_tokens=int(st_config.get("max_seq_length") or 512),
        uses_token_types=int(config.get("type_vocab_size", 0)) > 0,
    )


def export_folder(layout: ModelLayout, cache: Path) -> Path:
    """Where this model's exports live: `cache`/<folder name>-<digest of its files>."""
    digest = hashlib.sha256(f"{EXPORT_VERSION}:{layout.folder.resolve()}".encode())
    for item in sorted(layout.folder.iterdir()):
        if item.is_file():
            stat = item.stat()
            digest.update(f"{item.name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return cache / f"{layout.folder.name}-{digest.hexdigest()[:16]}"


def exported_model(layout: ModelLayout, cache: Path, precision: Precision) -> Path:
    """The .onnx file of `layout` at `precision`, exported now if it is not there yet
    (torch and transformers are imported only then: ~10 s once). Concurrent exports are
    safe: each writes a private file and renames it into place. Raises UnsupportedModel
    when the export fails."""
    folder = export_folder(layout, cache)
    target = folder / f"model-{precision}.onnx"
    if target.is_file():
        return target
    fp32 = folder / "model-fp32.onnx"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not fp32.is_file():
            _atomic(fp32, lambda tmp: _export_fp32(layout, tmp))
        if precision == "int8":
            _atomic(target, lambda tmp: _quantize(fp32, tmp))
    except UnsupportedModel:
        raise
    except Exception as err:  # any exporter failure means: use torch for this model
        raise UnsupportedModel(
            f'{layout.folder}: ONNX export failed ({err}); set embed_backend = "torch"'
        ) from err
    return target


def _atomic(target: Path, write: Callable[[Path], None]) -> None:
    """Make `target` by `write(tmp)` and a rename: readers see no file or a whole one."""
    handle, name = tempfile.mkstemp(dir=target.parent, suffix=".partial")
    os.close(handle)
    tmp = Path(name)
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _export_fp32(layout: ModelLayout, out: Path) -> None:
    from localqa.embedding.embedder import force_offline

    force_offline()
    import torch
    from transformers import AutoModel

    try:  # eager attention: the faster graph (EXPORT_VERSION)
        model = AutoModel.from_pretrained(
            str(layout.folder), local_files_only=True, attn_implementation="eager"
        ).eval()
    except (TypeError, ValueError):  # a model class without that choice
        model = AutoModel.from_pretrained(str(layout.folder), local_files_only=True).eval()
    names = list(INPUTS if layout.uses_token_types else INPUTS[:2])

    class Hidden(torch.nn.Module):
        """Keyword arguments, as every transformers version accepts them."""

        def __init__(self) -> None:
            super().__init__()
            self.inner = model

        def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
            hidden: torch.Tensor = self.inner(**dict(zip(names, tensors, strict=True)))[0]
            return hidden

    sample = tuple(torch.ones((2, 8), dtype=torch.long) for _ in names)
    axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "last_hidden_state"]}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes on code paths a fixed graph drops
        torch.onnx.export(
            Hidden(),
            sample,
            str(out),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )


def _quantize(fp32: Path, out: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # its advice to pre-process is for static quantization
    try:
        quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        root.setLevel(level)
