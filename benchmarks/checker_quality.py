"""How well today's support check judges real model answers: the labelled set's answers
(tests/data/labelled_answers.json, built by benchmarks/label_answers.py) judged again
without a model, as `ask` would judge them, against their right/wrong labels.

    PYTHONPATH=. .venv/bin/python benchmarks/checker_quality.py [SET] [--cases]

For each answer: extraction over the passages it read (abstained: flagged), then the
sentence checks over the passages the model was given and answer relevance
(answering/relevance.py `why_quotes`). An answer *stands alone* (shown as supported, no
quotes under it) when neither flags it. Figures per model, answer level: precision (right
among those standing alone), recall (standing alone among the right), wrong shown as
supported (wrong and standing alone, of all answers), right flagged (of the right ones);
sentence level: precision and recall of "supported" against "holds a gold answer";
`wrong_alone_near_right`: how many of the wrong answers standing alone hold every content
word of a gold answer in another order or number ("the border between the United States
and Mexico" for "Mexico-United States border"): the label's strictness, not the check's;
`right_flagged_REASON`: the right answers flagged, by the reason (relevance.py).
Prints one line per figure (half, model, figure, value) for the development half, the
held-out half and the whole set, and the answers it got wrong with the reason; `--cases`
adds, for each of those, every sentence's support and the evidence it rests on, and the
quote the answer had to rest on (the diagnostic of issue 25).

Labels: each figure twice, by the gold-answer label (`right`: the answer holds a gold
answer) and, prefixed `reviewed_`, by an annotator's review where there is one
(tests/data/labelled_reviews.jsonl, benchmarks/review_sheet.py): right only when the
answer states the answer and nothing the passages do not state ("mixed" and "wrong" are
wrong), which is what "shown as supported" promises.

Halves: fixed by question id (`half`: the parity of its SHA-256's first byte), so a
question added later falls in the same half on every run. The check is tuned on the
development half only; the held-out half says whether a change fits the cases or the kind.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
SET = REPO / "tests" / "data" / "labelled_answers.json"
REVIEWS = REPO / "tests" / "data" / "labelled_reviews.jsonl"
ABSTAIN_BELOW = 0.3  # the default setting


HALVES = ("development", "held-out")


def half(question_id: str) -> str:
    """The fixed half ("development" or "held-out") the question with this id falls in."""
    return HALVES[hashlib.sha256(question_id.encode("utf-8")).digest()[0] % 2]


@dataclass(frozen=True)
class Judged:
    """One answer as today's check judges it."""

    model: str
    question: str
    half: str
    right: bool
    stands_alone: bool
    reason: str  # why it does not stand alone ("abstained", a relevance.py reason) or ""
    sentences: tuple[tuple[bool, bool], ...]  # (supported, holds a gold answer) per check
    # per check: (support 0..1, sentence, the evidence it rests on); and the first quote
    details: tuple[tuple[float, str, str], ...] = ()
    quote: str = ""
    near_right: bool = False  # wrong, yet holds every content word of a gold answer
    reviewed: bool | None = None  # right by the annotator's review; None: not reviewed


def reviews(path: Path = REVIEWS) -> dict[tuple[str, str], str]:
    """The annotator's verdict ("right", "mixed", "wrong") by (question id, model)."""
    if not path.exists():
        return {}
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            found[item["id"], item["model"]] = item["review"]
    return found


def as_reviewed(j: Judged) -> Judged:
    """`j` labelled by its review: right only when reviewed right (unreviewed: its label)."""
    right = j.right if j.reviewed is None else j.reviewed
    return replace(j, right=right, near_right=j.near_right and not right)


def near_right(text: str, golds: Sequence[str]) -> bool:
    """`text` holds every content word (stemmed, numbers as digits) of one of `golds`."""
    from localqa.evaluation.matching import gold_share

    return gold_share(text, golds) == 1.0


def chunk_of(data: dict[str, Any]) -> Any:
    from localqa.schema import Chunk

    return Chunk(doc_hash="labelled", abs_path="/labelled/" + data["source"], **data)


