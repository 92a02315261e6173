"""The local language model: a thin wrapper over llama.cpp (llama-cpp-python).

`llama_cpp` is imported inside functions only, so that importing this module (for types,
`find_model` or `ModelError`: generation/gguf_file.py, the file's part) stays cheap and works
where llama.cpp is absent.
Generation stays on llama.cpp's fast path (see shared/GPU.md: 305 vs 65 tokens/s on the same
card): its native sampler chain (top-k, top-p, min-p, temperature), no logit_bias, no grammar,
no Python logits processors.
"""

from __future__ import annotations

import threading
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from localqa.generation.base import Sampling
from localqa.generation.cpu_load import usable_cores
from localqa.generation.gguf_file import GGUF_MAGIC, ModelError, check_gguf, find_model, open_llama
from localqa.generation.llama_setup import (
    ThreadPlanner,
    Threads,
    apply_threads,
    extra_buffers_safe,
    offload_plan,
    route_llama_log,
)
from localqa.generation.prefill import batch_ends, kept_tokens
from localqa.generation.prefix_cache import PrefixCache
from localqa.generation.stats import GenerationStats, TextPieces, TokenRun

if TYPE_CHECKING:
    from localqa.generation.base import LanguageModel, TemplateVocabulary

# The GGUF file's part (generation/gguf_file.py), importable from here as before.
__all__ = ["GGUF_MAGIC", "LocalModel", "ModelError", "check_gguf", "find_model", "llama_sampling"]

# llama.cpp's "pick a random seed" value.
RANDOM_SEED = 0xFFFFFFFF


def llama_sampling(sampling: Sampling) -> dict[str, Any]:
    """llama-cpp-python's generate() keywords for `sampling`. Greedy is done as top_k=1 on
    the same fast sampler chain rather than llama.cpp's greedy sampler (145 vs 305 tokens/s
    in GPU.md)."""
    greedy = sampling.temperature <= 0.0
    top_k, temp = (1, 1.0) if greedy else (sampling.top_k, sampling.temperature)
    return dict(
        top_k=top_k,
        top_p=sampling.top_p,
        min_p=sampling.min_p,
        temp=temp,
        repeat_penalty=sampling.repeat_penalty,
    )


def _utf8(text: str) -> bytes:
    # "replace": a lone surrogate from a badly decoded document must not crash a question.
    return text.encode("utf-8", errors="replace")


