"""Answer quality on a fixed SQuAD 2.0 dev sample: the extractive answer and each real model.

    .venv/bin/python benchmarks/answer_quality.py [--per-kind 300] [--articles 35]
        [--use N] [--modes extractive,smollm2-135m,gemma-3-270m] [--work DIR] [--threads N]

Converts ../shared/eval/squad-dev-v2.0.json (`localqa eval --from squad`), keeps the first
`--articles` articles, draws `--per-kind` answerable and as many unanswerable questions from
them (seed 7: the fixed sample; `benchmarks/tune_abstention.py` tunes on other questions),
ingests those articles into a scratch index and runs `localqa eval --generate` for each
mode on the first `--use` questions of each kind (default: all; `--start N`: from the
Nth on). Prints one line per figure: mode, figure, value. `--work DIR` keeps the
converted set, index, Gemma file and each run's report there, and reuses them.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from common import SHARED, gemma_gguf, smollm2_gguf

SQUAD = SHARED / "eval" / "squad-dev-v2.0.json"
FIGURES = (
    "shown_has_gold",
    "token_f1",
    "cited_has_gold",
    "abstained_when_answerable",
    "abstained_when_unanswerable",
    "supported_sentence_share",
    "seconds_per_answer",
    "tokens_per_s",
)


def localqa(home: Path, *args: str, threads: int = 0) -> str:
    command = [sys.executable, "-m", "localqa", *args]
    env = {"LOCALQA_HOME": str(home), "PATH": "/usr/bin:/bin", "LOCALQA_THREADS": str(threads)}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return done.stdout


def draw(rows: list[dict[str, Any]], per_kind: int) -> tuple[list[Any], list[Any]]:
    """The fixed sample (seed 7): `per_kind` answerable rows, then as many unanswerable."""
    rng = random.Random(7)
    answerable = [r for r in rows if not r.get("unanswerable")]
    unanswerable = [r for r in rows if r.get("unanswerable")]
    return (
        rng.sample(answerable, min(per_kind, len(answerable))),
        rng.sample(unanswerable, min(per_kind, len(unanswerable))),
    )


def sample(out: Path, articles: int, per_kind: int, use: int, start: int = 0) -> Path:
    """The questions of the first `articles` articles, `per_kind` of each kind (those from
    `start` to `use` of each kind kept), and only those articles' documents left in out/docs."""
    rows = [json.loads(line) for line in (out / "questions.jsonl").open()]
    data = json.loads(SQUAD.read_text(encoding="utf-8"))["data"][:articles]
    ids = {qa["id"] for a in data for p in a["paragraphs"] for qa in p["qas"]}
    answerable, unanswerable = draw([r for r in rows if r["id"] in ids], per_kind)
    chosen = answerable[start:use] + unanswerable[start:use]
    path = out / f"sample-{per_kind}-{start}-{use}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in chosen), encoding="utf-8")
    titles = {a["title"] for a in data}
    for doc in (out / "docs").iterdir():
        if not any(doc.stem == t.replace("_", " ") for t in titles):
            doc.unlink()
    return path


def models(scratch: Path) -> dict[str, str | None]:
    smollm2, gemma = str(smollm2_gguf()), str(gemma_gguf(scratch))
    return {"extractive": None, "smollm2-135m": smollm2, "gemma-3-270m": gemma}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--per-kind", type=int, default=300)
    parser.add_argument("--articles", type=int, default=35)
    parser.add_argument("--use", type=int, default=10**9)
    parser.add_argument("--start", type=int, default=0)  # with --use: a later slice
    parser.add_argument("--modes", default="extractive,smollm2-135m,gemma-3-270m")
    parser.add_argument("--work", type=Path)
    # llama.cpp threads (0: its choice); 1 wastes no CPU spinning on a shared machine
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        scratch = args.work or Path(temporary)
        home, out = scratch / "home", scratch / "squad"
        if not (home / "indexes").is_dir():
            localqa(home, "eval", "--from", "squad", str(SQUAD), "--out", str(out))
            sample(out, args.articles, args.per_kind, 0)  # leaves only those articles
            localqa(home, "ingest", "--quiet", str(out / "docs"))
        questions = sample(out, args.articles, args.per_kind, args.use, args.start)
        for mode, model in models(scratch).items():
            if mode not in args.modes.split(","):
                continue
            extra = ["--model", model] if model else ["--extractive"]
            report = json.loads(
                localqa(
                    home,
                    "eval",
                    str(questions),
                    "--generate",
                    "--json",
                    *extra,
                    threads=args.threads,
                )
            )
            if args.work:  # every answer, for a closer look
                (scratch / f"report-{mode}-{questions.stem}.json").write_text(json.dumps(report))
            answers = report["summary"]["answers"]
            for figure in FIGURES:
                print(f"{mode}\t{figure}\t{answers[figure]}", flush=True)


if __name__ == "__main__":
    main()