def judge(row: dict[str, Any], model: str, checker: Any, review: str | None = None) -> Judged:
    """Judge `model`'s answer to the labelled `row` (one question of the set); `review`:
    the annotator's verdict on it, if any."""
    from localqa.answering.abstain import abstains
    from localqa.answering.citations import check_answer
    from localqa.answering.extractive import extract_answer
    from localqa.answering.facts import spelt_as_digits
    from localqa.answering.relevance import why_quotes
    from localqa.evaluation.matching import contains_answer
    from localqa.injection import addresses_model
    from localqa.schema import ScoredChunk

    question, answer = row["question"], row["answers_by_model"][model]
    where = half(row["id"])
    contexts = [ScoredChunk(chunk_of(c["chunk"]), c["score"]) for c in row["contexts"]]
    extract = extract_answer(question, contexts, checker, weights=row["weights"])
    near = not answer["right"] and near_right(answer["text"], row["answers"])
    reviewed = None if review is None else review == "right"
    texts = [c.chunk.text for c in contexts]  # what `ask` passes
    if abstains(extract, ABSTAIN_BELOW, question, texts) or answer["abstained"]:
        return Judged(
            model, question, where, answer["right"], False, "abstained", (), (), "", near, reviewed
        )
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
    details = tuple((c.support, c.sentence, c.evidence) for c in checks)
    quote = extract.quotes[0] if extract.quotes else ""
    return Judged(
        model,
        question,
        where,
        answer["right"],
        reason is None,
        reason or "",
        sentences,
        details,
        quote,
        near,
        reviewed,
    )


def figures(judged: Sequence[Judged]) -> dict[str, float | int | None]:
    """Answer- and sentence-level figures of one model's judged answers (module docstring)."""
    right = [j for j in judged if j.right]
    alone = [j for j in judged if j.stands_alone]
    pairs = [pair for j in judged for pair in j.sentences]
    supported = [held for ok, held in pairs if ok]
    held = [ok for ok, gold in pairs if gold]

    def share(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    flagged: dict[str, int] = {}
    for j in right:
        if not j.stands_alone:
            flagged[f"right_flagged_{j.reason}"] = flagged.get(f"right_flagged_{j.reason}", 0) + 1
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
        "wrong_alone_near_right": sum(j.near_right for j in alone if not j.right),
    } | dict(sorted(flagged.items()))


def judge_set(path: Path, checker: Any) -> dict[str, list[Judged]]:
    """Every answer of the set at `path`, judged, by model."""
    rows = json.loads(path.read_text(encoding="utf-8"))["questions"]
    verdicts = reviews()
    by_model: dict[str, list[Judged]] = {}
    for row in rows:
        for model in row["answers_by_model"]:
            review = verdicts.get((row["id"], model))
            by_model.setdefault(model, []).append(judge(row, model, checker, review))
    return by_model


def show_case(j: Judged, cases: bool) -> None:
    """One line for an answer the check got wrong; with `cases`, its sentences too."""
    kind = "wrong, stands alone" if j.stands_alone else f"right, flagged ({j.reason})"
    print(f"  {j.half}\t{j.model}\t{kind}\t{j.question}")
    if cases:
        for support, sentence, evidence in j.details:
            print(f"      {support:.2f} {sentence[:120]!r}\n           on {evidence[:120]!r}")
        print(f"      first quote {j.quote[:120]!r}")


def main() -> None:
    from localqa.answering.citations import SupportChecker
    from localqa.builder import Builder
    from localqa.config import load_settings

    arguments = [a for a in sys.argv[1:] if a != "--cases"]
    path = Path(arguments[0]) if arguments else SET
    embedder = Builder(load_settings(environ={"LOCALQA_HOME": "/tmp/localqa-checker"})).embedder()
    for model, judged in judge_set(path, SupportChecker(embedder)).items():
        for part in (*HALVES, "all"):
            some = [j for j in judged if part in (j.half, "all")]
            for name, value in figures(some).items():
                print(f"{part}\t{model}\t{name}\t{value}", flush=True)
            for name, value in figures([as_reviewed(j) for j in some]).items():
                print(f"{part}\t{model}\treviewed_{name}\t{value}", flush=True)
        for j in judged:
            if j.stands_alone != j.right:
                show_case(j, "--cases" in sys.argv)
        for j in map(as_reviewed, judged):
            if j.stands_alone != j.right:
                print("  reviewed:", end="")
                show_case(j, False)


if __name__ == "__main__":
    main()
