"""Bounds and ranks (answering/bounds.py): a claim that flips "at least" to "or less", or
drops the rank of a superlative, contradicts its evidence though it keeps every word.
After Gemma-3-270M's answers in the reviewed labelled set (tests/data/labelled_reviews.jsonl)."""

from __future__ import annotations

import pytest

from localqa.answering.bounds import bound_flipped, rank_dropped
from localqa.answering.polarity import contradicts

PASSWORDS = "Passwords must be at least 14 characters long and are changed every 90 days."


@pytest.mark.parametrize(
    ("claim", "flipped"),
    [
        ("14 characters or less.", True),
        ("At most 14 characters.", True),
        ("No more than fourteen characters.", True),  # in words
        ("At least 14 characters.", False),
        ("14 characters or more.", False),
        ("14 characters.", False),  # no bound: not flipped
        ("Up to 90 days.", False),  # a number the evidence does not bound
    ],
)
def test_a_bound_from_the_other_side(claim: str, flipped: bool) -> None:
    assert bound_flipped(claim, PASSWORDS) is flipped
    assert contradicts(claim, PASSWORDS) is flipped


def test_a_bound_stated_both_ways_is_no_flip() -> None:
    evidence = "Teams have at least 3 and at most 8 members; a team of 8 or less may apply."
    assert not bound_flipped("A team has 8 members or less.", evidence)


UNIVERSE = "Oxygen is the third most abundant chemical element in the universe."


@pytest.mark.parametrize(
    ("claim", "evidence", "dropped"),
    [
        ("Oxygen is the most abundant chemical element.", UNIVERSE, True),
        ("Oxygen is the third most abundant element.", UNIVERSE, False),
        ("It is the largest city.", "Melbourne is the second-largest city in Australia.", True),
        ("It is the largest city.", "Sydney is the largest city in Australia.", False),
        (  # stated unranked too: the crust's most abundant element
            "Oxygen is the most abundant element in the crust.",
            "Oxygen is the third-most abundant element in the universe, and the most "
            "abundant element in the crust.",
            False,
        ),
        ("It is the oldest school.", UNIVERSE, False),  # another superlative
    ],
)
def test_a_rank_dropped(claim: str, evidence: str, dropped: bool) -> None:
    assert rank_dropped(claim, evidence) is dropped
