"""A form's fields as quotable facts: a check-box answer stays with its question ("...
a well-known seasoned issuer, as defined in Rule 405 of the Securities Act. Yes ☐ No ☑",
not "Yes ☐ No ☑ Indicate by check mark if ..."), and a value printed above its label in
brackets, as on a 10-K's cover page, is one unit with it ("(702) 939-3254 (Registrant's
telephone number)"). localqa/sentences.py applies both."""

from __future__ import annotations

import re

from localqa.schema import JOINED

# ☐ ☑ ☒ ✓ ✔ □ ■: what forms tick or leave empty
BOXES = "\u2610\u2611\u2612\u2713\u2714\u25a1\u25a0"
# "Yes ☐ No ☑" (or a box alone) opening what follows a sentence's end: its answer
CHECKBOX_ANSWER = re.compile(
    rf"\s*(?:(?:Yes|No)\s*)?[{BOXES}](?:\s*(?:Yes|No)\s*[{BOXES}])?(?=\s|$)", re.IGNORECASE
)
# a line ending in a box ends its unit: what follows is the next question
AFTER_BOX = re.compile(rf"(?<=[{BOXES}])[^\S\n]*\n\s*")
# a line that is a bracketed label ends its unit: what follows is the next field
_LABEL_LINE = re.compile(r"^[^\S\n]*\([^()\n]*[^\W\d_][^()\n]*\)[^\S\n]*(\n)", re.MULTILINE)
# "(Registrant's telephone number)": a label in brackets, on its own
_LABEL = re.compile(r"\([^()]*[^\W\d_][^()]*\)")
LABEL_MAX_WORDS = 15
# a value above its label is short: a name, an address, a number
VALUE_MAX_WORDS = 12


def answers_before(text: str, gap_end: int) -> bool:
    """Whether the text after a sentence's end (at `gap_end`) opens with a check-box
    answer (`CHECKBOX_ANSWER`): then it is no sentence break."""
    return CHECKBOX_ANSWER.match(text, gap_end) is not None


def field_breaks(text: str) -> list[tuple[int, int]]:
    """(start, end) of the breaks a form's layout makes: after a line ending in a box,
    after a line that is a bracketed label."""
    found = [m.span() for m in AFTER_BOX.finditer(text)]
    return found + [m.span(1) for m in _LABEL_LINE.finditer(text)]


def _is_label(unit: str) -> bool:
    cells = [cell.strip() for cell in unit.split("|")]
    return all(_LABEL.fullmatch(cell) for cell in cells) and len(unit.split()) <= LABEL_MAX_WORDS


def with_field_labels(parts: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """(unit, record) pairs with each bracketed label joined to the short value above it:
    "(702) 939-3254 (Registrant's telephone number)"; a row of labels below a row of
    values ("Nevada | 20-8143439" over "(State or other jurisdiction ...) | (IRS
    Employer Identification No.)") joined by JOINED, the values first."""
    merged: list[tuple[str, bool]] = []
    for unit, record in parts:
        if merged and _is_label(unit):
            value, was_record = merged[-1]
            short = len(value.split()) <= VALUE_MAX_WORDS and not _is_label(value)
            if short and was_record == record and JOINED not in value:
                merged[-1] = (f"{value}{JOINED if record else ' '}{unit}", record)
                continue
        merged.append((unit, record))
    return merged
