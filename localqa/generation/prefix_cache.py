"""The prompt's fixed prefix, computed once and kept on disk for the next process.

Every prompt begins with the same tokens: the layout's opening and the system prompt, up to
where the sources start (`PackedPrompt.fixed_prefix`, 79 tokens for SmolLM2's ChatML). A
cold `localqa ask` computed them again each time: 0.44-0.64 s of SmolLM2's 526-token prompt
on 2 cores, 0.30 s of Gemma 3 270M's (more for a larger model). Here their KV state is
saved after the first computation (llama.cpp's `llama_state_seq_save_file`) and loaded by
later processes in about a millisecond (docs/BENCHMARKS-LOG.md).

What is saved holds no document or question text: only the fixed prefix, which ends before
the first source. Files are keyed by the model file (path, size, modification time), the
llama.cpp build, the context settings that shape the KV cache and the prefix's tokens, so
a changed model or prompt never loads a stale state; llama.cpp also refuses a state that
does not fit the context, and then the prefix is computed as before. The folder keeps the
MAX_FILES newest.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
from pathlib import Path
from typing import Any

MAX_FILES = 8
SUFFIX = ".kv"


class PrefixCache:
    """Saved KV states of fixed prompt prefixes for one loaded model, under `folder`.

    `context_key`: what else shapes the KV cache (n_ctx, flash attention, KV types, GPU
    layers), as text. Failures to read or write are not errors: the prefix is computed."""

    def __init__(self, folder: Path, model_path: Path, context_key: str) -> None:
        import llama_cpp

        stat = model_path.stat()
        identity = f"{model_path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{context_key}"
        self._identity = f"{identity}|llama-cpp-python {llama_cpp.__version__}"
        self.folder = folder

    def path_for(self, tokens: list[int]) -> Path:
        digest = hashlib.sha256(self._identity.encode())
        digest.update(",".join(map(str, tokens)).encode())
        return self.folder / f"{digest.hexdigest()[:32]}{SUFFIX}"

    def load(self, llama: Any, tokens: list[int]) -> bool:
        """Restore the KV state of `tokens` into `llama`'s empty sequence 0 (and its
        bookkeeping of evaluated tokens); False when there is no usable saved state."""
        import llama_cpp

        path = self.path_for(tokens)
        if not path.is_file():
            return False
        found = (llama_cpp.llama_token * len(tokens))()
        count = ctypes.c_size_t(0)
        read = llama_cpp.llama_state_seq_load_file(
            llama.ctx, os.fsencode(path), 0, found, len(tokens), ctypes.byref(count)
        )
        if read == 0 or count.value != len(tokens) or list(found) != tokens:
            llama._ctx.kv_cache_seq_rm(-1, 0, -1)  # nothing half-loaded stays
            return False
        llama.input_ids[: len(tokens)] = tokens
        llama.n_tokens = len(tokens)
        return True

    def save(self, llama: Any, tokens: list[int]) -> None:
        """Save the KV state of `tokens`, which must be all `llama` has evaluated. Written
        to a temporary name and renamed, so a reader never sees half a file."""
        import llama_cpp

        path = self.path_for(tokens)
        partial = path.with_name(f"{path.name}.{os.getpid()}.part")
        array = (llama_cpp.llama_token * len(tokens))(*tokens)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            saved = llama_cpp.llama_state_seq_save_file(
                llama.ctx, os.fsencode(partial), 0, array, len(tokens)
            )
            if saved:
                os.replace(partial, path)
            else:
                partial.unlink(missing_ok=True)
            self._prune()
        except OSError:  # a read-only or full cache folder: the next process computes it
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)

    def _prune(self) -> None:
        files = sorted(self.folder.glob(f"*{SUFFIX}"), key=lambda p: p.stat().st_mtime)
        for old in files[:-MAX_FILES]:
            old.unlink(missing_ok=True)
