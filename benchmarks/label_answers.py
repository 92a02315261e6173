"""Build the labelled answer set: real model answers, each sentence judged right or wrong
by its question's gold answer, stored with everything the support check reads.

    PYTHONPATH=. .venv/bin/python benchmarks/label_answers.py [--squad 40] [--articles 8]
        [--models smollm2-135m,gemma-3-270m] [--work DIR] [--out tests/data/labelled_answers.json]
        [--start N] [--no-sample-docs] [--add-to tests/data/labelled_answers.json]

Questions: the first `--squad` answerable questions of the fixed seed-7 draw
(answer_quality.py's `draw`) from the first `--articles` SQuAD 2.0 dev articles, and every
question of tests/sample_questions.jsonl over sample_docs. Each is asked with each model as
`ask` asks it (retrieval, extraction, the prompt packed for the model; greedy). Stored per
question: the gold answers, the passages extraction read (with the word weights it used)
and, per model, the answer text and the passages the model was given: what
`tests/test_labelled_answers.py` and `benchmarks/checker_quality.py` need to run today's
support check again without a model. Labels: a sentence (as the checker splits them) is
right when it holds a gold answer, numbers compared as values (`spelt_as_digits`: "ten"
is "10", "十个" is "10个"); an answer is right when its text holds one.

Growing the set: `--start 40 --squad 90 --no-sample-docs --add-to SET` answers the draw's
questions 40 to 89 only and writes SET with them added (questions already in it kept as
they are, the run's meta appended to its "additions").
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from answer_quality import SQUAD, draw, localqa
from common import REPO, gemma_gguf, load_average, smollm2_gguf

SAMPLE_QUESTIONS = REPO / "tests" / "sample_questions.jsonl"


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            flags = Path("/proc/cpuinfo").read_text()
            avx = "AVX2" if " avx2" in flags else "no AVX2"
            return f"{line.split(':', 1)[1].strip()}, {avx}" + (
                ", avx512f in /proc/cpuinfo" if " avx512f" in flags else ", no AVX-512"
            )
    return platform.machine()


def chunk_json(chunk: Any) -> dict[str, Any]:
    keys = ("id", "text", "source", "page", "line_start", "line_end", "char_start", "char_end")
    return {k: getattr(chunk, k) for k in keys} | {"title": chunk.title, "section": chunk.section}


def holds_gold(text: str, golds: list[str]) -> bool:
    """`text` holds a gold answer, case and spacing aside, numbers compared as digits."""
    from localqa.answering.facts import spelt_as_digits
    from localqa.evaluation.matching import contains_answer

    digits = spelt_as_digits(text)
    return contains_answer(text, golds) or contains_answer(
        digits, [spelt_as_digits(g) for g in golds]
    )


def squad_questions(
    work: Path, articles: int, count: int, start: int = 0
) -> tuple[Path, list[dict[str, Any]]]:
    """The SQuAD index home (built once) and the draw's answerable questions `start` to
    `count` (the first `count` by default)."""
    home, out = work / "squad-home", work / "squad"
    if not (out / "questions.jsonl").is_file():
        localqa(home, "eval", "--from", "squad", str(SQUAD), "--out", str(out))
    data = json.loads(SQUAD.read_text(encoding="utf-8"))["data"][:articles]
    ids = {qa["id"] for a in data for p in a["paragraphs"] for qa in p["qas"]}
    rows = [json.loads(line) for line in (out / "questions.jsonl").open()]
    answerable, _ = draw([r for r in rows if r["id"] in ids], 300)
    if not (home / "indexes").is_dir():
        titles = {a["title"].replace("_", " ") for a in data}
        docs = work / "squad-docs"
        docs.mkdir(exist_ok=True)
        for doc in (out / "docs").iterdir():
            if doc.stem in titles:
                (docs / doc.name).write_bytes(doc.read_bytes())
        localqa(home, "ingest", "--quiet", str(docs))
    return home, [r | {"set": "squad"} for r in answerable[start:count]]


def sample_docs_questions(work: Path) -> tuple[Path, list[dict[str, Any]]]:
    home = work / "sample-home"
    if not (home / "indexes").is_dir():
        localqa(home, "ingest", "--quiet", str(REPO / "sample_docs"))
    rows = [json.loads(line) for line in SAMPLE_QUESTIONS.open()]
    return home, [r | {"set": "sample_docs"} for r in rows]


class Recorder:
    """Wraps extraction to keep what it read: the passages and the word weights."""

    def __init__(self) -> None:
        self.seen: dict[str, dict[str, Any]] = {}

    def install(self) -> None:
        import localqa.answering.answerer as answerer

        real = answerer.extract_answer

        def recording(question: str, contexts: Any, checker: Any, **kw: Any) -> Any:
            self.seen[question] = {
                "contexts": [{"chunk": chunk_json(c.chunk), "score": c.score} for c in contexts],
                "weights": kw.get("weights"),
            }
            return real(question, contexts, checker, **kw)

        answerer.extract_answer = recording  # type: ignore[assignment]


def answer_all(
    home: Path, model: Path, rows: list[dict[str, Any]], recorder: Recorder
) -> dict[str, dict[str, Any]]:
    """Each row's question asked with `model` over the index in `home`."""
    from localqa.builder import Builder
    from localqa.sentences import split_sentences

    builder = Builder.from_options(home=str(home), model_path=str(model), temperature=0.0)
    llm = builder.load_model(report=None)
    index = builder.existing_index()
    answerer = builder.answerer(index, llm)
    done: dict[str, dict[str, Any]] = {}
    try:
        for row in rows:
            started = time.perf_counter()
            answer = answerer.ask(row["question"])
            golds = row["answers"]
            sentences = split_sentences(answer.text)
            done[row["id"]] = {
                "text": answer.text,
                "abstained": answer.abstained,
                "sources": [chunk_json(c) for c in answer.contexts],
                "right": holds_gold(answer.text, golds),
                "sentences": [{"text": s, "right": holds_gold(s, golds)} for s in sentences],
                "seconds": round(time.perf_counter() - started, 2),
            }
            print(row["id"], json.dumps(done[row["id"]]["text"])[:100], flush=True)
    finally:
        index.close()
    return done


