"""benchmarks/bench_serve.py runs end to end with very small numbers (a real server, two
clients for a second, ten requests in a row), so it cannot rot. No timing is asserted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from localqa.config import Settings

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_serve.py"


def test_bench_serve_runs_with_tiny_numbers(sample_index: Settings, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCALQA_")}
    args = ["--clients", "2", "--seconds", "1", "--baseline-seconds", "0.5", "--requests", "10"]
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *args, "--home", str(sample_index.home), "--json"],
        env={**env, "LOCALQA_BENCH_CACHE": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    concurrent = result["concurrent"]
    assert concurrent["requests"] >= 2 and concurrent["errors"] == 0
    assert concurrent["p95_ms"] >= concurrent["p50_ms"] > 0
    assert result["baseline_in_process"]["requests"] >= 1 and result["ratio"] > 0
    memory = result["memory"]
    assert (memory["requests"], memory["errors"]) == (10, 0)
    assert memory["rss_after_mb"] > 0 and memory["rss_before_mb"] > 0
    assert result["server_log_tracebacks"] == 0
    assert result["clients"] == 2 and "load" in result and "cpu" in result
