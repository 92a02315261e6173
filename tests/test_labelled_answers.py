"""The support check against real model answers labelled right or wrong (issue 25).

tests/data/labelled_answers.json holds SmolLM2-135M's and Gemma-3-270M's answers to SQuAD 2.0
dev questions and to sample_docs' questions, each labelled by its gold answer, with the
passages extraction read and the ones each model was given (benchmarks/label_answers.py
built it: 67 questions, then more SQuAD questions). Today's check judges every answer
again with the real MiniLM, as `ask` would (benchmarks/checker_quality.py), and must not
fall below the floors measured on the whole set (docs/BENCHMARKS-LOG.md, "Issue 25: the
support check reads what a claim adds"). The set is split in two fixed halves by question
id; the check is tuned on the development half, and both are reported."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from localqa.answering.citations import SupportChecker
from localqa.embedding.embedder import Embedder

REPO = Path(__file__).resolve().parent.parent
SET = REPO / "tests" / "data" / "labelled_answers.json"
# Measured on the whole set (docs/BENCHMARKS-LOG.md, "Issue 25: which one"), less one
# answer's worth, on the 117-question set (117 answers per model; 12 (SmolLM2) and 28
# (Gemma) standing alone, 22 and 33 right, 4 and 8 wrong answers standing alone) and on the
# set grown to 300 SQuAD questions (329 answers per model; 41 and 80 standing alone, 74 and
# 104 right, 12 and 20 wrong standing alone), whichever is lower. The check flags a
# supported answer that may not pick out what was asked (picks.py): fewer wrong answers
# stand alone, and some right ones no longer do. Floors for precision and recall, ceilings
# for wrong answers shown as supported (of all answers).
FLOORS = {
    ("smollm2-135m", "precision"): 0.58,  # 7 of 12
    ("smollm2-135m", "recall"): 0.31,  # 7 of 22
    ("gemma-3-270m", "precision"): 0.67,  # 19 of 28
    ("gemma-3-270m", "recall"): 0.50,  # 54 of 104, less a little: the set may grow
}
CEILINGS = {
    # 6 and 10 of 329 answers since the check reads which name a claim gives and which way it
    # relates (roles.py; docs/BENCHMARKS-LOG.md, "Issue 25: which name, which way round"),
    # plus one
    ("smollm2-135m", "wrong_shown_as_supported"): 0.0213,  # 7 of 329
    ("gemma-3-270m", "wrong_shown_as_supported"): 0.0335,  # 11 of 329
}


def quality() -> ModuleType:
    path = REPO / "benchmarks" / "checker_quality.py"
    spec = importlib.util.spec_from_file_location("checker_quality", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


def test_the_set_holds_both_models_on_both_collections() -> None:
    from localqa.answering.facts import spelt_as_digits
    from localqa.evaluation.matching import contains_answer

    rows = json.loads(SET.read_text(encoding="utf-8"))["questions"]
    assert {r["set"] for r in rows} == {"squad", "sample_docs"}
    for row in rows:
        assert set(row["answers_by_model"]) == {"smollm2-135m", "gemma-3-270m"}
        assert row["contexts"] and row["weights"] is not None
        for answer in row["answers_by_model"].values():
            digits = [spelt_as_digits(g) for g in row["answers"]]
            holds = contains_answer(answer["text"], row["answers"]) or contains_answer(
                spelt_as_digits(answer["text"]), digits
            )
            assert answer["right"] is holds  # the label is the gold answer's
    labels = [a["right"] for r in rows for a in r["answers_by_model"].values()]
    assert 0 < sum(labels) < len(labels)  # right and wrong answers both


def test_the_halves_are_fixed_by_question_id() -> None:
    module = quality()
    rows = json.loads(SET.read_text(encoding="utf-8"))["questions"]
    halves = {row["id"]: module.half(row["id"]) for row in rows}
    assert set(halves.values()) == set(module.HALVES)
    assert halves == {row["id"]: module.half(row["id"]) for row in rows}  # no state
    assert module.half("570d4329fed7b91900d45dd9") == "development"  # as reported
    for part in module.HALVES:
        labels = [
            a["right"]
            for r in rows
            if halves[r["id"]] == part
            for a in r["answers_by_model"].values()
        ]
        assert 0 < sum(labels) < len(labels)


@pytest.fixture(scope="module")
def figures(embedder: Embedder) -> dict[str, dict[str, float | int | None]]:
    module = quality()
    judged = module.judge_set(SET, SupportChecker(embedder))
    return {model: module.figures(answers) for model, answers in judged.items()}


def test_the_check_keeps_its_precision_and_recall(
    figures: dict[str, dict[str, float | int | None]],
) -> None:
    for (model, name), floor in FLOORS.items():
        value = figures[model][name]
        assert value is not None and value >= floor, (model, name, value)
    for (model, name), ceiling in CEILINGS.items():
        value = figures[model][name]
        assert value is not None and value <= ceiling, (model, name, value)


def test_the_reviews_judge_answers_of_the_set() -> None:
    """tests/data/labelled_reviews.jsonl (benchmarks/review_sheet.py): one verdict per
    answer on the review sheet, each naming a question and model of the set."""
    module = quality()
    rows = json.loads(SET.read_text(encoding="utf-8"))["questions"]
    answers = {(r["id"], m) for r in rows for m in r["answers_by_model"]}
    verdicts = module.reviews()
    assert set(verdicts) <= answers
    assert set(verdicts.values()) == {"right", "mixed", "wrong"}
    lines = module.REVIEWS.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(verdicts)  # each answer reviewed once
    sheet = importlib.util.spec_from_file_location(
        "review_sheet", REPO / "benchmarks" / "review_sheet.py"
    )
    assert sheet is not None and sheet.loader is not None
    review_sheet = importlib.util.module_from_spec(sheet)
    sheet.loader.exec_module(review_sheet)
    listed = {
        (r["id"], m)
        for r in rows
        for m, a in r["answers_by_model"].items()
        if review_sheet.to_review(r, a)
    }
    assert set(verdicts) == listed  # every answer on the sheet, and no other
