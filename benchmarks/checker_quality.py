"""How well today's support check judges real model answers: the labelled set's answers
(tests/data/labelled_answers.json, built by benchmarks/label_answers.py) judged again
without a model, as `ask` would judge them, against their right/wrong labels.

    PYTHONPATH=. .venv/bin/python benchmarks/checker_quality.py [SET]

For each answer: extraction over the passages it read (abstained: flagged), then the
sentence checks over the passages the model was given and answer relevance
(answering/relevance.py `why_quotes`). An answer *stands alone* (shown as supported, no
quotes under it) when neither flags it. Figures per model, answer level: precision (right
among those standing alone), recall (standing alone among the right), wrong shown as
supported (wrong and standing alone, of all answers), right flagged (of the right ones);
sentence level: precision and recall of "supported" against "holds a gold answer".
Prints one line per figure (set, model, figure, value) and the answers it got wrong.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
SET = REPO / "tests" / "data" / "labelled_answers.json"
ABSTAIN_BELOW = 0.3  # the default setting


@dataclass(frozen=True)
class Judged:
    """One answer as today's check judges it."""

    model: str
    question: str
    right: bool
    stands_alone: bool
    reason: str  # why it does not stand alone ("abstained", a relevance.py reason) or ""
    sentences: tuple[tuple[bool, bool], ...]  # (supported, holds a gold answer) per check


def chunk_of(data: dict[str, Any]) -> Any:
    from localqa.schema import Chunk

    return Chunk(doc_hash="labelled", abs_path="/labelled/" + data["source"], **data)


def judge(row: dict[str, Any], model: str, checker: Any) -> Judged:
    """Judge `model`'s answer to the labelled `row` (one question of the set)."""
    from localqa.answering.abstain import abstains
    from localqa.answering.citations import check_answer
    from localqa.answering.extractive import extract_answer
    from localqa.answering.facts import spelt_as_digits
    from localqa.answering.relevance import why_quotes
    from localqa.evaluation import contains_answer
    from localqa.injection import addresses_model
    from localqa.schema import ScoredChunk

    question, answer = row["question"], row["answers_by_model"][model]
    contexts = [ScoredChunk(chunk_of(c["chunk"]), c["score"]) for c in row["contexts"]]
    extract = extract_answer(question, contexts, checker, weights=row["weights"])
    if abstains(extract, ABSTAIN_BELOW, question) or answer["abstained"]:
        return Judged(model, question, answer["right"], False, "abstained", ())
    sources = [chunk_of(c) for c in answer["sources"]]
    flagged = frozenset(n for n, c in enumerate(sources, 1) if addresses_model(c.text))
    checks, _ = check_answer(answer["text"], sources, checker, question, flagged)
    passages = [c.chunk.text for c in extract.citations]
    reason = why_quotes(checks, extract.quotes, question, passages)
    golds = row["answers"]
    digits = [spelt_as_digits(g) for g in golds]
    sentences = tuple(
        (
            c.supported,
            contains_answer(c.sentence, golds)
            or contains_answer(spelt_as_digits(c.sentence), digits),
        )
        for c in checks
    )
    return Judged(model, question, answer["right"], reason is None, reason or "", sentences)


def figures(judged: Sequence[Judged]) -> dict[str, float | int | None]:
    """Answer- and sentence-level figures of one model's judged answers (module docstring)."""
    right = [j for j in judged if j.right]
    alone = [j for j in judged if j.stands_alone]
    pairs = [pair for j in judged for pair in j.sentences]
    supported = [held for ok, held in pairs if ok]
    held = [ok for ok, gold in pairs if gold]

    def share(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    return {
        "answers": len(judged),
        "right": len(right),
        "stand_alone": len(alone),
        "precision": share(sum(j.right for j in alone), len(alone)),
        "recall": share(sum(j.stands_alone for j in right), len(right)),
        "wrong_shown_as_supported": share(sum(not j.right for j in alone), len(judged)),
        "right_flagged": share(sum(not j.stands_alone for j in right), len(right)),
        "sentence_precision": share(sum(supported), len(supported)),
        "sentence_recall": share(sum(held), len(held)),
    }


def judge_set(path: Path, checker: Any) -> dict[str, list[Judged]]:
    """Every answer of the set at `path`, judged, by model."""
    rows = json.loads(path.read_text(encoding="utf-8"))["questions"]
    by_model: dict[str, list[Judged]] = {}
    for row in rows:
        for model in row["answers_by_model"]:
            by_model.setdefault(model, []).append(judge(row, model, checker))
    return by_model


def main() -> None:
    from localqa.answering.citations import SupportChecker
    from localqa.builder import Builder
    from localqa.config import load_settings

    path = Path(sys.argv[1]) if len(sys.argv) > 1 else SET
    embedder = Builder(load_settings(environ={"LOCALQA_HOME": "/tmp/localqa-checker"})).embedder()
    for model, judged in judge_set(path, SupportChecker(embedder)).items():
        for name, value in figures(judged).items():
            print(f"labelled\t{model}\t{name}\t{value}", flush=True)
        for j in judged:
            if j.stands_alone != j.right:
                kind = "wrong, stands alone" if j.stands_alone else f"right, flagged ({j.reason})"
                print(f"  {model}\t{kind}\t{j.question}")


if __name__ == "__main__":
    main()
