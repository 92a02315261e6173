"""What this machine's CPU is, as far as the embedding path cares: its model name and the
instruction-set flags that decide how fast ONNX Runtime's int8 and fp32 kernels run.

Read from /proc/cpuinfo (Linux, x86-64 and ARM); elsewhere from `platform`, with no flags.
Standard library only: `localqa doctor` and the benchmarks print it without loading a model.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass
from pathlib import Path

# Flags that change which matrix kernels ONNX Runtime (MLAS) runs: x86 vector widths, the
# integer dot-product instructions int8 needs to beat fp32 (VNNI, AMX), and ARM's.
RELEVANT_FLAGS = (
    "avx2",
    "fma",
    "avx512f",
    "avx512bw",
    "avx512vl",
    "avx512_vnni",
    "avx512_bf16",
    "avx_vnni",
    "amx_tile",
    "amx_int8",
    "amx_bf16",
    "asimddp",  # ARM dot product (SDOT/UDOT)
    "i8mm",  # ARM int8 matrix multiply
    "sve",
)
# Flags that give int8 matrix products a dot-product instruction of their own.
INT8_DOT_FLAGS = ("avx512_vnni", "avx_vnni", "amx_int8", "asimddp", "i8mm")


@dataclass(frozen=True)
class CpuInfo:
    """A CPU's model name ("AMD EPYC", "" when unknown), the RELEVANT_FLAGS it has (in
    RELEVANT_FLAGS order) and the cores this process may use."""

    model: str
    flags: tuple[str, ...]
    cores: int

    @property
    def int8_dot(self) -> bool:
        """Whether it has an integer dot-product instruction (VNNI, AMX, ARM dotprod)."""
        return any(flag in self.flags for flag in INT8_DOT_FLAGS)

    def describe(self) -> str:
        """One line: `AMD EPYC, 2 cores, avx2 fma avx512f ... (no amx)`."""
        flags = " ".join(self.flags) or "none of the relevant flags"
        amx = "" if any(f.startswith("amx") for f in self.flags) else " (no amx)"
        return f"{self.model or 'unknown CPU'}, {self.cores} cores, {flags}{amx}"

    def key(self) -> str:
        """What a cached measurement depends on: model, flags and cores."""
        return f"{self.model}|{' '.join(self.flags)}|{self.cores}"


def parse_cpuinfo(text: str) -> tuple[str, set[str]]:
    """The first processor's model name and flags in a /proc/cpuinfo text (x86 says
    "model name" and "flags"; ARM "Features" and often no model name)."""
    model, flags = "", set[str]()
    for line in text.splitlines():
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name in ("model name", "hardware", "cpu model") and not model:
            model = value.strip()
        elif name in ("flags", "features") and not flags:
            flags = set(value.split())
    return model, flags


def usable_cores() -> int:
    """The cores this process may run on (its affinity; all of them off Linux)."""
    import os

    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def cpu_info(cpuinfo: Path = Path("/proc/cpuinfo")) -> CpuInfo:
    """This machine's CpuInfo; never raises (an unreadable file gives no flags)."""
    try:
        model, flags = parse_cpuinfo(cpuinfo.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        model, flags = "", set()
    model = model or platform.processor() or platform.machine()
    relevant = tuple(flag for flag in RELEVANT_FLAGS if flag in flags)
    return CpuInfo(" ".join(model.split()), relevant, usable_cores())
