"""Which precision embeds documents fastest on this CPU, measured once and remembered.

int8 weights beat fp32 only where the CPU multiplies int8 quickly (VNNI, AMX, ARM dot
product); without such instructions fp32's wide vector kernels can win, and fp32's vectors
equal torch's where int8's are an approximation (cosine >= 0.98). So `embed_backend =
"auto"` on a CPU does not assume: at first use it embeds CALIBRATION_TEXTS chunk-sized
texts with each precision, in turns (a second or two), and keeps int8 only when it is at
least INT8_MARGIN times as fast. The result is cached beside the exported model, keyed by
the CPU (model, flags, cores), the ONNX Runtime version and the model's files (the export
folder's name), and reused afterwards; `embed_backend = "onnx-int8"` or `"onnx"` forces one.
An index keeps the precision it was built with (localqa/builder/embedders.py); this only decides
for a new one.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from localqa.embedding.cpu import CpuInfo, cpu_info
from localqa.embedding.onnx_export import Precision

# Part of the cache key: a new version measures again.
CALIBRATION_VERSION = 1
PRECISIONS: tuple[Precision, ...] = ("int8", "fp32")
# int8's vectors are an approximation of fp32's: it must be clearly faster to be chosen.
INT8_MARGIN = 1.10
# Each precision is measured up to ROUNDS times, in turns, and its best pass counts; one
# DECISIVE times as fast as the other after a round is not measured again.
ROUNDS = 3
DECISIVE = 2.0
CALIBRATION_TEXTS = 16  # texts per pass: one fp32 batch, 8 int8 texts per core on 2

# Prose of the length and vocabulary of a document chunk; windows of it of different
# lengths make texts of the splitter's chunk lengths.
_PROSE = (
    "The committee reviewed the quarterly maintenance report for the eastern facility and "
    "noted that the replacement of the cooling pumps had been delayed by three weeks because "
    "the supplier changed its delivery schedule. Operators must record every inspection in "
    "the logbook, including the pressure readings taken before and after each shift, and "
    "report any deviation above five percent to the duty engineer within one hour. The "
    "budget for the next fiscal year allocates additional funds for training, spare parts "
    "and the upgrade of the monitoring software, which will allow remote alerts when a "
    "sensor fails. Section 4.2 describes the procedure for isolating a faulty valve: close "
    "the upstream and downstream gates, vent the line, attach the lockout tag, and confirm "
    "with a second operator before any work begins. Appendix C lists the contacts of the "
    "regional safety office, the manufacturer's support line and the emergency services."
)


@dataclass(frozen=True)
class Calibration:
    """A measurement's outcome: the precision chosen, why (one line), each precision's
    best rate in texts/s, the CPU it was measured on (`CpuInfo.describe`) and when (UTC,
    ISO 8601)."""

    precision: Precision
    reason: str
    rates: Mapping[str, float]
    cpu: str
    measured_at: str


def choose(rates: Mapping[Precision, float], margin: float = INT8_MARGIN) -> tuple[Precision, str]:
    """The precision to embed with, given each one's texts/s, and the reason in one line:
    int8 when it is at least `margin` times as fast as fp32, else fp32."""
    int8, fp32 = rates["int8"], rates["fp32"]
    speed = int8 / fp32 if fp32 > 0 else float("inf")
    figures = f"int8 {int8:.1f} texts/s, fp32 {fp32:.1f} texts/s"
    if speed >= margin:
        return "int8", f"{figures}: int8 {speed:.2f}x as fast (>= {margin:.2f}x needed)"
    return "fp32", f"{figures}: int8 only {speed:.2f}x as fast (< {margin:.2f}x): exact vectors"


def sample_texts(count: int = CALIBRATION_TEXTS) -> list[str]:
    """`count` chunk-like texts of 120 to 180 words (about 150 to 220 word pieces, as most
    of the splitter's chunks are), each different, deterministically."""
    words = _PROSE.split()
    texts = []
    for i in range(count):
        length = 120 + (i * 37) % 61
        start = (i * 13) % len(words)
        window = (words * 3)[start : start + length]
        texts.append(f"report-{i} · page {i + 1}\n" + " ".join(window))
    return texts


def measure(
    embed: Mapping[Precision, Callable[[Sequence[str]], object]],
    texts: Sequence[str],
    rounds: int = ROUNDS,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[Precision, float]:
    """Each precision's best rate over up to `rounds` passes of `texts`, in texts/s; the
    precisions take turns (first one first, then the other), so a burst of other work on
    a shared machine slows both alike; it stops early once one is DECISIVE times as fast as
    the other. Each embeds a few texts first, untimed (the first run of an ONNX Runtime
    session allocates)."""
    for run in embed.values():
        run(texts[:2])
    best: dict[Precision, float] = dict.fromkeys(embed, 0.0)
    names = list(embed)
    for round_ in range(rounds):
        for name in names if round_ % 2 == 0 else names[::-1]:
            started = clock()
            embed[name](texts)
            best[name] = max(best[name], len(texts) / max(clock() - started, 1e-9))
        if max(best.values()) >= DECISIVE * max(min(best.values()), 1e-9):
            break
    return best


def cache_file(export_folder: Path, cpu: CpuInfo) -> Path:
    """Where the calibration for this model export on this CPU is kept."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        runtime = version("onnxruntime")
    except PackageNotFoundError:
        runtime = "?"
    key = f"{CALIBRATION_VERSION}|{cpu.key()}|onnxruntime {runtime}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return export_folder / f"calibration-{digest}.json"


def load(path: Path) -> Calibration | None:
    """The calibration saved at `path`, or None when there is none (or it is unreadable:
    it is measured again)."""
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        if data["precision"] not in PRECISIONS:
            return None
        return Calibration(
            precision=cast(Precision, data["precision"]),
            reason=str(data["reason"]),
            rates={str(k): float(v) for k, v in data["rates"].items()},
            cpu=str(data["cpu"]),
            measured_at=str(data["measured_at"]),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def save(path: Path, calibration: Calibration) -> None:
    """Write `calibration` to `path` atomically; a cache that cannot be written is left
    alone (the next run measures again)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=path.parent, suffix=".partial")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(asdict(calibration) | {"rates": dict(calibration.rates)}, out, indent=1)
        os.replace(name, path)
    except OSError:
        return


def calibrate(
    embed: Mapping[Precision, Callable[[Sequence[str]], object]],
    cpu: CpuInfo | None = None,
    texts: Sequence[str] | None = None,
) -> Calibration:
    """Measure `embed` (one embedding function per precision) and choose."""
    cpu = cpu or cpu_info()
    rates = measure(embed, sample_texts() if texts is None else texts)
    precision, reason = choose(rates)
    when = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Calibration(
        precision, reason, {k: round(v, 1) for k, v in rates.items()}, cpu.describe(), when
    )


def calibrated(
    model: str, cache: Path, batch_size: int = 0, *, measure: bool = True
) -> Calibration | None:
    """The calibration of `model` (a folder, "" = the packaged MiniLM) on this CPU: the
    cached one, else (when `measure`) one measured now and cached, exporting the model
    first if it never was; None when none is cached and `measure` is False. Raises
    UnsupportedModel when the model cannot be exported."""
    from localqa.embedding.onnx_encoder import OnnxEmbedder

    cpu = cpu_info()
    embedders = {p: OnnxEmbedder(model, p, cache, batch_size) for p in PRECISIONS}
    path = cache_file(embedders["int8"].onnx_file.parent, cpu)
    found = load(path)
    if found is not None or not measure:
        return found
    for embedder in embedders.values():
        embedder.prepare()  # the export, once per machine, is not part of the measurement
    found = calibrate({p: e.embed for p, e in embedders.items()}, cpu)
    save(path, found)
    return found
