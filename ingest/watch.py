"""What the reader's watchdog measures and decides: a reader process's memory and CPU
time from /proc, and which limit (if any) a sample of them breaks.

Time is judged by CPU time, not the clock: on a loaded machine a good file's reading
takes longer by the clock but uses the same CPU, so a busy machine does not fail it. A
generous clock limit stays as a backstop for a reader that is stuck without using CPU
(waiting on a device or a lock), which the CPU limit would never see.

Memory is judged by resident size, so the reader hands freed memory back to the system
after each file (glibc keeps it otherwise): OCR of one page peaks at ~600 MB and leaves
~400 MB of free but resident heap behind, which grew with each scanned file until a
good one met the limit (docs/BENCHMARKS-LOG.md, "Hostile inputs").
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

from localqa.ingest.loaders.limits import Limits

MB = 1024 * 1024


def resident_bytes(pid: int) -> int:
    """Resident memory of process `pid`, or 0 where /proc cannot tell (not Linux)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as stat:
            return int(stat.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid`, all its threads, in seconds (the same
    clock as os.times() in that process); 0.0 where /proc cannot tell (not Linux)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def own_cpu_seconds() -> float:
    """This process's CPU time, as cpu_seconds() reads it from outside."""
    times = os.times()
    return times.user + times.system


_M_ARENA_MAX = -8  # mallopt(3)


def _glibc() -> object:
    import ctypes

    return ctypes.CDLL("libc.so.6")


def few_heap_arenas() -> None:
    """Two malloc arenas in this process, not eight per core: onnxruntime's
    threads would otherwise each keep freed memory in an arena of their own. Call before
    starting threads; nothing where the C library is not glibc."""
    with contextlib.suppress(OSError, AttributeError):
        _glibc().mallopt(_M_ARENA_MAX, 2)  # type: ignore[attr-defined]


def release_free_memory() -> None:
    """Hand the heap's free memory back to the system (glibc's malloc_trim)."""
    with contextlib.suppress(OSError, AttributeError):
        _glibc().malloc_trim(0)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Sample:
    """One look at the reader: the item it reads (-1: none), whether it is reading now
    (not waiting for room in its buffer), seconds by the clock spent reading the item
    (waits excluded), CPU seconds it used since the item began, and resident bytes of
    the reader and of the main (embedding) process."""

    item: int
    busy: bool
    reading_s: float
    cpu_s: float
    reader_bytes: int
    main_bytes: int


def verdict(limits: Limits, sample: Sample) -> tuple[str, str] | None:
    """The limit the sample breaks, as (problem, setting to raise); None if none."""
    reader_mb = sample.reader_bytes / MB
    if reader_mb > limits.reader_memory_mb:
        return f"needed more than {limits.reader_memory_mb:,} MB of memory to read", (
            "reader_memory_mb"
        )
    if reader_mb + sample.main_bytes / MB > limits.ingest_memory_mb:
        room = max(0, limits.ingest_memory_mb - round(sample.main_bytes / MB))
        return (
            f"needed more than {room:,} MB of memory to read, beside the "
            f"{sample.main_bytes / MB:,.0f} MB the embedder held (the whole ingest may "
            f"use {limits.ingest_memory_mb:,} MB)",
            "ingest_memory_mb",
        )
    if sample.item < 0:
        return None
    if sample.cpu_s > limits.read_cpu_s:
        return f"used more than {limits.read_cpu_s:g} s of CPU time to read", "read_cpu_s"
    if sample.busy and sample.reading_s > limits.read_timeout_s:
        return f"took more than {limits.read_timeout_s:g} s to read", "read_timeout_s"
    return None
