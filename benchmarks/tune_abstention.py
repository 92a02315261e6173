"""Tuning `abstain_below`: how often each threshold abstains, on questions apart from the
sample that `answer_quality.py` reports.

    .venv/bin/python benchmarks/tune_abstention.py --work DIR [--per-kind 150]

DIR is `answer_quality.py --work DIR` (the SQuAD 2.0 dev set converted and ingested there).
Draws `--per-kind` answerable and unanswerable SQuAD 2.0 dev questions (seed 11) from those
NOT in answer_quality's fixed 300 + 300 sample, plus the 107 ARAGOG questions (about AI
papers: off-topic for Wikipedia articles), and computes for each the relevance the rule
reads (`Extract.relevance`, the best context sentence's agreement with the question) with
`ask`'s own retrieval, packing and extraction. Prints, per threshold: the share of answerable
questions that would abstain, of those the extractive answer showed the gold answer for
(the points lost), and the abstention rate on SQuAD unanswerable and ARAGOG questions.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from answer_quality import SQUAD, draw

ARAGOG = SQUAD.parent / "aragog" / "benchmark.json"
THRESHOLDS = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55)


def dev_sample(squad: Path, per_kind: int) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in (squad / "questions.jsonl").open()]
    reported = {r["id"] for kind in draw(rows, 300) for r in kind}
    rest = [r for r in rows if r["id"] not in reported]
    rng = random.Random(11)
    answerable = [r for r in rest if not r.get("unanswerable")]
    unanswerable = [r for r in rest if r.get("unanswerable")]
    return rng.sample(answerable, per_kind) + rng.sample(unanswerable, per_kind)


def relevances(home: Path, questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each question with `relevance` and whether the extractive answer shows a gold one."""
    from localqa.answering.citations import SupportChecker
    from localqa.answering.extractive import extract_answer
    from localqa.builder import Builder
    from localqa.config import load_settings
    from localqa.evaluation.matching import contains_answer

    builder = Builder(load_settings({"home": str(home)}))
    with builder.existing_index() as index:
        retriever, s = builder.retriever(index), builder.settings
        for row in questions:
            results = retriever.search(row["question"]).results
            contexts = retriever.context(results, s.top_k, s.context_chars)
            extract = extract_answer(row["question"], contexts, SupportChecker(retriever.embedder))
            row["relevance"] = extract.relevance
            row["shown"] = contains_answer(extract.text, row.get("answers", ()))
    return questions


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--per-kind", type=int, default=150)
    args = parser.parse_args()
    aragog = [
        {"question": q, "unanswerable": True, "aragog": True}
        for q in json.loads(ARAGOG.read_text(encoding="utf-8"))["questions"]
    ]
    rows = relevances(args.work / "home", dev_sample(args.work / "squad", args.per_kind) + aragog)
    kinds = {
        "squad answerable": [r for r in rows if not r.get("unanswerable")],
        "squad unanswerable": [r for r in rows if r.get("unanswerable") and "aragog" not in r],
        "aragog (off-topic)": [r for r in rows if "aragog" in r],
    }
    answerable = kinds["squad answerable"]
    print("threshold\tanswerable abstain\tpoints lost\t" + "\t".join(list(kinds)[1:]))
    for t in THRESHOLDS:
        lost = sum(r["shown"] and r["relevance"] < t for r in answerable) / len(answerable)
        rates = [sum(r["relevance"] < t for r in group) / len(group) for group in kinds.values()]
        print(f"{t}\t{rates[0]:.3f}\t{lost:.3f}\t" + "\t".join(f"{x:.3f}" for x in rates[1:]))


if __name__ == "__main__":
    main()
