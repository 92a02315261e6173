"""Start-up benchmarks: `localqa --help`, a cold extractive `localqa ask`, and the imports.

Run alone: `.venv/bin/python benchmarks/bench_startup.py [--runs 5]`. Needs nothing outside
the checkout. Prints one line per figure: `<benchmark> <subject> <figure> <value>`.

Each command runs as a new process, like hyperfine: one warm-up run (so the files are in the
OS cache; the first is shown too), then --runs timed runs, process start to exit, of which
the median (and min, max) is reported. The `ask` runs use an index of sample_docs built once
under LOCALQA_BENCH_CACHE (default /tmp/localqa-bench) with `localqa ingest`. Then
`python -X importtime` runs each command once more and the 8 imports with the largest
cumulative time are listed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import CACHE, REPO, figure, load_average

HOME = CACHE / "startup-home"
QUESTION = "How many days of paid vacation do I get each year?"
TOP = 8


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCALQA_")}
    env["LOCALQA_HOME"] = str(HOME)
    return env


def localqa() -> list[str]:
    script = Path(sys.executable).parent / "localqa"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "localqa"]


def run_once(command: list[str]) -> tuple[float, bytes]:
    """Seconds from process start to exit, and what it printed on stdout."""
    started = time.perf_counter()
    proc = subprocess.run(command, env=environment(), cwd=REPO, capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    return elapsed, proc.stdout


def wall_time(subject: str, command: list[str], runs: int) -> bytes:
    """Time the command; returns the stdout of its last run."""
    first, out = run_once(command)
    times: list[float] = []
    for _ in range(runs):
        elapsed, out = run_once(command)
        times.append(elapsed)
    figure("startup", subject, "first_run_s", first)
    figure("startup", subject, f"median_of_{runs}_s", statistics.median(times))
    figure("startup", subject, "min_s", min(times))
    figure("startup", subject, "max_s", max(times))
    figure("startup", subject, "load_average", load_average())
    return out


def ensure_index() -> None:
    """Ingest sample_docs (a no-op re-ingest when the home is cached), so the index is
    exactly as `localqa ingest` of this version leaves it."""
    cached = (HOME / "indexes" / "default" / "catalog.sqlite").is_file()
    figure("startup", "index", "home", f"{HOME}{' (cached)' if cached else ''}")
    started = time.perf_counter()
    subprocess.run(
        [*localqa(), "ingest", "--quiet", str(REPO / "sample_docs")],
        env=environment(),
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    figure("startup", "index", "ingest_sample_docs_s", time.perf_counter() - started)


def import_times(subject: str, args: list[str]) -> None:
    """The TOP imports by cumulative time under `python -X importtime`."""
    command = [sys.executable, "-X", "importtime", "-m", "localqa", *args]
    proc = subprocess.run(command, env=environment(), cwd=REPO, capture_output=True, check=False)
    rows: list[tuple[int, int, str]] = []
    for line in proc.stderr.decode(errors="replace").splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_us, cumulative_us, name = line.removeprefix("import time:").split("|")
        rows.append((int(cumulative_us), int(self_us), name.strip()))
    total = sum(self_us for _, self_us, _ in rows)
    figure("importtime", subject, "all_imports_ms", total / 1000)
    for cumulative, _, name in sorted(rows, reverse=True)[:TOP]:
        figure("importtime", subject, name, cumulative / 1000)
    # The same, top-level packages only (the list above nests: chromadb, chromadb.api, ...).
    packages = [row for row in rows if "." not in row[2] and not row[2].startswith("_")]
    for cumulative, _, name in sorted(packages, reverse=True)[:TOP]:
        figure("importtime", f"{subject}:packages", name, cumulative / 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    ask = ["ask", "--json", "--extractive", QUESTION]
    figure("startup", "machine", "load_average_start", load_average())
    wall_time("help", [*localqa(), "--help"], args.runs)
    ensure_index()
    out = wall_time("ask_extractive_json", [*localqa(), *ask], args.runs)
    for stage, ms in json.loads(out)["timings"].items():  # the last run's own stages
        figure("startup", "ask_extractive_json", f"stage_{stage}", float(ms))
    import_times("help", ["--help"])
    import_times("ask_extractive_json", ask)


if __name__ == "__main__":
    main()