class LocalModel:
    """A loaded GGUF model: tokenizer, metadata and streaming generation. A LanguageModel
    and a TemplateVocabulary (generation/base.py)."""

    counting: Final = "exact"  # its own tokenizer

    def __init__(self, llama: Any, path: Path, gpu_layers: int, warnings: list[str]) -> None:
        import llama_cpp

        self._llama = llama
        self._vocab = llama_cpp.llama_model_get_vocab(llama.model)
        self._is_eog = llama_cpp.llama_vocab_is_eog
        self.path = path
        self.warnings = warnings
        self._gpu_layers = gpu_layers
        self.last_stats = GenerationStats()
        self._planner: ThreadPlanner | None = None
        self._prefix_cache: PrefixCache | None = None
        self._batch_ends: list[int] = []  # the cached prompt's batches (generation/prefill.py)
        self.n_ctx = int(llama.n_ctx())
        self.bos, self.eos = int(llama.token_bos()), int(llama.token_eos())
        meta: dict[str, str] = dict(llama.metadata)
        arch = meta.get("general.architecture", "llama")
        self.n_layers = int(meta.get(f"{arch}.block_count", 0))
        self.chat_template: str | None = meta.get("tokenizer.chat_template")
        self.architecture = arch
        self.model_name = meta.get("general.name", "") or path.stem
        self.n_params = int(llama_cpp.llama_model_n_params(llama.model))
        trained = int(meta.get(f"{arch}.context_length", 0))
        if 0 < trained < self.n_ctx:
            warnings.append(
                f"n_ctx {self.n_ctx} is more than the {trained} tokens {path.name} was "
                f"trained on; long prompts may give poor answers: set n_ctx to {trained}"
            )

    @classmethod
    def load(
        cls,
        path: Path,
        n_ctx: int,
        n_gpu_layers: int | Literal["auto"],
        threads: Threads = 0,
        extra_buffers: bool | None = None,
        prefix_cache: Path | None = None,
    ) -> LocalModel:
        """Load a GGUF model. n_gpu_layers: "auto" (all when the build can offload), -1
        (all), or a count; threads: 0 decodes on one thread and reads prompts on one per idle
        physical core, "follow" both on one per idle core, N both on N (`compute_plan`);
        extra_buffers: llama.cpp's AMX and repacked CPU weight buffers, None = on unless
        they crash on this CPU; prefix_cache: a folder for the KV state of prompts' fixed
        prefix (generation/prefix_cache.py), None: not kept."""
        import llama_cpp

        path = Path(path)
        check_gguf(path)
        route_llama_log()
        supported = bool(llama_cpp.llama_supports_gpu_offload())
        layers, warnings = offload_plan(n_gpu_layers, supported)
        extra = extra_buffers_safe() if extra_buffers is None else extra_buffers
        planner = ThreadPlanner(threads, usable_cores())
        llama = open_llama(path, n_ctx, layers, planner.plan, extra)
        model = cls(llama, path, 0, warnings)
        model._planner = planner
        if prefix_cache is not None:
            plan = planner.plan
            shape = f"n_ctx={n_ctx}|layers={layers}|flash={plan.flash_attn}|{plan.n_ubatch}"
            model._prefix_cache = PrefixCache(prefix_cache, path, shape)
        if supported and layers != 0:
            whole = model.n_layers
            model._gpu_layers = whole if layers < 0 else min(layers, whole)
        return model

    @property
    def gpu_layers(self) -> int:
        """How many of the model's layers are actually offloaded to a GPU."""
        return self._gpu_layers

    @property
    def location(self) -> str:
        """The GGUF file's path, as given."""
        return str(self.path)

    @property
    def name(self) -> str:
        """The GGUF's file name."""
        return self.path.name

    def tokenize(self, text: str) -> list[int]:
        """Token ids of plain text: no BOS, and special/control tokens are never parsed, so
        text such as '</s>' stays text."""
        return [int(t) for t in self._llama.tokenize(_utf8(text), False, False)]

    def tokenize_template(self, text: str) -> list[int]:
        """Token ids of trusted chat-template text, parsing control tokens ('<|im_start|>').
        Never pass document, question or history text here."""
        return [int(t) for t in self._llama.tokenize(_utf8(text), False, True)]

    def count_tokens(self, text: str) -> int:
        return len(self.tokenize(text))

    def token_text(self, token: int) -> str:
        """The vocabulary text of a token (e.g. '<s>'), for chat-template variables."""
        import llama_cpp

        return bytes(llama_cpp.llama_vocab_get_text(self._vocab, token)).decode(errors="replace")

    def detokenize(self, tokens: list[int]) -> str:
        return bytes(self._llama.detokenize(tokens)).decode(errors="replace")

    def is_end(self, token: int) -> bool:
        """End of generation: EOS or any other end-of-turn token the vocabulary declares."""
        return bool(self._is_eog(self._vocab, token))

    def close(self) -> None:
        self._llama.close()

    def _plan_threads(self) -> None:
        """Choose the threads for this prompt from the machine's load now (ThreadPlanner),
        and give them to llama.cpp where they differ from what it has."""
        if self._planner is None:
            return
        self._planner.refresh()
        plan, llama = self._planner.plan, self._llama
        if (llama.n_threads, llama.n_threads_batch) != (plan.threads, plan.threads_batch):
            apply_threads(llama, plan)

    def _prefill(
        self, tokens: list[int], stop: threading.Event | None, fixed_prefix: int, run: TokenRun
    ) -> bool:
        """Evaluate all but the last prompt token, one batch at a time so that `stop` can
        interrupt a long prompt. Keeps the cached prefix of the previous prompt only up to a
        batch end both prompts' layouts share (generation/prefill.py: so the logits are a cold
        process's), and the `fixed_prefix` tokens' state saved by an earlier process (`_head`).
        llama_cpp's generate() then finds that prefix cached and decodes only the last
        token. Returns False when stopped."""
        llama = self._llama
        body = tokens[:-1]
        cached = 0
        for old, new in zip(llama.input_ids[: llama.n_tokens].tolist(), body, strict=False):
            if old != new:
                break
            cached += 1
        head = min(fixed_prefix, len(body))
        step = int(llama.n_batch)
        ends = batch_ends(len(body), head, step)
        kept = kept_tokens(cached, self._batch_ends, ends)
        run.reused = kept
        llama.n_tokens = kept  # eval() drops the stale KV cache past this point
        self._batch_ends = []  # until this prefill is whole
        if kept < head:
            if stop is not None and stop.is_set():
                return False
            kept = self._head(body[:head], run)  # from a batch end: eval() keeps the layout
        for start in range(kept, len(body), step):
            if stop is not None and stop.is_set():
                return False
            llama.eval(body[start : start + step])
        self._batch_ends = ends
        return True

    def _head(self, head: list[int], run: TokenRun) -> int:
        """Bring the KV cache to the end of `head`, the prompt's fixed prefix: loaded from
        the prefix cache when an earlier process saved it, else evaluated as a batch of its
        own (so a loaded state equals a computed one) and saved. Returns len(head)."""
        llama, cache = self._llama, self._prefix_cache
        fresh = llama.n_tokens == 0
        if fresh and cache is not None and cache.load(llama, head):
            run.reused = len(head)
            return len(head)
        llama.eval(head[llama.n_tokens :])
        if fresh and cache is not None:
            cache.save(llama, head)
        return len(head)

    def stream(
        self,
        prompt_tokens: list[int],
        max_tokens: int,
        sampling: Sampling,
        stop: threading.Event | None = None,
        fixed_prefix: int = 0,
    ) -> Generator[str]:
        """Yield the answer's text as it is produced (whole UTF-8 characters), until EOS,
        `max_tokens` (capped by the context left) or `stop` being set; then `last_stats`
        describes the run. `stop` is checked before every decode step. `fixed_prefix`:
        how many leading prompt tokens every prompt shares (`PackedPrompt.fixed_prefix`),
        whose state the prefix cache keeps."""
        room = self.n_ctx - len(prompt_tokens)
        if not prompt_tokens or room <= 0:
            raise ValueError(f"a prompt of {len(prompt_tokens)} tokens leaves no room in n_ctx")
        limit = min(max_tokens, room)
        self._llama.set_seed(RANDOM_SEED if sampling.seed is None else sampling.seed)
        self._plan_threads()
        run = TokenRun(len(prompt_tokens))
        try:
            if self._prefill(prompt_tokens, stop, fixed_prefix, run):
                yield from self._decode(prompt_tokens, limit, sampling, stop, run)
            else:
                run.reason = "cancelled"
        finally:
            self.last_stats = run.stats()

    def _decode(
        self,
        prompt_tokens: list[int],
        limit: int,
        sampling: Sampling,
        stop: threading.Event | None,
        run: TokenRun,
    ) -> Iterator[str]:
        text = TextPieces()
        tokens = self._llama.generate(prompt_tokens, reset=True, **llama_sampling(sampling))
        try:
            run.reason = "length"
            while run.generated < limit:
                if stop is not None and stop.is_set():
                    run.reason = "cancelled"
                    return
                token = int(next(tokens))
                run.tick()
                if self.is_end(token):
                    run.reason = "eos"
                    break
                run.generated += 1
                if piece := text.feed(bytes(self._llama.detokenize([token]))):
                    yield piece
        finally:
            tokens.close()
        if tail := text.finish():
            yield tail


if TYPE_CHECKING:  # mypy proves here that LocalModel is each kind of model the code asks for

    def _is_a_language_model(model: LocalModel) -> tuple[LanguageModel, TemplateVocabulary]:
        return model, model
