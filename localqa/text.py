"""Small text helpers shared by lexical search, extraction and citation checks."""

from __future__ import annotations

import re

STOPWORDS = frozenset(
    """a an and are as at be by can did do does for from had has have how i if in is it its
    may of on or our should so than that the their them then there these they this to was we
    were what when where which who whom why will with would you your""".split()
)
WORD = re.compile(r"\w+", re.UNICODE)
# A sentence ends at . ! or ? followed by space and a capital, digit or quote; or at a blank line.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[A-Z0-9])|\n\s*\n|\n(?=[-*•]\s)")


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def content_words(text: str) -> set[str]:
    return {w for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())}


def split_sentences(text: str) -> list[str]:
    """Sentences (or list items) of a text, whitespace-normalised, empty ones dropped."""
    parts = SENTENCE_END.split(text)
    return [" ".join(p.split()) for p in parts if p and p.strip()]


def lexical_support(claim: str, evidence: str) -> float:
    """Share of the claim's content words found in the evidence (0..1)."""
    claim_words = content_words(claim)
    if not claim_words:
        return 0.0
    return len(claim_words & content_words(evidence)) / len(claim_words)


# What a terminal acts on rather than shows: C0 controls (ESC starts escape sequences,
# CR overwrites a line), DEL, C1 controls (0x9b is a one-byte CSI) and the bidirectional
# overrides that reorder what is shown. Tab and newline stay unless `one_line`.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: str, one_line: bool = False) -> str:
    """`text` as a terminal should print it: control characters written as \\xNN, so a
    document cannot clear the screen, set the title or hide text. With `one_line` (file
    names, quotes, report lines), newlines and tabs too. For people only: --json output
    keeps the text exact."""
    return (_UNSAFE_ONE_LINE if one_line else _UNSAFE).sub(_visible, text)
