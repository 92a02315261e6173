"""Process-wide llama.cpp set-up that LocalModel needs before loading: where llama.cpp's log
goes, how many layers to offload, which CPU weight buffers are safe on this CPU, and how
many threads and how large batches to compute with.

Like llm.py, it imports llama_cpp inside functions only.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

NO_OFFLOAD_WARNING = (
    "this llama.cpp build cannot offload to a GPU; "
    "rebuild llama-cpp-python with CMAKE_ARGS=-DGGML_CUDA=on"
)
GGML_LOG_ERROR = 4
_log_callback: Any = None  # kept referenced: llama.cpp calls it for the whole process
_params_lock = threading.Lock()
SYSFS_CPU = Path("/sys/devices/system/cpu")
CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")
CGROUP_CPU_STAT = Path("/sys/fs/cgroup/cpu.stat")
PROC_STAT = Path("/proc/stat")
# Shortest window over which other processes' CPU use is judged: /proc/stat counts in
# clock ticks (10 ms), so 0.25 s on 2 CPUs is 50 ticks, within a few per cent.
MIN_WINDOW_S = 0.25
# Tokens per llama_decode call and per compute step (llama.cpp's n_batch, n_ubatch); see
# compute_plan for why these values.
BATCH = 512


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


def compute_plan(threads: int, cores: int, busy: float) -> ComputePlan:
    """The plan for a machine with `cores` usable physical cores of which about `busy` are
    kept busy by other processes (`ThreadPlanner` measures it); `threads` > 0 (the
    `threads` setting) wins for both kinds of step.

    Threads: one per idle physical core, at least one. ggml's threads meet at a barrier
    after every operation (hundreds per token), so a thread that shares its core with
    another busy process stalls all the others: on the shared 2-core test machine at load
    15, 2 threads decoded at 0.2-1 tokens/s and 1 thread at 7-14 (docs/BENCHMARKS-LOG.md,
    "Prompt processing"). llama-cpp-python's own default (cpu_count // 2 for decoding, all
    CPUs for prompts) assumes two hardware threads per core and ignores load.
    Batches: BATCH tokens (llama.cpp's default; the sizes measured are in
    docs/BENCHMARKS-LOG.md). Flash attention: prompts 6-26% faster on the CPU too, and less
    memory; it also halved SmolLM2-135M's decoding there (not Gemma-3-270M's): measured,
    left open (docs/BENCHMARKS-LOG.md).
    """
    idle = cores - int(max(0.0, busy) + 0.5)  # busy cores, rounded half up
    chosen = threads if threads > 0 else max(1, min(cores, idle))
    return ComputePlan(chosen, chosen, BATCH, BATCH, flash_attn=True)


def load_average() -> float:
    """The 1-minute load average; 0.0 where the system has none (Windows)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return 0.0


@dataclass(frozen=True)
class CpuSample:
    """CPU time at one moment: `busy_s`, seconds the CPUs this process may use have been
    busy since boot (every process); `own_s`, seconds this process has run (all threads);
    `at`, monotonic seconds; `cpus`, how many CPUs `busy_s` covers."""

    at: float
    busy_s: float
    own_s: float
    cpus: int


