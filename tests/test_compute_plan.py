"""How LocalModel chooses threads and batch sizes from the machine
(localqa/generation/llama_setup.py): the choice on fake CPU topologies and fake /proc/stat
samples, a real measurement beside a CPU-burning process, then what a real llama.cpp
model of the tiny test model gets."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from localqa.generation.base import Sampling
from localqa.generation.cpu_load import (
    MIN_WINDOW_S,
    CpuSample,
    busy_elsewhere,
    cpu_sample,
    usable_cores,
)
from localqa.generation.llama_setup import (
    BATCH,
    DECODE_THREADS,
    ComputePlan,
    ThreadPlanner,
    apply_threads,
    compute_plan,
    threads_line,
)
from localqa.generation.model import LocalModel


def fake_sysfs(root: Path, cores: dict[int, tuple[int, int]]) -> Path:
    """A /sys/devices/system/cpu tree: cpu number -> (package id, core id)."""
    for cpu, (package, core) in cores.items():
        topology = root / f"cpu{cpu}" / "topology"
        topology.mkdir(parents=True)
        (topology / "physical_package_id").write_text(f"{package}\n")
        (topology / "core_id").write_text(f"{core}\n")
    return root


def test_by_default_decoding_is_fixed_and_prompts_get_one_thread_per_idle_core() -> None:
    # decoding's thread count changes greedy answers (docs/BENCHMARKS-LOG.md): never the load's
    assert DECODE_THREADS == 1
    assert compute_plan(0, 2, 0.0) == ComputePlan(1, 2, BATCH, BATCH, flash_attn=True)
    assert compute_plan(0, 16, 0.4) == ComputePlan(1, 16, BATCH, BATCH, flash_attn=True)
    assert compute_plan("follow", 2, 0.0) == ComputePlan(2, 2, BATCH, BATCH, flash_attn=True)


@pytest.mark.parametrize(
    ("cores", "load", "threads"),
    [(2, 0.49, 2), (2, 0.5, 1), (2, 1.2, 1), (2, 15.0, 1), (8, 2.6, 5), (8, -1.0, 8)],
)
def test_busy_cores_are_left_out(cores: int, load: float, threads: int) -> None:
    assert compute_plan(0, cores, load).threads_batch == threads
    assert compute_plan(0, cores, load).threads == DECODE_THREADS  # whatever the load
    following = compute_plan("follow", cores, load)
    assert (following.threads, following.threads_batch) == (threads, threads)


def test_threads_setting_wins_over_the_machine() -> None:
    for threads, cores, load in ((1, 8, 0.0), (3, 2, 0.0), (2, 2, 15.0)):
        plan = compute_plan(threads, cores, load)
        assert (plan.threads, plan.threads_batch) == (threads, threads)


def test_doctor_says_whether_greedy_answers_follow_the_load() -> None:
    assert "does not change" in threads_line(0, 2) and "(of 2)" in threads_line(0, 2)
    assert "whatever the load" in threads_line(3, 2)
    assert "may change with the machine's load" in threads_line("follow", 2)


def test_plan_never_has_zero_threads() -> None:
    assert compute_plan(0, 0, 0.0).threads == 1


def test_hyperthread_siblings_count_once(tmp_path: Path) -> None:
    # 4 CPUs, 2 cores with two hardware threads each (cpu0+cpu2, cpu1+cpu3)
    sysfs = fake_sysfs(tmp_path, {0: (0, 0), 1: (0, 1), 2: (0, 0), 3: (0, 1)})
    no_quota = tmp_path / "absent-cpu.max"
    assert usable_cores([0, 1, 2, 3], sysfs, no_quota) == 2
    assert usable_cores([0, 2], sysfs, no_quota) == 1  # affinity holds one core's threads


def test_cores_without_smt_and_on_two_packages(tmp_path: Path) -> None:
    sysfs = fake_sysfs(tmp_path, {0: (0, 0), 1: (0, 1), 2: (1, 0), 3: (1, 1)})
    assert usable_cores([0, 1, 2, 3], sysfs, tmp_path / "absent") == 4


@pytest.mark.parametrize(
    ("cpu_max", "expected"),
    [
        ("max 100000\n", 4),
        ("200000 100000\n", 2),
        ("150000 100000\n", 2),
        ("50000 100000", 1),
        ("", 4),
        ("garbage", 4),
    ],
)
def test_cgroup_quota_caps_the_cores(tmp_path: Path, cpu_max: str, expected: int) -> None:
    sysfs = fake_sysfs(tmp_path / "cpu", {n: (0, n) for n in range(4)})
    (tmp_path / "cpu.max").write_text(cpu_max)
    assert usable_cores(range(4), sysfs, tmp_path / "cpu.max") == expected


def test_unreadable_topology_counts_every_cpu(tmp_path: Path) -> None:
    assert usable_cores([0, 1, 5], tmp_path / "no-sysfs", tmp_path / "absent") == 3


def test_this_machine_has_between_one_core_and_its_cpu_count() -> None:
    assert 1 <= usable_cores() <= (os.cpu_count() or 1)


PROC_STAT = """cpu  900 0 100 5000 0 0 0 0 0 0
cpu0 400 0 50 2500 7 0 0 0 0 0
cpu1 500 0 50 2500 9 0 0 3 0 0
intr 1 2 3
"""


def test_a_sample_counts_busy_ticks_of_the_process_cpus_only(tmp_path: Path) -> None:
    stat = tmp_path / "stat"
    stat.write_text(PROC_STAT)
    tick = os.sysconf("SC_CLK_TCK")
    no_quota = tmp_path / "absent-cpu.max"
    both = cpu_sample(stat, [0, 1], no_quota)
    one = cpu_sample(stat, [1], no_quota)
    assert both is not None and one is not None
    assert (both.cpus, one.cpus) == (2, 1)
    # user + system (+ steal), not idle or iowait
    assert both.busy_s == pytest.approx((450 + 553) / tick)
    assert one.busy_s == pytest.approx(553 / tick)
    assert cpu_sample(tmp_path / "absent", [0], tmp_path / "no-quota") is None


def test_in_a_container_with_a_quota_the_cgroup_usage_counts(tmp_path: Path) -> None:
    # /proc/stat shows the whole 64-CPU host there; the cgroup's usage is what competes
    (tmp_path / "cpu.max").write_text("200000 100000\n")
    (tmp_path / "cpu.stat").write_text("usage_usec 7500000\nuser_usec 7000000\n")
    found = cpu_sample(tmp_path / "absent", range(64), tmp_path / "cpu.max", tmp_path / "cpu.stat")
    assert found is not None
    assert (found.busy_s, found.cpus) == (7.5, 2)
    (tmp_path / "cpu.max").write_text("max 100000\n")  # no quota: back to /proc/stat
    assert cpu_sample(tmp_path / "absent", [0], tmp_path / "cpu.max", tmp_path / "cpu.stat") is None


def sample(at: float, busy_s: float, own_s: float, cpus: int = 2) -> CpuSample:
    return CpuSample(at=at, busy_s=busy_s, own_s=own_s, cpus=cpus)


def test_this_process_own_work_is_not_counted_as_busy() -> None:
    # 1 s on 2 CPUs: 1.5 CPU-seconds busy, of which 1.2 were this process (loading, the
    # embedder): others kept 0.3 of 2 CPUs busy
    share = busy_elsewhere(sample(10.0, 100.0, 5.0), sample(11.0, 101.5, 6.2))
    assert share == pytest.approx(0.15)
    assert busy_elsewhere(sample(10.0, 100.0, 5.0), sample(11.0, 100.0, 5.0)) == 0.0
    # clock ticks can make own time exceed the busy count a little: never below 0, above 1
    assert busy_elsewhere(sample(10.0, 100.0, 5.0), sample(11.0, 100.0, 5.1)) == 0.0
    assert busy_elsewhere(sample(10.0, 100.0, 5.0), sample(11.0, 103.0, 5.0)) == 1.0


def test_a_window_too_short_to_judge_gives_no_figure() -> None:
    short = 10.0 + MIN_WINDOW_S / 2
    assert busy_elsewhere(sample(10.0, 100.0, 5.0), sample(short, 100.1, 5.0)) is None


class Samples:
    """A fake /proc/stat clock: each call returns the next sample."""

    def __init__(self, *samples: CpuSample | None) -> None:
        self.left = list(samples)

    def __call__(self) -> CpuSample | None:
        return self.left.pop(0)


def test_planner_follows_what_others_do_between_prompts() -> None:
    planner = ThreadPlanner(
        0,
        2,
        Samples(
            sample(0.0, 0.0, 0.0),
            sample(1.0, 1.9, 0.1),  # another process used one CPU
            sample(1.1, 2.0, 0.1),  # too soon to judge: keep the plan, keep the mark
            sample(3.0, 2.1, 0.2),  # since 1.0: quiet
        ),
    )
    assert planner.plan.threads_batch == 2  # nothing measured yet: every core
    assert planner.refresh() is True
    assert (planner.plan.threads, planner.plan.threads_batch) == (DECODE_THREADS, 1)
    assert planner.refresh() is False
    assert planner.plan.threads_batch == 1
    assert planner.refresh() is True
    assert (planner.plan.threads, planner.plan.threads_batch) == (DECODE_THREADS, 2)


def test_following_the_load_moves_decoding_too() -> None:
    quiet, busy = sample(1.0, 0.1, 0.1), sample(2.0, 1.1, 0.1)  # then one CPU of two busy
    planner = ThreadPlanner("follow", 2, Samples(sample(0.0, 0.0, 0.0), quiet, busy))
    planner.refresh()
    assert (planner.plan.threads, planner.plan.threads_batch) == (2, 2)
    planner.refresh()
    assert (planner.plan.threads, planner.plan.threads_batch) == (1, 1)


def test_the_threads_setting_is_never_measured_over() -> None:
    planner = ThreadPlanner(3, 2, Samples())  # an empty fake: sampling would fail
    assert planner.plan.threads == 3
    assert planner.refresh() is False


def test_without_proc_stat_the_load_average_stands_in() -> None:
    planner = ThreadPlanner(0, 2, Samples(None))
    assert 1 <= planner.plan.threads_batch <= 2
    assert planner.refresh() is False


@pytest.fixture
def burner() -> Iterator[subprocess.Popen[bytes]]:
    """A process that keeps one CPU busy, running for at least 0.3 s of CPU before use."""
    proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        stat = Path(f"/proc/{proc.pid}/stat")
        tick = os.sysconf("SC_CLK_TCK")
        deadline = time.monotonic() + 120
        while int(stat.read_text().rsplit(")", 1)[1].split()[11]) < 0.3 * tick:
            assert time.monotonic() < deadline, "the burner never ran"
            time.sleep(0.05)
        yield proc
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.skipif(not Path("/proc/stat").exists(), reason="needs Linux's /proc/stat")
@pytest.mark.skipif(usable_cores() < 2, reason="needs two cores to leave one to the burner")
def test_a_busy_neighbour_takes_a_thread_away(burner: subprocess.Popen[bytes]) -> None:
    planner = ThreadPlanner(0, usable_cores())
    planner.refresh()
    # other load on a shared machine can only take more threads away, never give back
    # the burner's core
    assert planner.plan.threads_batch <= usable_cores() - 1


def test_the_model_gets_the_plan_before_its_first_prompt(tiny_gguf: Path) -> None:
    import llama_cpp

    model = LocalModel.load(tiny_gguf, n_ctx=1024, n_gpu_layers=0)
    params = model._llama.context_params
    assert (params.n_batch, params.n_ubatch) == (BATCH, BATCH)
    assert params.flash_attn_type == llama_cpp.LLAMA_FLASH_ATTN_TYPE_ENABLED
    "".join(model.stream(model.tokenize("hello there"), 2, Sampling(0.0, 1.0, 0.0)))
    assert model._planner is not None
    chosen = model._planner.plan
    # what llama.cpp's context computes with is what was planned for this prompt
    ctx = model._llama.ctx
    assert llama_cpp.llama_n_threads(ctx) == chosen.threads == params.n_threads
    assert llama_cpp.llama_n_threads_batch(ctx) == chosen.threads_batch
    assert chosen.threads == DECODE_THREADS
    assert 1 <= chosen.threads_batch <= usable_cores()
    for threads in (3, 1):  # a later prompt's plan reaches the same context
        apply_threads(model._llama, ComputePlan(threads, threads + 1, BATCH, BATCH, True))
        assert llama_cpp.llama_n_threads(ctx) == threads == params.n_threads
        assert llama_cpp.llama_n_threads_batch(ctx) == threads + 1
    model.close()
    pinned = LocalModel.load(tiny_gguf, n_ctx=256, n_gpu_layers=0, threads=1)
    params = pinned._llama.context_params
    assert (params.n_threads, params.n_threads_batch) == (1, 1)
    pinned.close()


def test_the_threads_setting_takes_a_count_or_follow(tmp_path: Path) -> None:
    from localqa.config import ConfigError, load_settings

    def threads(value: str) -> int | str:
        environ = {"LOCALQA_HOME": str(tmp_path), "LOCALQA_THREADS": value}
        return load_settings(environ=environ).generation.threads

    assert (threads("0"), threads("3"), threads("follow")) == (0, 3, "follow")
    with pytest.raises(ConfigError, match=r'give a whole number \(at least 0\) or "follow"'):
        threads("-1")
