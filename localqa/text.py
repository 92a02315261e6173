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
