"""localqa.answering.followup: follow-up questions rewritten into standalone ones for retrieval."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from localqa.answering.followup import (
    adds_context,
    answer_names,
    needs_context,
    rewrite_by_rule,
    rewrite_with_model,
    standalone_question,
    usable_rewrite,
)
from localqa.generation.base import Sampling
from localqa.generation.model import LocalModel
from localqa.schema import Turn

CARD = "I lost my access card. What do I do?"
SALARY = "When is salary paid?"
SUNDAY = "And what if that is a Sunday?"
HISTORY = [Turn(CARD, "Go to reception [1].")]


@pytest.mark.parametrize(
    ("question", "follow_up"),
    [
        ("How much does it cost?", True),  # pronoun
        ("And for contractors?", True),  # opener
        ("What about Oslo?", True),  # opener
        ("Payslips?", True),  # too short to stand alone
        ("How many vacation days do new employees get?", False),
        ("Where is the Bergen office and when does the canteen open?", False),
    ],
)
def test_needs_context(question: str, follow_up: bool) -> None:
    assert needs_context(question) is follow_up


def test_rule_carries_the_previous_subject_over() -> None:
    assert (
        rewrite_by_rule("How much does it cost?", CARD) == "How much does it cost? lost access card"
    )
    # words already in the question are not repeated; spelling and order are the previous'
    assert rewrite_by_rule("And the Bergen canteen?", "When does the Bergen canteen open?") == (
        "And the Bergen canteen? open"
    )
    # a standalone question, or no previous one, is left alone
    standalone = "How many vacation days do new employees get?"
    assert rewrite_by_rule(standalone, CARD) == standalone
    assert rewrite_by_rule("How much does it cost?", "") == "How much does it cost?"


def test_a_pronoun_carries_the_names_in_the_last_answer() -> None:
    nominee = "Who did the President nominate to the Supreme Court?"
    answer = "- I nominated Circuit Court of Appeals Judge Ketanji Brown Jackson. [1]\n- More"
    assert answer_names(answer) == ["Circuit Court", "Appeals Judge Ketanji Brown Jackson"]
    assert answer_names("Go to reception [1].") == []  # a sentence's first word names nothing
    assert rewrite_by_rule(
        "Whose legacy will she continue?", nominee, "Ketanji Brown Jackson."
    ) == ("Whose legacy will she continue? Ketanji Brown Jackson President nominate Supreme Court")
    # without a pronoun the answer's names are not carried: "And the budget?" is about the topic
    assert rewrite_by_rule("And the budget?", "What did Oslo spend?", "Anna Berg.") == (
        "And the budget? Oslo spend"
    )


def test_rule_is_used_without_a_model() -> None:
    assert standalone_question("Why?", HISTORY, CARD) == "Why? lost access card"


class CannedModel:
    """Stands in for LocalModel's tokenizer and stream, replying with fixed text."""

    bos, eos, n_ctx = 1, 2, 4096

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.prompts: list[list[int]] = []

    def tokenize(self, text: str) -> list[int]:
        return [ord(c) + 3 for c in text]

    def stream(
        self,
        prompt_tokens: list[int],
        max_tokens: int,
        sampling: Sampling,
        stop: threading.Event | None = None,
    ) -> Iterator[str]:
        self.prompts.append(prompt_tokens)
        assert sampling.temperature == 0.0 and max_tokens <= 64
        yield from self.reply


def test_the_model_rewrite_is_used_when_it_is_about_the_conversation() -> None:
    model = CannedModel("Standalone question: How much does a replacement access card cost?\n")
    result = rewrite_with_model(model, "How much does it cost?", HISTORY, CARD)
    assert result == "How much does a replacement access card cost?"
    prompt = "".join(chr(t - 3) for t in model.prompts[0] if t > 2)
    assert CARD in prompt and "How much does it cost?" in prompt  # history and question


@pytest.mark.parametrize("reply", ["", "   \n", "Bananas grow on trees.", "x " * 400])
def test_an_unusable_model_rewrite_falls_back_to_the_rule(reply: str) -> None:
    model = CannedModel(reply)
    result = rewrite_with_model(model, "How much does it cost?", HISTORY, CARD)
    assert result == "How much does it cost? lost access card"


def test_no_model_call_for_a_standalone_question_or_a_first_question() -> None:
    model = CannedModel("should not be asked")
    standalone = "How many vacation days do new employees get?"
    assert rewrite_with_model(model, standalone, HISTORY, CARD) == standalone
    assert rewrite_with_model(model, "How much does it cost?", [], "") == "How much does it cost?"
    assert model.prompts == []


@pytest.mark.parametrize(
    "reply",
    [
        "I will continue to fight for justice for all.",  # an answer, not a question
        "Whose legacy is it?",  # a question that lost what was asked
    ],
)
def test_a_rewrite_that_answers_or_drops_the_question_is_not_searched(reply: str) -> None:
    history = [Turn("Who did the President nominate?", "Ketanji Brown Jackson. [1]")]
    model = CannedModel(reply)
    result = rewrite_with_model(
        model, "Whose legacy will she continue?", history, "Who did the President nominate?"
    )
    assert result == "Whose legacy will she continue? Ketanji Brown Jackson President nominate"


@pytest.mark.parametrize(
    "reply",
    [
        "And what if that is a Sunday?",  # copied back as it was
        "And what if that is a Sunday?\nAnswer: And what if that is a Sunday?",
        "what if that is a sunday?",  # nearly: its own words, nothing they refer to
        "Question: And what if it is a Sunday?",
    ],
)
def test_a_rewrite_that_copies_the_follow_up_falls_back_to_the_rule(reply: str) -> None:
    history = [Turn(SALARY, "Salary is paid on the 25th of each month. [1]")]
    result = rewrite_with_model(CannedModel(reply), SUNDAY, history, SALARY)
    assert result == "And what if that is a Sunday? salary paid"


def test_gemma_copying_the_follow_up_back_is_not_what_is_searched(gemma_gguf: Path) -> None:
    """Gemma 3 270M, greedy, repeats this follow-up as its rewrite; whatever it writes, what
    is searched names more than the follow-up did."""
    answer = (
        "Salary is paid on the 25th of each month. If the 25th falls on a weekend, it is "
        "paid on the Friday before. [1]"
    )
    model = LocalModel.load(gemma_gguf, n_ctx=2048, n_gpu_layers=0)
    try:
        result = rewrite_with_model(model, SUNDAY, [Turn(SALARY, answer)], SALARY)
    finally:
        model.close()
    assert model.last_stats.generated_tokens > 0  # the model was really asked
    assert result != SUNDAY and adds_context(result, SUNDAY), result


def test_usable_rewrite_strips_labels_and_quotes() -> None:
    assert usable_rewrite('"What does the access card cost?"', "it", CARD) == (
        "What does the access card cost?"
    )
    assert usable_rewrite("Question: access card price?\nmore", "it", CARD) == "access card price?"


def test_a_real_model_runs_the_rewrite_and_a_random_one_falls_back(
    tiny_model: LocalModel,
) -> None:
    # Random weights write noise that shares no word with the conversation.
    result = rewrite_with_model(tiny_model, "How much does it cost?", HISTORY, CARD)
    assert result == "How much does it cost? lost access card"
    assert tiny_model.last_stats.generated_tokens > 0  # the model was really asked
