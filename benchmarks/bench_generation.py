"""Generation benchmark: localqa's streaming path against a bare llama.cpp decode loop.

Run alone: `.venv/bin/python benchmarks/bench_generation.py [--shape tiny|7b] [--gen-tokens N]
[--prompt-tokens N] [--threads N] [--gpu-layers N] [--rounds N]`.
Needs ../shared/models/ggml-vocab-llama-spm.gguf (or LOCALQA_SHARED). Prints one line per
figure: `<benchmark> <subject> <figure> <value>`.

The model is a random-weight GGUF with Llama-2-7B's shape and real tokenizer (see
../shared/GPU.md): written as F16 by tests/support/gguf_factory.py, quantised to Q4_0 with
llama_model_quantize, the F16 deleted, the Q4_0 cached (LOCALQA_BENCH_CACHE, default
/tmp/localqa-bench) so re-runs skip making it.

Both paths run in one process on the very same llama.cpp context (same n_threads, same
KV cache, same n_batch), on a prompt of about --prompt-tokens tokens that localqa's
pack_prompt builds from synthetic numbered sources:

* bare: llama_decode over the prompt in n_batch pieces, then one token at a time; the next
  token is either numpy's argmax over the logits or the very sampler chain llama-cpp-python
  builds for localqa's settings (penalties, top-k, typical, top-p, min-p, temperature, dist),
  made here with the raw llama_sampler_* calls.
* localqa: `LocalModel.stream` with localqa's default Sampling (the settings' defaults).

First one cold run of each (prompt processing included: prompt tokens/s and time to the
first token), then --rounds warm rounds that reuse the prompt's KV cache (localqa through its
own prefix reuse, the bare loop by dropping the KV entries past the prompt) and alternate
bare-argmax, bare-sampler and localqa, so machine load drifts over all three alike.
Generated tokens/s counts decode steps after the first token, as `GenerationStats` does.
localqa's overhead = 1 - localqa rate / bare-sampler rate (median over warm rounds).

AMX: on a CPU with AMX (Sapphire Rapids and later) llama.cpp 0.3.36's CPU build moves Q4_0
weights into its AMX buffer type and then segfaults in the first llama_decode
(ggml-org/llama.cpp#20824). LocalModel.load (and so this benchmark, unless --extra-buffers on)
loads with llama.cpp's extra buffer types off (use_extra_bufts=false: no AMX and no CPU_REPACK)
when the build reports AMX_INT8; a figure line says so.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from common import CACHE, REPO, SHARED, figure, load_average

VOCAB = SHARED / "models" / "ggml-vocab-llama-spm.gguf"
SOURCE_TEXTS = [
    SHARED / "corpus/privategpt/state_of_the_union.txt",
    REPO / "sample_docs/security-policy.md",
    REPO / "sample_docs/faq.txt",
]
SHAPES: dict[str, Literal["tiny", "llama2-7b"]] = {"tiny": "tiny", "7b": "llama2-7b"}
QUESTION = "What did the speaker announce about lowering costs for families, and when?"
SEED = 1234

if TYPE_CHECKING:
    from localqa.generation.base import Sampling
    from localqa.generation.model import LocalModel


# The model --------------------------------------------------------------------------------


def make_model(shape: str, threads: int) -> Path:
    """The cached Q4_0 GGUF of `shape`, made (F16, then quantised) when absent."""
    import llama_cpp

    from localqa.generation.llama_setup import route_llama_log
    from tests.support.gguf_factory import make_tiny_llama

    CACHE.mkdir(parents=True, exist_ok=True)
    name = SHAPES[shape]
    q4 = CACHE / f"{name}-random-q4_0.gguf"
    if q4.is_file():
        figure("generation", shape, "model", f"{q4} (cached)")
        return q4
    if not VOCAB.is_file():
        sys.exit(f"{VOCAB} not found: the benchmark model needs Llama-2's vocabulary")
    f16 = CACHE / f"{name}-random-f16.gguf"
    part = q4.with_suffix(".part")
    route_llama_log()  # llama.cpp's per-tensor quantise log goes to logging, not stderr
    try:
        started = time.perf_counter()
        make_tiny_llama(f16, VOCAB, shape=name, dtype="f16")
        figure("generation", shape, "f16_gb", f16.stat().st_size / 1e9)
        figure("generation", shape, "f16_write_s", time.perf_counter() - started)
        started = time.perf_counter()
        params = llama_cpp.llama_model_quantize_default_params()
        params.nthread = threads or (os.cpu_count() or 1)
        params.ftype = llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_0
        code = llama_cpp.llama_model_quantize(
            str(f16).encode(), str(part).encode(), ctypes.byref(params)
        )
        if code != 0:
            sys.exit(f"llama_model_quantize failed ({code}) on {f16}")
        part.rename(q4)
        figure("generation", shape, "quantise_s", time.perf_counter() - started)
    finally:
        f16.unlink(missing_ok=True)
        part.unlink(missing_ok=True)
    figure("generation", shape, "model", f"{q4} ({q4.stat().st_size / 1e9:.2f} GB)")
    return q4


# The prompt -------------------------------------------------------------------------------


def source_words() -> list[str]:
    found = [p.read_text(encoding="utf-8", errors="replace") for p in SOURCE_TEXTS if p.is_file()]
    if not found:
        sys.exit("no source text found for the synthetic prompt")
    return " ".join(found).split()


def build_prompt(model: LocalModel, target: int, answer_tokens: int) -> tuple[list[int], float]:
    """Token ids of a pack_prompt prompt of about `target` tokens (numbered ~170-word
    sources plus a question), and how long the final pack_prompt call took (ms)."""
    from localqa.generation.prompt import PromptRequest, pack_prompt
    from localqa.schema import Chunk, ScoredChunk

    pool = source_words()

    def sources(n_words: int) -> list[ScoredChunk]:
        out: list[ScoredChunk] = []
        per = 170
        for i, start in enumerate(range(0, n_words, per)):
            at = (start * 7) % max(1, len(pool) - per)
            text = " ".join(pool[at : at + min(per, n_words - start)])
            chunk = Chunk(
                id=f"bench-{i}",
                text=text,
                source=f"docs/report-{i}.txt",
                abs_path=f"/bench/docs/report-{i}.txt",
                page=1 + i % 9,
                line_start=1,
                line_end=1 + text.count("\n"),
                char_start=0,
                char_end=len(text),
                doc_hash="bench",
                title=f"Report {i}",
            )
            out.append(ScoredChunk(chunk, 1.0 / (1 + i)))
        return out

    def size(n_words: int) -> int:
        packed = pack_prompt(
            model, PromptRequest(QUESTION, sources(n_words), [], model.n_ctx, answer_tokens)
        )
        return packed.prompt_tokens

    lo, hi = 1, 8 * target  # words: binary search for the prompt closest to `target` tokens
    while lo < hi:
        mid = (lo + hi) // 2
        if size(mid) < target:
            lo = mid + 1
        else:
            hi = mid
    started = time.perf_counter()
    packed = pack_prompt(
        model, PromptRequest(QUESTION, sources(lo), [], model.n_ctx, answer_tokens)
    )
    pack_ms = (time.perf_counter() - started) * 1000
    return packed.tokens, pack_ms


# The runs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    prompt_s: float  # prompt processing alone (bare loop only; nan for localqa)
    first_token_s: float
    tokens_per_s: float
    steps: int


def rate(times: list[float]) -> float:
    """Decode steps per second after the first token."""
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    return (len(times) - 1) / span if span > 0 else 0.0


class BareLoop:
    """llama_decode on the model's own context, one token at a time after the prompt."""

    def __init__(self, model: LocalModel, sampling: Sampling) -> None:
        import llama_cpp

        from localqa.generation.model import llama_sampling

        self._lib = llama_cpp
        llama: Any = model._llama
        self._ctx = llama.ctx
        self._n_vocab = int(llama.n_vocab())
        self._n_batch = int(llama.n_batch)
        self._mem = llama_cpp.llama_get_memory(self._ctx)
        kw = llama_sampling(sampling)
        # The chain llama-cpp-python's Llama._init_sampler builds for these settings.
        chain = llama_cpp.llama_sampler_chain_init(llama_cpp.llama_sampler_chain_default_params())
        for sampler in (
            llama_cpp.llama_sampler_init_penalties(
                self._n_vocab, llama.last_n_tokens_size, kw["repeat_penalty"], 0.0, 0.0
            ),
            llama_cpp.llama_sampler_init_top_k(kw["top_k"]),
            llama_cpp.llama_sampler_init_typical(1.0, 1),
            llama_cpp.llama_sampler_init_top_p(kw["top_p"], 1),
            llama_cpp.llama_sampler_init_min_p(kw["min_p"], 1),
            llama_cpp.llama_sampler_init_temp(kw["temp"]),
            llama_cpp.llama_sampler_init_dist(SEED),
        ):
            llama_cpp.llama_sampler_chain_add(chain, sampler)
        self._chain = chain

    def close(self) -> None:
        self._lib.llama_sampler_free(self._chain)

    def _decode(self, tokens: list[int]) -> None:
        lib = self._lib
        array = (lib.llama_token * len(tokens))(*tokens)
        code = lib.llama_decode(self._ctx, lib.llama_batch_get_one(array, len(tokens)))
        if code != 0:
            raise RuntimeError(f"llama_decode returned {code}")

    def _argmax(self) -> int:
        logits = self._lib.llama_get_logits_ith(self._ctx, -1)
        return int(np.argmax(np.ctypeslib.as_array(logits, shape=(self._n_vocab,))))

    def _sample(self) -> int:
        return int(self._lib.llama_sampler_sample(self._chain, self._ctx, -1))

    def run(self, prompt: list[int], n_gen: int, use_sampler: bool, cold: bool) -> Run:
        """Cold: the whole prompt from an empty KV cache. Warm: the prompt's KV entries but
        the last are kept (as localqa's prefix reuse does), the last token decoded again."""
        pick: Callable[[], int] = self._sample if use_sampler else self._argmax
        self._lib.llama_sampler_reset(self._chain)
        started = time.perf_counter()
        if cold:
            self._lib.llama_memory_clear(self._mem, True)
            for at in range(0, len(prompt), self._n_batch):
                self._decode(prompt[at : at + self._n_batch])
        else:
            self._lib.llama_memory_seq_rm(self._mem, -1, len(prompt) - 1, -1)
            self._decode(prompt[-1:])
        prompt_s = time.perf_counter() - started
        token = pick()
        times = [time.perf_counter()]
        for _ in range(n_gen - 1):
            self._decode([token])
            token = pick()
            times.append(time.perf_counter())
        return Run(prompt_s, times[0] - started, rate(times), len(times))


