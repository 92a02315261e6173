"""End-to-end answer time with each real model over sample_docs: a cold `localqa ask --json`
as a user runs it (process start, index, model load, retrieval, prompt, generation, checks).

    .venv/bin/python benchmarks/bench_answer.py [--runs 3] [--models smollm2-135m,gemma-3-270m]

Prints one line per model and question: wall seconds and CPU seconds of the `ask` process
(medians of the runs; on a shared machine CPU seconds say more about the code than wall
seconds, which wait behind other jobs), time to first token, prompt tokens, generated
tokens (and how many of them the prefix cache gave: the last run's; the first `ask` ever
with a model computes its prefix, later ones load it), tokens/s, layout, how the answer
ended, and the load average when it began.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import REPO, gemma_gguf, smollm2_gguf

QUESTIONS = (
    "How many weeks of parental leave do employees get?",
    "When is salary paid?",
    "Who is the release manager?",
)


def localqa(home: Path, *args: str) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (user + system) and stdout of one `localqa` process."""
    env = {**os.environ, "LOCALQA_HOME": str(home)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "localqa", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--models", default="smollm2-135m,gemma-3-270m")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch) / "home"
        localqa(home, "ingest", "--quiet", str(REPO / "sample_docs"))
        models = {"smollm2-135m": smollm2_gguf(), "gemma-3-270m": gemma_gguf(Path(scratch))}
        for name, path in models.items():
            if name not in args.models.split(","):
                continue
            for question in QUESTIONS:
                load = os.getloadavg()[0]
                runs = [
                    localqa(home, "ask", question, "--json", "--model", str(path))
                    for _ in range(args.runs)
                ]
                data = json.loads(runs[-1][2])
                t = data["timings"]
                if data["abstained"]:  # no generation: nothing to time but the wall
                    print(f"{name}\t{question}\tabstained\twall_s\t{runs[-1][0]:.2f}")
                    continue
                print(
                    f"{name}\t{question}\twall_s\t{statistics.median(r[0] for r in runs):.2f}"
                    f"\tcpu_s\t{statistics.median(r[1] for r in runs):.2f}\tload\t{load:.1f}"
                    f"\tfirst_token_ms\t{t['first_token_ms']}\tprompt_tokens\t"
                    f"{int(t['prompt_tokens'])}\treused\t{int(t['prompt_tokens_reused'])}"
                    f"\tgenerated\t{int(t['generated_tokens'])}"
                    f"\ttokens_per_s\t{t['tokens_per_s']}\tlayout\t{data['layout']['name']}"
                    f"\tended\t{data['finish_reason']}\tgrounded\t{data['grounded']}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