def cpu_sample(
    stat: Path = PROC_STAT,
    cpus: Iterable[int] | None = None,
    cpu_max: Path = CGROUP_CPU_MAX,
    cgroup_stat: Path = CGROUP_CPU_STAT,
) -> CpuSample | None:
    """Now's CpuSample from the per-CPU lines of /proc/stat for `cpus` (default: this
    process's affinity), or, in a cgroup v2 with a CPU quota (a container), from the
    cgroup's own usage against the quota: /proc/stat there shows the whole host. None
    where there is neither (macOS, Windows)."""
    if cpus is None:
        affinity = getattr(os, "sched_getaffinity", None)
        cpus = affinity(0) if affinity else range(os.cpu_count() or 1)
    wanted = {f"cpu{n}" for n in cpus}
    quota = _cpu_quota(cpu_max)
    if quota is not None and (used := _cgroup_usage_s(cgroup_stat)) is not None:
        own = os.times()
        return CpuSample(time.monotonic(), used, own.user + own.system, min(quota, len(wanted)))
    try:
        lines = stat.read_text().splitlines()
        tick = float(os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, AttributeError):
        return None
    busy = 0
    for line in lines:
        fields = line.split()
        if fields and fields[0] in wanted:
            # user nice system idle iowait irq softirq steal: all but idle and iowait
            ticks = [int(x) for x in fields[1:9]]
            busy += sum(ticks) - ticks[3] - ticks[4]
    own = os.times()
    return CpuSample(time.monotonic(), busy / tick, own.user + own.system, len(wanted))


def _cgroup_usage_s(cgroup_stat: Path) -> float | None:
    """CPU-seconds every process of this cgroup has used ("usage_usec" of cpu.stat)."""
    try:
        for line in cgroup_stat.read_text().splitlines():
            key, _, value = line.partition(" ")
            if key == "usage_usec":
                return int(value) / 1e6
    except (OSError, ValueError):
        pass
    return None


def busy_elsewhere(before: CpuSample, after: CpuSample) -> float | None:
    """The share (0..1) of this process's CPUs that other processes kept busy between two
    samples; None when they are less than MIN_WINDOW_S apart (too few clock ticks)."""
    window = after.at - before.at
    if window < MIN_WINDOW_S or after.cpus != before.cpus or after.cpus == 0:
        return None
    others = (after.busy_s - before.busy_s) - (after.own_s - before.own_s)
    return min(1.0, max(0.0, others / (window * after.cpus)))


class ThreadPlanner:
    """Chooses llama.cpp's threads before each prompt from what other processes did since
    the previous choice: this process's own work (the model loading, the embedder, the
    last answer) is left out, which the load average cannot do; right after a question on
    a quiet 2-core machine the load average is about 1 and halved the threads.

    `threads` > 0 (the setting) fixes them. Where /proc/stat is missing, the 1-minute load
    average stands in once, at the start."""

    def __init__(
        self, threads: int, cores: int, sample: Callable[[], CpuSample | None] = cpu_sample
    ) -> None:
        self._threads = threads
        self._cores = cores
        self._sample = sample
        self._mark: CpuSample | None = sample() if threads <= 0 else None
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


def usable_cores(
    cpus: Iterable[int] | None = None,
    sysfs: Path = SYSFS_CPU,
    cpu_max: Path = CGROUP_CPU_MAX,
) -> int:
    """Physical cores this process may compute on (>= 1): the distinct (package, core)
    pairs among `cpus` (default: its affinity mask), capped by a cgroup v2 CPU quota (a
    container limited to 2 CPUs on a 64-core host sees 64). Where the topology cannot be
    read, every CPU counts as a core."""
    if cpus is None:
        affinity = getattr(os, "sched_getaffinity", None)
        cpus = affinity(0) if affinity else range(os.cpu_count() or 1)
    listed = sorted(cpus)
    cores: set[tuple[str, str]] = set()
    try:
        for cpu in listed:
            topology = sysfs / f"cpu{cpu}" / "topology"
            package = (topology / "physical_package_id").read_text().strip()
            cores.add((package, (topology / "core_id").read_text().strip()))
        found = len(cores)
    except OSError:
        found = len(listed)
    quota = _cpu_quota(cpu_max)
    return max(1, min(found, quota) if quota else found)


def _cpu_quota(cpu_max: Path) -> int | None:
    """CPUs the cgroup may use ("200000 100000" -> 2), None when unlimited or unknown."""
    try:
        limit, period = cpu_max.read_text().split()[:2]
        return max(1, math.ceil(int(limit) / int(period)))
    except (OSError, ValueError):  # no cgroup v2 file, or "max" (no limit)
        return None
