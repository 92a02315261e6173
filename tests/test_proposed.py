"""An answer written into the question ("... Answer: Monday and Wednesday.") is the asker's
claim: split off before the search (real MiniLM over sample_docs), judged against the
passages found for the question alone, and said so in one line after the answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from localqa.answering.answer import Answer
from localqa.answering.answer_json import answer_from_json
from localqa.answering.answerer import Answerer
from localqa.answering.proposed import (
    SUPPORTED,
    UNCHECKED,
    UNSUPPORTED,
    Proposed,
    split_proposed,
)
from localqa.builder import Builder
from localqa.config import Settings
from localqa.generation.model import LocalModel

OFFICE = "Which days do employees have to be in the office?"
# the row remote-work-memo.docx gives the hardware team: the claim's words, not the answer
WRONG_ROW = "Hardware and Workshop | Monday and Wednesday"
FIRMWARE = "On which days does the firmware team have to come to the office?"


@pytest.mark.parametrize(
    ("asked", "split"),
    [
        (f"{OFFICE} Answer: Monday and Wednesday.", Proposed(OFFICE, "Monday and Wednesday")),
        (f"{OFFICE}\nanswer: Monday", Proposed(OFFICE, "Monday")),
        (f"{OFFICE} A: Monday.", Proposed(OFFICE, "Monday")),
        (f"{OFFICE} My answer: two days", Proposed(OFFICE, "two days")),
        ("中国业务的联系人是谁？答案：林晓。", Proposed("中国业务的联系人是谁？", "林晓")),
        ("中国业务的联系人是谁？答：林晓", Proposed("中国业务的联系人是谁？", "林晓")),
        # a label inside the question, or one with nothing after it, is no claim
        ("What does section A: Scope say?", Proposed("What does section A: Scope say?")),
        ("What is the answer: yes or no?", Proposed("What is the answer: yes or no?")),
        (f"{OFFICE} Answer:", Proposed(f"{OFFICE} Answer:")),
        ("Answer: Monday", Proposed("Answer: Monday")),
        ("What does a banana: cost?", Proposed("What does a banana: cost?")),
    ],
)
def test_the_claim_is_split_from_the_question(asked: str, split: Proposed) -> None:
    assert split_proposed(asked) == split


@pytest.fixture(scope="module")
def answerer(sample_index: Settings) -> Answerer:
    builder = Builder(sample_index)
    return builder.answerer(builder.existing_index())


def test_a_false_claim_steers_neither_the_quotes_nor_the_verdict(answerer: Answerer) -> None:
    """Before the split the claim's words ranked the hardware team's row first among the
    quotes, and nothing said the claim was wrong."""
    plain = answerer.ask(OFFICE)
    claimed = answerer.ask(f"{OFFICE} Answer: Monday and Wednesday.")
    assert WRONG_ROW not in claimed.citations[0].quote
    assert [c.quote for c in claimed.citations] == [c.quote for c in plain.citations]
    assert claimed.question == OFFICE
    assert claimed.proposed is not None and claimed.proposed.verdict == UNSUPPORTED
    assert claimed.proposed.line == (
        'The answer given with the question, "Monday and Wednesday", is not what the '
        "passages found for the question say; the question was searched and answered "
        "without it."
    )
    assert claimed.lines_after == (claimed.proposed.line,)
    assert_round_trip(claimed)
    assert plain.proposed is None and plain.lines_after == ()


def test_a_true_claim_is_said_supported_where_it_is_stated(answerer: Answerer) -> None:
    right = answerer.ask(f"{FIRMWARE} A: Tuesday and Thursday")
    assert right.proposed is not None and right.proposed.verdict == SUPPORTED
    assert right.proposed.evidence.startswith("remote-work-memo.docx, page 1, line")
    # another team's row holds the words, not the answer to this question
    wrong = answerer.ask(f"{FIRMWARE} A: Monday and Wednesday")
    assert wrong.proposed is not None and wrong.proposed.verdict == UNSUPPORTED
    vague = answerer.ask("Can I bring my dog to the office? Answer: yes")
    assert vague.proposed is not None and vague.proposed.verdict == UNCHECKED
    assert vague.proposed.line.endswith(
        "states nothing the documents can confirm; the "
        "question was searched and answered without it."
    )
    assert_round_trip(right)


def assert_round_trip(answer: Answer) -> None:
    """What a client of `localqa serve` reads back shows the same line."""
    assert answer_from_json(answer.as_json()).lines_after == answer.lines_after


def test_a_real_model_does_not_go_on_writing_answers(
    sample_index: Settings, gemma_gguf: Path
) -> None:
    """Gemma-3-270M, shown "Answer: Monday and Wednesday." in the question, wrote a line
    "Answer: <day> and <day>." after another until its token cap, each flagged."""
    builder = Builder(Settings.model_validate({**sample_index.model_dump(), "temperature": 0.0}))
    model = LocalModel.load(gemma_gguf, n_ctx=2048, n_gpu_layers=0)
    index = builder.existing_index()
    try:
        got = builder.answerer(index, model).ask(
            "Which days must employees be in the office?\nAnswer: Monday and Wednesday."
        )
    finally:
        index.close()
        model.close()
    assert got.mode == "generative" and got.finish_reason != "length", got.text
    assert sum(line.startswith("Answer:") for line in got.text.splitlines()) < 2, got.text
    assert got.proposed is not None and got.proposed.verdict == UNSUPPORTED
