"""What the abstention decision declines, and what it only doubts, on SQuAD 2.0 questions.

    .venv/bin/python benchmarks/abstention_signals.py --work DIR [--sample design|fixed]

DIR is `answer_quality.py --work DIR` (the SQuAD 2.0 dev set converted, its first 35
articles ingested). `--sample fixed` is answer_quality's fixed 300 + 300 (the reported
sample); `--sample design` (the default) draws 300 answerable and 300 unanswerable
questions of the same articles apart from it (seed 13): what the rules of
localqa/answering/unmatched.py were designed on. Each question goes through `ask`'s own
retrieval, packing and extraction, then `abstain.decide`; prints, for the relevance rule
alone and for the whole decision, the share of unanswerable questions declined, of
answerable ones declined and of those whose gold answer the extractive answer showed
(the points lost), then the same for each reason of unmatched.py and for the doubt line.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

from answer_quality import SQUAD, draw


def questions(squad: Path, sample: str) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in (squad / "questions.jsonl").open()]
    articles = json.loads(SQUAD.read_text(encoding="utf-8"))["data"][:35]
    ids = {qa["id"] for a in articles for p in a["paragraphs"] for qa in p["qas"]}
    answerable, unanswerable = draw([r for r in rows if r["id"] in ids], 300)
    if sample == "fixed":
        return answerable + unanswerable
    reported = {r["id"] for r in answerable + unanswerable}
    rest = [r for r in rows if r["id"] in ids and r["id"] not in reported]
    rng = random.Random(13)
    return rng.sample([r for r in rest if not r.get("unanswerable")], 300) + rng.sample(
        [r for r in rest if r.get("unanswerable")], 300
    )


def decided(home: Path, rows: list[dict[str, Any]]) -> None:
    """Adds to each row: `old` (the rules before unmatched.py: relevance, a name no
    passage holds, a measure), `declined`,
    `doubt`, `reason` (unmatched.py's, or None) and `shown` (the gold answer was quoted)."""
    from localqa.answering.abstain import decide, lacks_asked_measure
    from localqa.answering.citations import SupportChecker
    from localqa.answering.extractive import extract_answer
    from localqa.answering.unmatched import unmatched
    from localqa.builder import Builder
    from localqa.config import load_settings
    from localqa.evaluation.matching import contains_answer
    from localqa.retrieval.scoring import word_weights

    builder = Builder(load_settings({"home": str(home)}))
    below = builder.settings.answering.abstain_below
    with builder.existing_index() as index:
        retriever, s = builder.retriever(index), builder.settings
        for row in rows:
            q = row["question"]
            found = retriever.search(q).results
            contexts = retriever.context(found, s.top_k, s.context_chars)
            chunks = [c.chunk for c in contexts]
            weights = word_weights(q, chunks, index.lexical)
            checker = SupportChecker(retriever.embedder)
            extract = extract_answer(
                q, contexts, checker, weights=weights, neighbours=index.chunks.neighbours
            )
            texts = [c.text for c in chunks]
            decision = decide(extract, below, q, texts)
            missing = unmatched(q, extract.candidates, texts)
            row["old"] = (
                extract.relevance < below
                or (bool(extract.unheld) and not extract.cross_script)
                or lacks_asked_measure(q, extract.candidates)
            )
            row["declined"], row["doubt"] = bool(decision.declined), bool(decision.doubt)
            row["reason"] = None if missing is None or row["old"] else missing.reason
            row["shown"] = contains_answer(extract.text, row.get("answers", ()))


def shares(rows: list[dict[str, Any]], key: str, reason: str | None = None) -> str:
    def hit(r: dict[str, Any]) -> bool:
        return bool(r[key]) and (reason is None or r["reason"] == reason)

    unanswerable = [r for r in rows if r.get("unanswerable")]
    answerable = [r for r in rows if not r.get("unanswerable")]
    lost = sum(hit(r) and r["shown"] for r in answerable) / len(answerable)
    return (
        f"{sum(map(hit, unanswerable)) / len(unanswerable):.3f}\t"
        f"{sum(map(hit, answerable)) / len(answerable):.3f}\t{lost:.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--sample", choices=("design", "fixed"), default="design")
    args = parser.parse_args()
    rows = questions(args.work / "squad", args.sample)
    decided(args.work / "home", rows)
    print("rule\tunanswerable declined\tanswerable declined\tpoints lost")
    print(f"relevance, unheld name, measure (before)\t{shares(rows, 'old')}")
    print(f"whole decision\t{shares(rows, 'declined')}")
    for reason in ("number", "negation", "opposite"):
        print(f"  {reason}: declined\t{shares(rows, 'declined', reason)}")
        print(f"  {reason}: shown with the doubt line\t{shares(rows, 'doubt', reason)}")


if __name__ == "__main__":
    main()
