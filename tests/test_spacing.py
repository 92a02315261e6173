"""A generated answer's whitespace (localqa/answering/spacing.py): the sources' line breaks
and indents collapsed inside its sentences, its paragraphs and list items kept, whatever
pieces the model streams it in."""

from __future__ import annotations

import pytest

from localqa.answering.spacing import Spacing


def spaced(pieces: list[str]) -> str:
    spacing = Spacing()
    shown = "".join(spacing.feed(piece) for piece in pieces) + spacing.flush()
    assert shown == spacing.text  # everything shown is the text, and nothing else
    return shown


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        # Gemma-3-270M on "When is salary paid?": faq.txt's layout, copied
        (
            "Salary is paid on the 20th. If the 20th falls on a weekend or a public\n"
            "   holiday, it is paid on the last working day before.",
            "Salary is paid on the 20th. If the 20th falls on a weekend or a public holiday, "
            "it is paid on the last working day before.",
        ),
        ("  Leave is\t\t18  weeks.  ", "Leave is 18 weeks."),
        ("First paragraph.\n\n\n   Second\n  one.", "First paragraph.\n\nSecond one."),
        ("One sentence.\nAnother line.", "One sentence.\nAnother line."),
        (
            "Steps:\n1. Book\n   early.\n2) Pay.\n- a\n  bullet",
            "Steps:\n1. Book early.\n2) Pay.\n- a bullet",
        ),
        ("A date\n2024 was the year.", "A date 2024 was the year."),  # no list item
        ("中文句子。\n   第二句。", "中文句子。\n第二句。"),
    ],
)
def test_whitespace_inside_sentences_is_collapsed_and_breaks_kept(written: str, shown: str) -> None:
    assert spaced([written]) == shown
    assert spaced(list(written)) == shown  # one character at a time: the same
    words = [w for part in written.split(" ") for w in (part, " ")][:-1]
    assert spaced(words) == shown


def test_text_streams_at_once_unless_its_spacing_is_undecided() -> None:
    spacing = Spacing()
    assert spacing.feed("  Leave is") == "Leave is"
    assert spacing.feed(" 18 weeks.\n") == " 18 weeks."  # the break waits for what follows
    assert spacing.feed("2") == ""  # "2." may start a list item
    assert spacing.feed(".") == ""
    assert spacing.feed(" It") == "\n2. It"  # it does: the break is kept
    assert spacing.feed(" starts\n   at birth.") == " starts at birth."
    assert spacing.feed("\n\n") == ""  # trailing whitespace: an end, or a paragraph
    assert spacing.flush() == ""
