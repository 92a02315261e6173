"""Whole-document lists and summaries as a new user reads them (issue 28): every deadline
a policy states, and a memo's summary that covers its parts, not its To/From lines nor a
heading glued to a sentence (localqa/answering/whole_reading.py, whole.py)."""

from __future__ import annotations

import pytest

from localqa.answering.whole import _WHEN
from localqa.answering.whole_reading import is_field, is_heading, units
from localqa.builder import Builder
from localqa.config import Settings
from tests.test_cases import ask


@pytest.mark.parametrize(
    "sentence",
    [
        "Exceptions expire after one year at the latest.",
        "The policy itself is reviewed every year in November.",
        "The audit takes place in November.",
        "Renewals are sent each calendar month.",
        "Keys are rotated annually.",
        "The deposit is returned after 30 days.",
        "Applications open in May and close in June.",
    ],
)
def test_a_time_limit_or_date_is_recognised(sentence: str) -> None:
    assert _WHEN.search(sentence), sentence


@pytest.mark.parametrize(
    "sentence",
    [
        "Screens lock automatically after 5 minutes without activity.",  # no deadline
        "After a year of trying different arrangements, we agreed on one set of rules.",
        "You may work from another country in the EEA.",  # "may" the verb
        "Everyone works from the office at least two days per week.",
    ],
)
def test_a_sentence_without_one_is_not(sentence: str) -> None:
    assert not _WHEN.search(sentence), sentence


MEMO = (
    "Memo: Hybrid Work from 1 September 2025\nTo: All employees\n"
    "From: Marte Vik, Chief People Officer\nDate: 18 August 2025\n"
    "After a year of trying, the management group agreed on one set of rules.\n"
    "Office days\nEveryone works from the office at least two days per week.\n"
    "Team | Anchor days\nFirmware | Tuesday and Thursday\n"
    "Working from abroad\nYou may work from another country in the EEA for up to 20 days."
)


def test_headings_header_fields_and_tables_stand_apart() -> None:
    found = {text: (record, heading, field) for text, record, heading, field in units(MEMO)}
    assert found["To: All employees"] == (True, False, True)
    assert found["Date: 18 August 2025"] == (True, False, True)
    assert found["Office days"] == (False, True, False)
    assert found["Working from abroad"] == (False, True, False)
    assert found["Everyone works from the office at least two days per week."] == (
        False,
        False,
        False,
    )  # prose, not a row of the table below it
    assert found["Firmware | Tuesday and Thursday"][0]
    assert not any(text.startswith("Office days ") for text in found)


@pytest.mark.parametrize(
    ("line", "following", "heading"),
    [
        ("Home office support", "To set up a proper workplace", True),
        ("## Passwords and sign-in", "", True),
        ("approved by the Head of", "Information Security.", False),  # lower case, wrapped
        ("Exceptions are approved by the Head of", "Information Security.", False),
        ("Everything is fine.", "Next", False),
        ("Firmware | Tuesday", "Sales | Friday", False),
        ("Date: 18 August 2025", "After", False),  # a header field
    ],
)
def test_what_a_heading_is(line: str, following: str, heading: bool) -> None:
    assert is_heading(line, following) is heading


def test_a_field_ends_no_sentence() -> None:
    assert is_field("From: Marte Vik, Chief People Officer")
    assert not is_field("Note: keep the receipts until the end of the year.")


def test_every_deadline_of_the_security_policy_is_listed(sample_index: Settings) -> None:
    answer = ask(Builder(sample_index), "List every deadline in the security policy")
    quotes = " ".join(c.quote for c in answer.citations)
    for said in ("within 7 days", "within 2 hours", "after one year at the latest"):
        assert said in quotes, answer.text
    assert "reviewed every year in November" in quotes, answer.text
    assert "after 5 minutes" not in quotes


def test_the_memo_summary_covers_its_parts(sample_index: Settings) -> None:
    answer = ask(Builder(sample_index), "Summarise the remote-work memo")
    quotes = [c.quote for c in answer.citations]
    assert not any(q.startswith(("To:", "From:", "Memo:", "Date:")) for q in quotes), quotes
    assert not any(q.startswith(("Office days ", "Home office support ")) for q in quotes)
    joined = " ".join(quotes)
    assert "two days per week" in joined  # office days
    assert "home office grant of NOK 6,500" in joined and "before 31 December 2025" in joined
    assert "EEA" in joined  # working from abroad
    lines = [c.chunk.quote_lines(c.quote)[0] for c in answer.citations]
    assert lines == sorted(lines)
