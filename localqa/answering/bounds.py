"""Bounds and ranks: a claim that turns "at least 14" into "14 or less", or "the third
most abundant" into "the most abundant", keeps every word and number of its evidence.

Gemma-3-270M answered "What is the minimum length for passwords?" with "14 characters or
less." over "Passwords must be at least 14 characters", and "How is oxygen ranked as
abundant in the universe?" with "the most abundant chemical element" over "the third most
abundant chemical element" (tests/data/labelled_reviews.jsonl). Both passed the support
check. Read here:

- `bound_flipped`: the claim bounds a number from one side ("or less", "at most", "up to",
  "no more than", "under", "maximum") and the evidence bounds the same number from the
  other ("at least", "or more", "no less than", "over", "minimum"), or the other way round;
- `rank_dropped`: the claim states a superlative ("the most abundant", "the largest")
  that the evidence ranks with an ordinal before it ("third most abundant",
  "second-largest").
"""

from __future__ import annotations

import re

from localqa.answering.facts import spelt_as_digits

_NUMBER = r"\d[\d,]*(?:\.\d+)?"
# A number bounded from above or from below: "14 or less", "at least 14".
AT_MOST = re.compile(
    rf"(?:\b(?:at\s+most|up\s+to|no\s+more\s+than|not\s+more\s+than|under|below|maximum(?:\s+of)?|"
    rf"fewer\s+than|less\s+than)\s+(?P<a>{_NUMBER}))|(?:(?P<b>{_NUMBER})\s*(?:\w+\s+)?"
    rf"(?:or\s+(?:less|fewer|below)|at\s+most|maximum)\b)",
    re.IGNORECASE,
)
AT_LEAST = re.compile(
    rf"(?:\b(?:at\s+least|no\s+less\s+than|not\s+less\s+than|no\s+fewer\s+than|over|above|"
    rf"minimum(?:\s+of)?|more\s+than)\s+(?P<a>{_NUMBER}))|(?:(?P<b>{_NUMBER})\s*(?:\w+\s+)?"
    rf"(?:or\s+(?:more|greater|above|longer)|at\s+least|minimum)\b)",
    re.IGNORECASE,
)
# "third most abundant", "second-largest", "3rd largest": a rank before a superlative.
ORDINAL = r"(?:second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d+(?:st|nd|rd|th))"
SUPERLATIVE = r"(?:most|least|\w+est)"
RANKED = re.compile(rf"\b{ORDINAL}[\s-]+({SUPERLATIVE})\b(?:\s+(\w+))?", re.IGNORECASE)
PLAIN = re.compile(rf"\bthe\s+({SUPERLATIVE})\b(?:\s+(\w+))?", re.IGNORECASE)


def _bounded(pattern: re.Pattern[str], text: str) -> set[float]:
    digits = spelt_as_digits(text, 0.0)
    return {
        float((m.group("a") or m.group("b")).replace(",", "")) for m in pattern.finditer(digits)
    }


def bound_flipped(claim: str, evidence: str) -> bool:
    """The claim bounds a number from the other side than the evidence does (module
    docstring), and the evidence does not bound it from the claim's side too."""
    claim_most, claim_least = _bounded(AT_MOST, claim), _bounded(AT_LEAST, claim)
    evidence_most, evidence_least = _bounded(AT_MOST, evidence), _bounded(AT_LEAST, evidence)
    return bool((claim_most & evidence_least) - evidence_most) or bool(
        (claim_least & evidence_most) - evidence_least
    )


def rank_dropped(claim: str, evidence: str) -> bool:
    """The claim says "the SUPERLATIVE [WORD]" with no rank, which the evidence states
    only ranked ("third most abundant"; the word after the superlative, when both have
    one, the same), not also unranked."""
    if RANKED.search(claim):
        return False
    ranked = {(m.group(1).lower(), (m.group(2) or "").lower()) for m in RANKED.finditer(evidence)}
    if not ranked:
        return False
    plain = {(m.group(1).lower(), (m.group(2) or "").lower()) for m in PLAIN.finditer(evidence)}
    for match in PLAIN.finditer(claim):
        word, after = match.group(1).lower(), (match.group(2) or "").lower()
        if (word, after) in plain:
            continue  # the evidence states it unranked too ("the most abundant in the crust")
        if any(w == word and (not a or not after or a == after) for w, a in ranked):
            return True
    return False
