"""`localqa doctor` and `localqa index repair` on a large index (issue 27), whole process.

Run alone: `.venv/bin/python benchmarks/bench_storage.py [--sizes 100000] [--reembed 10000]`.
Needs ../shared (or LOCALQA_SHARED) to build the synthetic indexes of
benchmarks/bench_retrieval_latency.py (real prose, random vectors; cached under
LOCALQA_BENCH_CACHE and reused). Each case works on a fresh copy of the cached index:

- `doctor`: the integrity check of a whole index (SQLite integrity_check, FTS5 against the
  chunk rows, the BM25 arrays, every vector id against every chunk id);
- `repair arrays`: the BM25 arrays removed, rebuilt from the stored chunk text;
- `repair lexical`: the FTS5 index emptied, rebuilt from the stored chunk text, then arrays;
- `repair vectors` (at `--reembed` chunks): the Chroma segment files deleted, every chunk
  re-embedded by the real MiniLM (no file re-read).

Prints `storage <chunks> <case>_s <seconds>` lines, with the load average and the CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from bench_retrieval_latency import build_index, settings_for, sources
from common import CACHE, cpu_line, figure, load_average

SCRATCH = CACHE / "storage"


def fresh_copy(n: int) -> Path:
    """A copy of the cached index of `n` chunks in a home of its own; that home."""
    source = settings_for(n).index_dir
    home = SCRATCH / f"home-{n}"
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(source, home / "indexes" / source.name)
    return home


def localqa(n: int, home: Path, *args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    env = {**os.environ, "LOCALQA_HOME": str(home), "LOCALQA_INDEX": f"synthetic-{n}"}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "localqa", *args], env=env, capture_output=True, text=True
    )
    return time.perf_counter() - started, done


def doctor_verdict(n: int, home: Path) -> tuple[float, str]:
    took, done = localqa(n, home, "doctor", "--json")
    return took, json.loads(done.stdout)["integrity"]["verdict"]


def case(n: int, name: str, damage: str) -> None:
    home = fresh_copy(n)
    index_dir = home / "indexes" / f"synthetic-{n}"
    if damage == "arrays":
        shutil.rmtree(index_dir / "lexical")
    elif damage == "lexical":
        with sqlite3.connect(index_dir / "catalog.sqlite") as db:
            db.execute("DELETE FROM chunks_fts")  # the FTS5 rows; the chunk rows stay
    elif damage == "vectors":
        for segment in (index_dir / "chroma").iterdir():
            if segment.is_dir():
                shutil.rmtree(segment)
    before_s, verdict = doctor_verdict(n, home)
    figure("storage", f"{n}", f"doctor_{name}_s", before_s)
    figure("storage", f"{n}", f"doctor_{name}_verdict", verdict)
    if damage:
        took, done = localqa(n, home, "index", "repair")
        figure("storage", f"{n}", f"repair_{name}_s", took)
        figure("storage", f"{n}", f"repair_{name}_exit", str(done.returncode))
        figure("storage", f"{n}", f"after_{name}_verdict", doctor_verdict(n, home)[1])
    figure("storage", f"{n}", f"load_{name}", load_average())
    shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--reembed", type=int, default=10000)
    args = parser.parse_args()
    figure("storage", "machine", "cpu", cpu_line())
    texts = sources()
    for n in [int(s) for s in args.sizes.split(",")]:
        build_index(n, texts).close()
        for name, damage in (("whole", ""), ("arrays", "arrays"), ("lexical", "lexical")):
            case(n, name, damage)
    if args.reembed:
        build_index(args.reembed, texts).close()
        case(args.reembed, "vectors", "vectors")


if __name__ == "__main__":
    main()
