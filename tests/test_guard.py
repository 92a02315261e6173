"""What a streamed answer shows: no invented citation marker, no stop sequence, no loop;
and the budgets that fit an answer to the model."""

from __future__ import annotations

import re

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


def test_a_numbered_list_repeating_one_item_ends_before_the_next_number() -> None:
    # SmolLM2 on "Is alcohol reimbursed?": "1. The alcohol is not reimbursed." sixteen
    # times, numbered, to the token cap; its tokens as they came
    pieces = ["1", ".", " The", " alcohol", " is", " not", " reimbursed", ".", "\n"]
    pieces += [p if p != "1" else str(n) for n in range(2, 5) for p in pieces]
    guard = stream(pieces)
    assert guard.text == "1. The alcohol is not reimbursed.\n"
    assert guard.reason == "repetition"
    # a list whose items differ goes on, each item shown with its number
    items = stream(["1. Flights are booked early.\n", "2", ". Hotels", " are capped.\n"])
    assert items.text == "1. Flights are booked early.\n2. Hotels are capped.\n"
    assert items.reason == ""


def test_short_repeats_and_new_sentences_go_on() -> None:
    guard = stream(["Yes. Yes. The office opens at eight. ", "It closes at five."])
    assert guard.text == "Yes. Yes. The office opens at eight. It closes at five."
    assert not guard.finished


def tokens(text: str) -> list[str]:
    """Pieces as a model streams them: words with their leading space, cut in two."""
    words = [w if i == 0 else " " + w for i, w in enumerate(text.split(" "))]
    return [half for w in words for half in (w[: len(w) // 2], w[len(w) // 2 :]) if half]


def test_words_looping_inside_a_sentence_end_the_answer_after_the_first_copy() -> None:
    # SmolLM2-135M on "When is salary paid?" over sample_docs, until the 200-token cap
    guard = stream(tokens("The answer is: " + "2022-08-22 " * 30))
    assert guard.text == "The answer is: 2022-08-22"
    assert guard.reason == "repetition"
    phrase = stream(tokens("Salary is paid on the 20th" + " of each month" * 5 + "."))
    assert phrase.text.rstrip() == "Salary is paid on the 20th of each month"
    lines = stream(["2022-08-22\n", "2022-08-22\n", "2022-08-22\n"])  # short lines too
    assert lines.text == "2022-08-22\n" and lines.reason == "repetition"


def test_a_loop_is_cut_when_the_model_stops_in_its_middle() -> None:
    guard = stream(tokens("Paid on the 20th 20th 20th"))  # no space after the last copy
    assert guard.text == "Paid on the 20th" and guard.reason == "repetition"


def test_words_that_merely_recur_are_shown_in_full() -> None:
    text = (
        "He said that that rule applies, ha ha. Leave is 18 weeks, 18 weeks paid [1]. "
        "The office and the office manager agree: 1, 2, 3, 4."
    )
    guard = stream(tokens(text))
    assert guard.text == text and not guard.finished


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
    s = Settings()
    budget = fit_budget(s.retrieval, s.generation, int(params), 4096)
    assert (budget.sources, budget.context_chars, budget.answer_tokens) == expected


def test_budget_settings_win_and_the_answer_leaves_room_for_the_prompt() -> None:
    settings = Settings(answer_sources=7, answer_context_chars=900, answer_tokens=64)
    budget = fit_budget(settings.retrieval, settings.generation, int(7e9), 4096)
    assert (budget.sources, budget.context_chars, budget.answer_tokens) == (7, 900, 64)
    s = Settings()
    assert fit_budget(s.retrieval, s.generation, int(7e9), 1024).answer_tokens == 256


# Gemma-3-270M on "Summarise the employee handbook" over sample_docs: a sentence longer
# than a word loop (LOOP_MAX_WORDS) written again and again, each piece a word with its
# leading space, so each sentence's full stop came in a piece before its space
HANDBOOK = (
    "The handbook is a legal document that is used by employees to keep track of their "
    "work and to ensure that they are following the company's policies."
)


def test_a_long_sentence_written_again_is_shown_once() -> None:
    first = "It is a document of the company. "
    words = [w if i == 0 else " " + w for i, w in enumerate((first + HANDBOOK).split(" "))]
    again = [" " + w for w in HANDBOOK.split(" ")]
    guard = stream(words + again + again + [" The", " handbook"])
    assert guard.text.strip() == first + HANDBOOK
    assert guard.reason == "repetition"


def test_a_near_exact_repeat_is_dropped_too() -> None:
    # the same sentence but for case, punctuation, spacing and its citation marker
    guard = stream(tokens(f"{HANDBOOK} [1] " + HANDBOOK.lower().replace(",", "") + " More."))
    assert guard.text.strip() == f"{HANDBOOK} [1]" and guard.reason == "repetition"


def test_sentences_opening_with_one_label_in_a_loop_end_the_answer() -> None:
    # Gemma-3-270M, asked a question that held "Answer: Monday and Wednesday.": thirty
    # lines "Answer: <day> and <day>." to the token cap, each one different
    days = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
    lines = ["Monday and Thursday.\n"]
    lines += [f"Answer: {days[n % 7]} and {days[(n + 2) % 7]}.\n" for n in range(30)]
    pieces = [word for line in lines for word in re.findall(r"\S+|\s+", line)]
    guard = stream(pieces)
    assert guard.text == (
        "Monday and Thursday.\nAnswer: Monday and Wednesday.\nAnswer: Tuesday and Thursday.\n"
    )
    assert guard.reason == "repetition"
    numbered = stream(["Answer: 1.\nAnswer: 2.\nAnswer: 3.\nAnswer: 4.\n"])
    assert numbered.text == "Answer: 1.\nAnswer: 2.\n" and numbered.reason == "repetition"
    # labels that change are a table's rows, not a loop
    rows = "Firmware: Tuesday.\nHardware: Monday.\nSales: Friday.\nFinance: Monday.\n"
    assert stream([rows]).text == rows and not stream([rows]).finished
