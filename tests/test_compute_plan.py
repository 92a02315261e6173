"""How LocalModel.load chooses threads and batch sizes from the machine
(localqa/generation/llama_setup.py): the choice on fake CPU topologies, then what a real
llama.cpp load of the tiny test model gets."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from localqa.generation.llama_setup import (
    BATCH,
    ComputePlan,
    compute_plan,
    usable_cores,
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


def test_a_quiet_machine_gets_one_thread_per_core_for_both_kinds_of_step() -> None:
    assert compute_plan(0, 2, 0.0) == ComputePlan(2, 2, BATCH, BATCH, flash_attn=True)
    assert compute_plan(0, 16, 0.4).threads == compute_plan(0, 16, 0.4).threads_batch == 16


@pytest.mark.parametrize(
    ("cores", "load", "threads"),
    [(2, 0.49, 2), (2, 0.5, 1), (2, 1.2, 1), (2, 15.0, 1), (8, 2.6, 5), (8, -1.0, 8)],
)
def test_busy_cores_are_left_out(cores: int, load: float, threads: int) -> None:
    plan = compute_plan(0, cores, load)
    assert (plan.threads, plan.threads_batch) == (threads, threads)


def test_threads_setting_wins_over_the_machine() -> None:
    for threads, cores, load in ((1, 8, 0.0), (3, 2, 0.0), (2, 2, 15.0)):
        plan = compute_plan(threads, cores, load)
        assert (plan.threads, plan.threads_batch) == (threads, threads)


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


def test_load_passes_the_plan_to_llama_cpp(tiny_gguf: Path) -> None:
    import llama_cpp

    model = LocalModel.load(tiny_gguf, n_ctx=1024, n_gpu_layers=0)
    params = model._llama.context_params
    # the load average moves while the model loads (it may rise and fall again between two
    # readings), so the count is any the plan can give here; the unit tests above pin the
    # choice for each load
    assert params.n_threads == params.n_threads_batch
    assert 1 <= params.n_threads <= usable_cores()
    assert (params.n_batch, params.n_ubatch) == (BATCH, BATCH)
    assert params.flash_attn_type == llama_cpp.LLAMA_FLASH_ATTN_TYPE_ENABLED
    model.close()
    pinned = LocalModel.load(tiny_gguf, n_ctx=256, n_gpu_layers=0, threads=1)
    params = pinned._llama.context_params
    assert (params.n_threads, params.n_threads_batch) == (1, 1)
    pinned.close()
