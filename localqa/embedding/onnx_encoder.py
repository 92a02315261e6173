"""Sentence embeddings on ONNX Runtime: ingest and questions without torch.

The model folder is exported once (localqa/embedding/onnx_export.py); afterwards a text is
tokenized by the folder's own tokenizer.json, run through the ONNX graph and mean-pooled
over its real tokens, as sentence-transformers does. fp32 vectors equal
sentence-transformers' to 1e-5; int8 ones are about 2.5x faster than torch on 2 cores
(docs/BENCHMARKS-LOG.md, Ingest). tests/test_onnx_encoder.py checks both against the torch model.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from localqa.embedding.coverage import Coverage, cjk_coverage
from localqa.embedding.onnx_export import (
    ModelLayout,
    Precision,
    export_folder,
    exported_model,
    inspect_model,
)
from localqa.embedding.wordpieces import load_tokenizer, token_counter
from localqa.schema import Vectors

if TYPE_CHECKING:
    from onnxruntime import InferenceSession
    from tokenizers import Encoding, Tokenizer

# Texts per forward pass for fp32 (sorted by length first, so padding stays small). int8
# runs one text at a time: dynamic quantization scales a whole batch's activations
# together, so a text's vector would depend on its neighbours (by up to 0.04 per
# component); alone, the same text always gets the same vector, and no slower here.
# One text at a time is too little work to split over threads (they meet after every
# operation), so int8 runs one single-threaded session per core instead, each on its own
# texts: 2x the texts/s of one two-thread session on 2 cores, and the same vectors to the
# bit as the one-thread session that embeds questions (docs/BENCHMARKS-LOG.md).
BATCH = 16


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class OnnxEmbedder:
    """A mean-pooled sentence-transformers model run by ONNX Runtime on the CPU.

    `model`: a local folder ("" = the packaged all-MiniLM-L6-v2); `cache`: where exports
    are kept; `threads`: 0 = every core this process may use. Raises UnsupportedModel
    (at once) for a folder it cannot serve."""

    def __init__(
        self,
        model: str,
        precision: Precision,
        cache: Path,
        batch_size: int = 0,
        threads: int = 0,
    ) -> None:
        from localqa.embedding.embedder import default_model_path

        self._layout: ModelLayout = inspect_model(Path(model) if model else default_model_path())
        self._model_setting = model
        self.precision: Precision = precision
        self._cache = cache
        self.batch_size = 1 if precision == "int8" else batch_size or BATCH
        self._threads = threads or usable_cores()
        self._sessions: dict[tuple[int, int], InferenceSession] = {}  # (threads, copy)
        self.threads_used = 0  # by the last `embed` call
        self._tokenizers: dict[bool, Tokenizer] = {}
        self._counter: Callable[[str], int] | None = None

    @property
    def name(self) -> str:
        """As the torch embedder names the model, plus " int8" when vectors differ."""
        base = str(self._layout.folder) if self._model_setting else "all-MiniLM-L6-v2"
        return base if self.precision == "fp32" else f"{base} int8"

    @property
    def backend(self) -> str:
        return f"ONNX Runtime {self.precision}, CPU"

    @property
    def max_tokens(self) -> int:
        return self._layout.max_tokens

    @property
    def tokenizer_file(self) -> Path | None:
        return self._layout.folder / "tokenizer.json"

    @property
    def coverage(self) -> Coverage:
        return cjk_coverage(self._layout.folder)

    def count_tokens(self, text: str) -> int:
        """Word pieces of `text` without special tokens, never truncated."""
        if self._counter is None:  # one counter: it keeps the counts of lines (wordpieces.py)
            self._counter = token_counter(self._tokenizer(truncate=False))
        return self._counter(text)

    @property
    def onnx_file(self) -> Path:
        """Where the exported model is (or will be, after the first `embed`)."""
        return export_folder(self._layout, self._cache) / f"model-{self.precision}.onnx"

    def prepare(self) -> Path:
        """Export the model now if it never was; the .onnx file in use."""
        return exported_model(self._layout, self._cache, self.precision)

    def embed(self, texts: Sequence[str], *, spare_cores: int = 0) -> Vectors:
        """Unit-length float32 vectors, shape (len(texts), hidden size); texts longer than
        `max_tokens` are cut as sentence-transformers cuts them. `spare_cores`: cores that
        other work holds meanwhile, left free."""
        import numpy as np  # here: an ingest that embeds nothing never loads it

        self.threads_used = max(1, self._threads - spare_cores)
        encodings = self._tokenizer(truncate=True).encode_batch(list(texts))
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        if self.batch_size == 1 and self.threads_used > 1 and len(order) > 1:
            parts = self._run_alone_in_parallel(encodings, order)
        else:
            session = self._session(self.threads_used)
            parts = []
            for start in range(0, len(order), self.batch_size):
                chosen = order[start : start + self.batch_size]
                parts.append((chosen, self._run(session, [encodings[i] for i in chosen])))
        if not parts:
            return np.zeros((0, 0), dtype=np.float32)
        out = np.empty((len(encodings), parts[0][1].shape[1]), dtype=np.float32)
        for chosen, vectors in parts:
            out[chosen] = vectors
        return out

    def _run_alone_in_parallel(
        self, encodings: list[Encoding], order: list[int]
    ) -> list[tuple[list[int], Vectors]]:
        """Each text alone, on `threads_used` one-thread sessions at once (ONNX Runtime
        releases the GIL while it computes); every session takes every n-th text of `order`
        (sorted by length), so they finish together."""
        from concurrent.futures import ThreadPoolExecutor

        n = min(self.threads_used, len(order))
        sessions = [self._session(1, copy) for copy in range(n)]

        def work(copy: int) -> list[tuple[list[int], Vectors]]:
            return [([i], self._run(sessions[copy], [encodings[i]])) for i in order[copy::n]]

        with ThreadPoolExecutor(n, thread_name_prefix="localqa-embed") as pool:
            return [part for parts in pool.map(work, range(n)) for part in parts]

    def _run(self, session: InferenceSession, encodings: list[Encoding]) -> Vectors:
        import numpy as np  # here: an ingest that embeds nothing never loads it

        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if self._layout.uses_token_types:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = np.asarray(session.run(["last_hidden_state"], feeds)[0], dtype=np.float32)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return np.asarray(pooled / norms, dtype=np.float32)

    def _session(self, threads: int, copy: int = 0) -> InferenceSession:
        """A session computing on `threads` threads; `copy` tells apart sessions of the same
        kind that run at the same time."""
        if (threads, copy) not in self._sessions:
            import onnxruntime

            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.log_severity_level = 3  # warnings about unused initializers are noise
            if threads < self._threads:
                # Sharing cores with the reader process: idle threads must sleep, not spin.
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            self._sessions[threads, copy] = onnxruntime.InferenceSession(
                str(self.prepare()), options, providers=["CPUExecutionProvider"]
            )
        return self._sessions[threads, copy]

    def _tokenizer(self, *, truncate: bool) -> Tokenizer:
        if truncate not in self._tokenizers:
            limit = self._layout.max_tokens if truncate else 0
            self._tokenizers[truncate] = load_tokenizer(
                self._layout.folder / "tokenizer.json", limit
            )
        return self._tokenizers[truncate]
