"""Process-wide llama.cpp set-up that LocalModel needs before loading: where llama.cpp's log
goes, how many layers to offload, which CPU weight buffers are safe on this CPU, and how
many threads and how large batches to compute with.

Like llm.py, it imports llama_cpp inside functions only.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from localqa.generation.cpu_load import (
    MIN_WINDOW_S,
    CpuSample,
    busy_elsewhere,
    cpu_sample,
    load_average,
)

NO_OFFLOAD_WARNING = (
    "this llama.cpp build cannot offload to a GPU; "
    "rebuild llama-cpp-python with CMAKE_ARGS=-DGGML_CUDA=on"
)
GGML_LOG_ERROR = 4
_log_callback: Any = None  # kept referenced: llama.cpp calls it for the whole process
_params_lock = threading.Lock()
# Tokens per llama_decode call and per compute step (llama.cpp's n_batch, n_ubatch); see
# compute_plan for why these values.
BATCH = 512
# The `threads` setting: 0 (decoding fixed, prompts follow the load), "follow", or a count.
Threads = int | Literal["follow"]
# Threads a one-token step computes on by default: fixed, because the count changes the
# logits (compute_plan); one, because it is never slowed by another busy process.
DECODE_THREADS = 1


def route_llama_log() -> None:
    """Send llama.cpp's own log to the `localqa.llama_cpp` logger (errors as warnings, the
    rest as debug) instead of stderr: llama-cpp-python's level table predates ggml's
    renumbering, so even with verbose=False it prints llama.cpp's warnings."""
    global _log_callback
    if _log_callback is not None:
        return
    import ctypes
    import logging

    import llama_cpp

    log = logging.getLogger("localqa.llama_cpp")

    def forward(level: int, text: bytes, _user: Any) -> None:
        severity = logging.WARNING if level == GGML_LOG_ERROR else logging.DEBUG
        log.log(severity, "%s", text.decode(errors="replace").rstrip())

    _log_callback = llama_cpp.llama_log_callback(forward)
    llama_cpp.llama_log_set(_log_callback, ctypes.c_void_p(0))


def offload_plan(requested: int | Literal["auto"], supported: bool) -> tuple[int, list[str]]:
    """The n_gpu_layers to pass to llama.cpp, and warnings for the user."""
    if requested == "auto":
        return (-1 if supported else 0), []
    if requested != 0 and not supported:
        return 0, [NO_OFFLOAD_WARNING]
    return requested, []


def extra_buffers_safe() -> bool:
    """False when this llama.cpp build runs AMX int8 kernels on this CPU: llama.cpp 0.3.x
    moves quantised weights into its AMX buffer type there (Sapphire Rapids and later) and
    then segfaults in the first decode (ggml-org/llama.cpp#20824); without extra buffer
    types it runs the ordinary CPU kernels."""
    import llama_cpp

    info = bytes(llama_cpp.llama_print_system_info()).decode(errors="replace")
    return "AMX_INT8 = 1" not in info


@contextlib.contextmanager
def model_params(use_extra_buffers: bool) -> Iterator[None]:
    """While open, llama_cpp.Llama() loads with llama.cpp's extra CPU buffer types (AMX,
    repacked weights) on or off. Llama() takes no argument for it and builds its parameters
    from llama_model_default_params(), so that function is wrapped for the duration; the lock
    keeps two loads from interleaving."""
    import llama_cpp.llama_cpp as lib

    with _params_lock:
        original = lib.llama_model_default_params

        def adjusted() -> Any:
            params = original()
            params.use_extra_bufts = use_extra_buffers
            return params

        lib.llama_model_default_params = adjusted
        try:
            yield
        finally:
            lib.llama_model_default_params = original


@dataclass(frozen=True)
class ComputePlan:
    """How llama.cpp computes: threads for decoding (one token a step) and for prompts
    (batches), tokens per llama_decode call (n_batch) and per compute step (n_ubatch), and
    whether attention runs as flash attention."""

    threads: int
    threads_batch: int
    n_batch: int
    n_ubatch: int
    flash_attn: bool


