"""What a streamed answer shows: no invented citation marker, no stop sequence, no loop;
and the budgets that fit an answer to the model."""

from __future__ import annotations

import pytest

from localqa.answering.guard import StreamGuard
from localqa.config import Settings
from localqa.generation.budget import fit_budget


def stream(pieces: list[str], n_sources: int = 3, stops: tuple[str, ...] = ()) -> StreamGuard:
    guard = StreamGuard(n_sources, stops)
    shown = ""
    for piece in pieces:
        shown += guard.feed(piece)
        if guard.finished:
            break
    shown += guard.flush()
    assert shown == guard.text  # everything shown is the text, and nothing else
    return guard


def test_markers_for_sources_that_do_not_exist_never_show() -> None:
    guard = stream(["Leave is 18 weeks [", "1]. Bonus [1", "1] is 5%", " [2, 9]. End [4"])
    assert guard.text == "Leave is 18 weeks [1]. Bonus is 5% [2]. End"
    assert guard.reason == ""


def test_a_stop_sequence_ends_the_answer_even_split_over_pieces() -> None:
    guard = stream(["18 weeks.\nQues", "tion: and more?\nAnswer: x"], stops=("\nQuestion:",))
    assert guard.text == "18 weeks." and guard.finished and guard.reason == "stop"


def test_a_repeated_line_ends_the_answer_and_is_not_shown() -> None:
    line = "The parental leave is eighteen weeks [1].\n"
    guard = stream([line, "It starts at birth.\n", line, line, line])
    assert guard.text == line + "It starts at birth.\n"
    assert guard.reason == "repetition"


def test_short_repeats_and_new_sentences_go_on() -> None:
    guard = stream(["Yes. Yes. The office opens at eight. ", "It closes at five."])
    assert guard.text == "Yes. Yes. The office opens at eight. It closes at five."
    assert not guard.finished


def test_text_streams_at_once_unless_it_may_still_change() -> None:
    guard = StreamGuard(2, stops=("\nQuestion:",))
    assert guard.feed("The office opens") == "The office opens"
    assert guard.feed(" at eight [") == " at eight"  # an open marker waits for its end
    assert guard.feed("1]. It closes\nQue") == " [1]. It closes"  # so does "\nQue"
    assert guard.feed("ue\n") == "\nQueue"
    assert guard.feed("The office opens") == "\n"  # begins like a sentence shown before
    assert guard.feed(" at noon.") == "The office opens at noon."  # but is a new one
    assert guard.flush() == ""


@pytest.mark.parametrize(
    ("params", "expected"),
    [(135e6, (3, 1500, 200)), (2.0e9, (5, 2500, 384)), (7e9, (10, 4000, 512))],
)
def test_budgets_follow_the_model_size(params: float, expected: tuple[int, int, int]) -> None:
    budget = fit_budget(Settings(), int(params), 4096)
    assert (budget.sources, budget.context_chars, budget.answer_tokens) == expected


def test_budget_settings_win_and_the_answer_leaves_room_for_the_prompt() -> None:
    settings = Settings(answer_sources=7, answer_context_chars=900, answer_tokens=64)
    budget = fit_budget(settings, int(7e9), 4096)
    assert (budget.sources, budget.context_chars, budget.answer_tokens) == (7, 900, 64)
    assert fit_budget(Settings(), int(7e9), 1024).answer_tokens == 256