def write(
    args: argparse.Namespace, questions: list[dict[str, Any]], started: str, load: str
) -> None:
    """Write the set (or the set `--add-to` names, with `questions` added) to `--out`."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO
    ).stdout.strip()
    meta = {
        "command": "benchmarks/label_answers.py "
        + " ".join(
            f"--{k} {v}"
            for k, v in (("squad", args.squad), ("articles", args.articles), ("start", args.start))
        ),
        "started": started,
        "finished": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load": f"{load} -> {load_average()}",
        "cpu": cpu_model(),
        "commit": commit,
        "questions": len(questions),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    body = {"meta": meta, "questions": questions}
    if args.add_to:
        body = json.loads(args.add_to.read_text(encoding="utf-8"))
        known = {q["id"] for q in body["questions"]}
        body["questions"] += [q for q in questions if q["id"] not in known]
        body["meta"].setdefault("additions", []).append(meta)
    args.out.write_text(json.dumps(body, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {len(questions)} questions", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--squad", type=int, default=40)
    parser.add_argument("--articles", type=int, default=8)
    parser.add_argument("--models", default="smollm2-135m,gemma-3-270m")
    parser.add_argument("--work", type=Path)
    parser.add_argument("--out", type=Path, default=REPO / "tests/data/labelled_answers.json")
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--no-sample-docs", action="store_true")
    parser.add_argument("--add-to", type=Path)
    parser.add_argument("--batch", type=int, default=10, help="questions between writes")
    args = parser.parse_args()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load_before = load_average()
    with tempfile.TemporaryDirectory() as temporary:
        work = args.work or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        sets = [squad_questions(work, args.articles, args.squad, args.start)]
        if not args.no_sample_docs:
            sets.append(sample_docs_questions(work))
        paths = {"smollm2-135m": smollm2_gguf(), "gemma-3-270m": gemma_gguf(work)}
        recorder = Recorder()
        recorder.install()
        done: list[dict[str, Any]] = []
        batches = [
            (h, rows[i : i + args.batch])
            for h, rows in sets
            for i in range(0, len(rows), args.batch)
        ]
        for home, rows in batches:  # written after each batch: a long run keeps what it did
            os.environ["LOCALQA_HOME"] = str(home)
            questions = {
                row["id"]: {k: row[k] for k in ("id", "set", "question", "answers")}
                | {"answers_by_model": {}}
                for row in rows
            }
            for name in args.models.split(","):
                for qid, answer in answer_all(home, paths[name], rows, recorder).items():
                    questions[qid]["answers_by_model"][name] = answer
            for row in rows:
                # `ask` strips the question (two SQuAD questions end in a space)
                questions[row["id"]] |= recorder.seen.get(row["question"].strip(), {})
            done += questions.values()
            write(args, done, started, load_before)


if __name__ == "__main__":
    main()
