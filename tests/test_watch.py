"""The reader's watchdog: what it reads from /proc, and which limit a sample breaks."""

from __future__ import annotations

import os
import sys

import pytest

from localqa.ingest.loaders.limits import Limits
from localqa.ingest.watch import MB, Sample, cpu_seconds, own_cpu_seconds, resident_bytes, verdict

LIMITS = Limits(read_cpu_s=10, read_timeout_s=100, reader_memory_mb=500, ingest_memory_mb=1400)
CALM = Sample(item=3, busy=True, reading_s=50, cpu_s=5, reader_bytes=200 * MB, main_bytes=800 * MB)


def test_a_calm_sample_breaks_nothing() -> None:
    assert verdict(LIMITS, CALM) is None


@pytest.mark.parametrize(
    ("change", "setting"),
    [
        ({"cpu_s": 10.5}, "read_cpu_s"),
        ({"reading_s": 101}, "read_timeout_s"),
        ({"reader_bytes": 501 * MB}, "reader_memory_mb"),
        ({"reader_bytes": 450 * MB, "main_bytes": 1000 * MB}, "ingest_memory_mb"),
    ],
)
def test_each_limit_names_its_setting(change: dict[str, float], setting: str) -> None:
    fields = {name: getattr(CALM, name) for name in CALM.__slots__}
    broken = verdict(LIMITS, Sample(**{**fields, **change}))
    assert broken is not None and broken[1] == setting


def test_a_loaded_machine_is_no_reason() -> None:
    """Long by the clock but little CPU (the reader waited for a core): read on."""
    slow = Sample(item=3, busy=True, reading_s=99, cpu_s=2, reader_bytes=0, main_bytes=0)
    assert verdict(LIMITS, slow) is None


def test_waiting_for_room_and_being_between_files_are_not_reading() -> None:
    waiting = Sample(item=3, busy=False, reading_s=1000, cpu_s=1, reader_bytes=0, main_bytes=0)
    between = Sample(item=-1, busy=True, reading_s=1000, cpu_s=1000, reader_bytes=0, main_bytes=0)
    assert verdict(LIMITS, waiting) is None
    assert verdict(LIMITS, between) is None


def test_the_whole_ingest_line_says_what_was_left() -> None:
    sample = Sample(
        item=0, busy=True, reading_s=1, cpu_s=1, reader_bytes=450 * MB, main_bytes=1000 * MB
    )
    problem, _ = verdict(LIMITS, sample) or ("", "")
    assert problem == (
        "needed more than 400 MB of memory to read, beside the 1,000 MB the embedder held "
        "(the whole ingest may use 1,400 MB)"
    )


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_proc_readings_agree_with_the_process_itself() -> None:
    before = own_cpu_seconds()
    total = 0
    while own_cpu_seconds() - before < 0.3:  # burn some CPU: the clocks must move together
        total += sum(range(1000))
    inside, outside = own_cpu_seconds(), cpu_seconds(os.getpid())
    assert inside - before >= 0.3
    assert abs(inside - outside) < 0.05  # a tick or two apart at most
    assert 10 * MB < resident_bytes(os.getpid()) < 100_000 * MB
