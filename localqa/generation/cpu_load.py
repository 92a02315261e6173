"""How busy this machine's CPUs are, for choosing llama.cpp's threads (llama_setup.py's
ThreadPlanner): usable physical cores, and CPU time other processes used between two
samples. Standard library only.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

SYSFS_CPU = Path("/sys/devices/system/cpu")
CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")
CGROUP_CPU_STAT = Path("/sys/fs/cgroup/cpu.stat")
PROC_STAT = Path("/proc/stat")
# Shortest window over which other processes' CPU use is judged: /proc/stat counts in
# clock ticks (10 ms), so 0.25 s on 2 CPUs is 50 ticks, within a few per cent.
MIN_WINDOW_S = 0.25


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