def compute_plan(threads: Threads, cores: int, busy: float) -> ComputePlan:
    """The plan for a machine with `cores` usable physical cores of which about `busy` are
    kept busy by other processes (`ThreadPlanner` measures it), for the `threads` setting:
    0 (the default): decoding on DECODE_THREADS, prompts on one thread per idle core;
    "follow": both on one thread per idle core; N > 0: both on N.

    Why decoding is fixed: llama.cpp's flash attention splits a one-token step's KV cache
    (512 cells or more) into one chunk per thread and adds the chunks' sums, so the logits,
    and with them a greedy answer, depend on the decoding thread count; the prompt's
    batches split work by rows and give the same logits bit for bit on any count
    (benchmarks/bench_threads.py; docs/BENCHMARKS-LOG.md, "Greedy answers and threads").
    Idle cores, at least one: ggml's threads meet at a barrier after every operation
    (hundreds per token), so a thread that shares its core with another busy process
    stalls all the others: on the shared 2-core test machine at load 15, 2 threads decoded
    at 0.2-1 tokens/s and 1 thread at 7-14 (docs/BENCHMARKS-LOG.md, "Prompt processing").
    Batches: BATCH tokens (llama.cpp's default; the sizes measured are in
    docs/BENCHMARKS-LOG.md). Flash attention: prompts 6-26% faster on the CPU too, and less
    memory; it also halved SmolLM2-135M's decoding there (not Gemma-3-270M's): measured,
    left open (docs/BENCHMARKS-LOG.md).
    """
    idle = cores - int(max(0.0, busy) + 0.5)  # busy cores, rounded half up
    following = max(1, min(cores, idle))
    if isinstance(threads, str):  # "follow"
        decode, batch = following, following
    elif threads > 0:
        decode, batch = threads, threads
    else:
        decode, batch = DECODE_THREADS, following
    return ComputePlan(decode, batch, BATCH, BATCH, flash_attn=True)


def measures_load(threads: Threads) -> bool:
    """Whether the plan for the `threads` setting depends on the load (else it is fixed)."""
    return isinstance(threads, str) or threads <= 0


def threads_line(threads: Threads, cores: int) -> str:
    """What the `threads` setting means for answers, in one line for `doctor`, on a machine
    with `cores` usable physical cores."""
    idle = f"one thread per core that other processes leave idle (of {cores})"
    if isinstance(threads, str):  # "follow"
        return (
            f"decoding and prompts on {idle}, judged before each prompt (threads = follow): "
            "a greedy answer may change with the machine's load"
        )
    if threads > 0:
        return (
            f"decoding and prompts on {threads} (the threads setting): "
            "the same greedy answer whatever the load"
        )
    return (
        f"decoding on {DECODE_THREADS} whatever the load, so a greedy answer does not change "
        f"with it; prompts on {idle}, judged before each prompt"
    )


class ThreadPlanner:
    """Chooses llama.cpp's threads before each prompt from what other processes did since
    the previous choice: this process's own work (the model loading, the embedder, the
    last answer) is left out, which the load average cannot do; right after a question on
    a quiet 2-core machine the load average is about 1 and halved the threads.

    `threads` > 0 (the setting) fixes them, and nothing is measured. Where /proc/stat is
    missing, the 1-minute load average stands in once, at the start."""

    def __init__(
        self, threads: Threads, cores: int, sample: Callable[[], CpuSample | None] = cpu_sample
    ) -> None:
        self._threads = threads
        self._cores = cores
        self._sample = sample
        self._mark: CpuSample | None = sample() if measures_load(threads) else None
        self._refreshed = False
        fallback = load_average() if self._mark is None else 0.0
        self.plan = compute_plan(threads, cores, fallback)

    def refresh(self) -> bool:
        """Measure since the last choice and choose again; True when the thread count
        changed. A window shorter than MIN_WINDOW_S keeps the plan (and the window grows),
        except the first time (the first prompt after loading), which sleeps out the rest."""
        if self._mark is None:
            return False
        first, self._refreshed = not self._refreshed, True
        now = self._sample()
        if now is not None and first and now.at - self._mark.at < MIN_WINDOW_S:
            time.sleep(MIN_WINDOW_S - (now.at - self._mark.at))
            now = self._sample()
        share = None if now is None else busy_elsewhere(self._mark, now)
        if now is None or share is None:
            return False
        self._mark = now
        plan = compute_plan(self._threads, self._cores, share * self._cores)
        changed = plan != self.plan
        self.plan = plan
        return changed


def apply_threads(llama: Any, plan: ComputePlan) -> None:
    """Give a loaded llama_cpp.Llama `plan`'s thread counts (kept in its params too, which
    is where llama-cpp-python and `doctor` read them)."""
    import llama_cpp

    llama_cpp.llama_set_n_threads(llama.ctx, plan.threads, plan.threads_batch)
    llama.n_threads, llama.n_threads_batch = plan.threads, plan.threads_batch
    llama.context_params.n_threads = plan.threads
    llama.context_params.n_threads_batch = plan.threads_batch
