"""Attributes a claim adds that its evidence does not give: a rank, an item of a list.

A claim that keeps its evidence's words and adds one of its own clears the support check
when the words it keeps are enough. On the labelled set (tests/data/labelled_answers.json,
development half), Gemma-3-270M wrote "The Rankine cycle was the first steam turbine to be
used in a power plant." over "The Rankine cycle is used in virtually all steam power
production applications."; on the held-out half, SmolLM2-135M wrote that the working fluid
of a mercury vapor turbine is "typically a mixture of water and a non-toxic chemical, such
as sodium or potassium" over "Mercury is the working fluid in the mercury vapor turbine."
Read here:

- `added_rank`: the claim ranks something ("the first", "the only", "the most
  destructive", "the largest") and neither the evidence nor the question ranks it so;
- `unheld_item`: the claim lists three items or more and one of them holds no content
  word of the evidence or the question.
"""

from __future__ import annotations

import re

from localqa.answering.claims import claim_text, stems
from localqa.text import CJK_CHAR, content_words

# A rank: an ordinal first or last, "the only", a superlative of "most"/"least" (not of an
# adverb: "the document that most directly answers") or in "-est" (those below: words in
# "-est" that rank nothing are many, "interest", "forest").
RANK = re.compile(
    r"\b(?:first|last|the\s+only|(?:most|least)\s+(?!\w+ly\b)\w+|(?:great|bigg|larg|high|"
    r"long|old|small|low|earli|clos|fast|strong|rich|deep|wid|tall|new|short|young|near|hott|"
    r"cold|cheap|simpl|easi|lat|heavi|bright|dens|hard|warm|wealthi|popul|poor)est)\b",
    re.IGNORECASE,
)
ITEM_BREAK = re.compile(r",|;|\band\b|\bor\b")
MIN_ITEMS = 3


# Ranks that say one thing: "the earliest recorded use" is the first.
SAME_RANK = {"earliest": "first", "latest": "last"}


# Letters of the word after "most" that name the rank: "the most common" is what "the most
# commonplace" asks for.
RANKED_PREFIX = 5


def _ranks(text: str) -> set[str]:
    found = set()
    for match in RANK.finditer(text):
        rank = " ".join(match.group().lower().split()).removeprefix("the ")
        degree, _, word = rank.partition(" ")
        if degree in ("most", "least"):
            rank = f"{degree} {word[:RANKED_PREFIX]}"
        found.add(SAME_RANK.get(rank, rank))
    return found


def added_rank(claim: str, question: str, evidence: str) -> bool:
    """The claim states a rank (RANK) that neither its question nor its evidence states."""
    return bool(_ranks(claim_text(claim)) - _ranks(question) - _ranks(evidence))


def unheld_item(claim: str, question: str, evidence: str) -> bool:
    """The claim splits into at least MIN_ITEMS items (at commas, "and", "or") and one of
    them holds content words, none of them the evidence's or the question's (stemmed)."""
    said = claim_text(claim)
    if CJK_CHAR.search(said):
        return False  # CJK is read as bigrams: cjk_claims.py
    items = ITEM_BREAK.split(said)
    if len(items) < MIN_ITEMS:
        return False
    held = stems(content_words(evidence)) | stems(content_words(question))
    return any((words := stems(content_words(item))) and not words & held for item in items)
