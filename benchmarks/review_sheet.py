"""Write the sheet an annotator reviews the labelled answers on (issue 25).

    PYTHONPATH=. python benchmarks/review_sheet.py OUT_DIR [SET]

The labelled set's label (tests/data/labelled_answers.json) is automatic: an answer is right
when its text holds a gold answer, which is too lenient (an answer holding the gold words
may also make facts up, or hold them by accident: "5 ft 3 in" for "five lines") and too
strict (the right thing in other words: "the Kittiwake" for "MS Kittiwake"). The sheet
lists, per model (OUT_DIR/MODEL.md), every answer labelled right and every answer
labelled wrong that holds at least half the content words of a gold answer, each with
its question, gold answers and the passages the model was given, and nothing of the
check's verdict. An annotator judges each "right", "mixed" (the answer and a fact the
passages do not state) or "wrong"; tests/data/labelled_reviews.jsonl keeps the verdicts
(one JSON object per answer: id, model, review, note) and benchmarks/checker_quality.py
reports its figures under both labels.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
SET = REPO / "tests" / "data" / "labelled_answers.json"
NEAR = 0.5  # share of a gold answer's content words a wrong-labelled answer holds


def to_review(row: dict[str, Any], answer: dict[str, Any]) -> bool:
    """Whether the sheet lists this answer (module docstring)."""
    from localqa.evaluation.matching import gold_share

    if answer["abstained"]:
        return False
    return bool(answer["right"]) or gold_share(answer["text"], row["answers"]) >= NEAR


def main() -> None:
    out = Path(sys.argv[1])
    path = Path(sys.argv[2]) if len(sys.argv) > 2 else SET
    rows = json.loads(path.read_text(encoding="utf-8"))["questions"]
    out.mkdir(parents=True, exist_ok=True)
    sheets: dict[str, list[str]] = {}
    for row in rows:
        for model, answer in row["answers_by_model"].items():
            if not to_review(row, answer):
                continue
            lines = sheets.setdefault(model, [])
            label = "right" if answer["right"] else "wrong"
            lines.append(
                f"\n\n======== item {len(lines) + 1}  id={row['id']}  model={model}  "
                f"gold_label={label}\nQUESTION: {row['question']}\n"
                f"GOLD ANSWERS: {row['answers']}\nMODEL ANSWER: {answer['text']}\n"
            )
            for k, source in enumerate(answer["sources"], 1):
                lines[-1] += f"--- passage {k} ({source['source']}):\n{source['text']}\n"
    for model, lines in sheets.items():
        (out / f"{model}.md").write_text("".join(lines), encoding="utf-8")
        print(f"{model}: {len(lines)} answers to review -> {out / (model + '.md')}")


if __name__ == "__main__":
    main()