def localqa_run(model: LocalModel, prompt: list[int], n_gen: int, sampling: Sampling) -> Run:
    """`LocalModel.stream` as Answerer uses it; cold when the model's cache was reset."""
    started = time.perf_counter()
    first: float | None = None
    for _ in model.stream(prompt, n_gen, sampling):
        if first is None:
            first = time.perf_counter() - started
    stats = model.last_stats
    steps = stats.generated_tokens + (stats.finish_reason == "eos")
    return Run(float("nan"), stats.first_token_s, stats.tokens_per_s, steps)


def report(subject: str, label: str, run: Run, prompt_tokens: int) -> None:
    if run.prompt_s == run.prompt_s:  # not nan
        figure("generation", subject, f"{label}_prompt_s", run.prompt_s)
    figure("generation", subject, f"{label}_prompt_tokens_per_s", prompt_tokens / run.first_token_s)
    figure("generation", subject, f"{label}_first_token_s", run.first_token_s)
    figure("generation", subject, f"{label}_gen_tokens_per_s", run.tokens_per_s)
    figure("generation", subject, f"{label}_gen_steps", str(run.steps))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shape", choices=sorted(SHAPES), default="tiny")
    parser.add_argument("--gen-tokens", type=int, default=32)
    parser.add_argument("--prompt-tokens", type=int, default=1500)
    parser.add_argument(
        "--threads",
        type=int,
        default=os.cpu_count() or 1,
        help="n_threads and n_threads_batch for both paths (default: all cores)",
    )
    parser.add_argument("--gpu-layers", type=int, default=0, help="-1 offloads every layer")
    parser.add_argument("--rounds", type=int, default=3, help="warm rounds (alternating)")
    parser.add_argument("--n-ctx", type=int, default=4096)
    parser.add_argument(
        "--extra-buffers",
        choices=["auto", "on", "off"],
        default="auto",
        help="llama.cpp's extra (AMX, repack) buffer types; auto: off when the CPU has AMX",
    )
    args = parser.parse_args()
    if args.gen_tokens < 2:
        parser.error("--gen-tokens must be at least 2")

    import llama_cpp

    from localqa.config import Settings
    from localqa.generation.base import Sampling
    from localqa.generation.llama_setup import extra_buffers_safe
    from localqa.generation.model import LocalModel

    defaults = {k: Settings.model_fields[k].default for k in ("temperature", "top_p", "min_p")}
    sampling = Sampling(**defaults, seed=SEED)
    subject = args.shape
    figure("generation", subject, "load_average_start", load_average())
    path = make_model(args.shape, args.threads)
    extra = args.extra_buffers == "on" or (args.extra_buffers == "auto" and extra_buffers_safe())
    figure("generation", subject, "extra_buffer_types", "on" if extra else "off")
    started = time.perf_counter()
    model = LocalModel.load(path, args.n_ctx, args.gpu_layers, args.threads, extra)
    figure("generation", subject, "load_s", time.perf_counter() - started)
    for warning in model.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    llama: Any = model._llama
    figure("generation", subject, "n_threads", str(llama_cpp.llama_n_threads(llama.ctx)))
    figure(
        "generation", subject, "n_threads_batch", str(llama_cpp.llama_n_threads_batch(llama.ctx))
    )
    figure("generation", subject, "gpu_layers", f"{model.gpu_layers}/{model.n_layers}")
    figure("generation", subject, "sampling", repr(sampling).replace(" ", ""))
    prompt, pack_ms = build_prompt(model, args.prompt_tokens, args.gen_tokens)
    n = len(prompt)
    figure("generation", subject, "prompt_tokens", str(n))
    figure("generation", subject, "pack_prompt_ms", pack_ms)
    figure("generation", subject, "gen_tokens", str(args.gen_tokens))

    bare = BareLoop(model, sampling)
    try:
        report(subject, "cold_bare_sampler", bare.run(prompt, args.gen_tokens, True, True), n)
        llama.reset()  # localqa's own cache must not know the bare loop's prompt
        report(subject, "cold_localqa", localqa_run(model, prompt, args.gen_tokens, sampling), n)
        figure("generation", subject, "load_average_after_cold", load_average())
        argmax: list[float] = []
        chained: list[float] = []
        ours: list[float] = []
        for _ in range(args.rounds):
            argmax.append(bare.run(prompt, args.gen_tokens, False, False).tokens_per_s)
            chained.append(bare.run(prompt, args.gen_tokens, True, False).tokens_per_s)
            ours.append(localqa_run(model, prompt, args.gen_tokens, sampling).tokens_per_s)
    finally:
        bare.close()
    figure("generation", subject, "warm_bare_argmax_gen_tokens_per_s", statistics.median(argmax))
    figure("generation", subject, "warm_bare_sampler_gen_tokens_per_s", statistics.median(chained))
    figure("generation", subject, "warm_localqa_gen_tokens_per_s", statistics.median(ours))
    vs_sampler = [100 * (1 - o / c) for o, c in zip(ours, chained, strict=True)]
    vs_argmax = [100 * (1 - o / a) for o, a in zip(ours, argmax, strict=True)]
    figure("generation", subject, "overhead_pct_vs_bare_sampler", statistics.median(vs_sampler))
    figure("generation", subject, "overhead_pct_vs_bare_argmax", statistics.median(vs_argmax))
    figure("generation", subject, "overhead_pct_rounds", ",".join(f"{x:.2f}" for x in vs_sampler))
    figure("generation", subject, "load_average_end", load_average())
    model.close()


if __name__ == "__main__":
    main()
