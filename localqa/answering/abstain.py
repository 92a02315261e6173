"""Abstaining: saying the documents do not answer, rather than quoting or writing an answer.

The rule reads what the extractive step already computed for every answer, so it holds for
the extractive answer and a generated one alike, and a generated answer that abstains costs
no generation: the relevance of the best context sentence to the question (MiniLM and word
agreement, 0..1, `Extract.relevance`). Below the `abstain_below` setting the answer abstains
and shows the nearest passages as sources, so the reader can check.

The default was tuned on a development sample of SQuAD 2.0 dev questions disjoint from the
sample reported in docs/BENCHMARKS-LOG.md (`benchmarks/tune_abstention.py`).

A question the passages match closely can still ask what they do not say (a number they do
not hold, a denial or an opposite of what the best sentence states: unmatched.py); it is
declined too, and the line says what was checked ("no passage found mentions 1941"), so the
answer claims no more than the check is sure of.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from localqa.answering.asked import states_unit, unit_asked
from localqa.answering.extractive import Extract
from localqa.answering.facts import stem
from localqa.answering.unmatched import unmatched
from localqa.text import content_words

# Words that ask for a measure, not what it is of.
MEASURE_WORDS = frozenset(
    """temperature boiling melting freezing point hot cold old age minimum maximum legal
    retirement degree celsius fahrenheit year""".split()
)

ABSTAINED = (
    "The indexed documents do not answer this question. "
    "The nearest passages are listed below; they do not say it."
)


# The declining answer when a check names what the passages do not say (unmatched.py).
ABSTAINED_BECAUSE = (
    "The indexed documents do not answer this question: {why}. "
    "The nearest passages are listed below."
)
# The line under an answer shown though a check doubts the passages give it.
MAY_NOT_ANSWER = "The passages found may not answer this question: {why}."


@dataclass(frozen=True)
class Decision:
    """`declined`: the text of the answer that says the documents do not answer ("": it
    answers); `doubt`: the line shown with an answer the passages may not give ("")."""

    declined: str = ""
    doubt: str = ""


def abstains(
    extract: Extract, abstain_below: float, question: str = "", passages: Sequence[str] = ()
) -> bool:
    """True when the answer should say the documents do not answer (`decide`)."""
    return bool(decide(extract, abstain_below, question, passages).declined)


def decide(
    extract: Extract, abstain_below: float, question: str = "", passages: Sequence[str] = ()
) -> Decision:
    """Whether to decline (`abstain_below` 0: never). Declined: the best sentence's
    relevance (0..1) is below `abstain_below`, unless the question is in another script
    than that sentence (an English question over a Chinese passage: the score cannot
    tell); no passage holds a name the question asks about (`Extract.unheld`: "China"
    over English passages); the question asks for a measure (a temperature, an age:
    asked.py) that no candidate sentence states together with a word of what it is asked
    about; or the passages retrieved (`passages`, their texts; default: the candidate
    sentences) surely do not say what it asks (unmatched.py). When that check is not
    sure, the answer is shown with the `doubt` line."""
    if not extract.nearest:
        return Decision(ABSTAINED)
    if abstain_below <= 0:
        return Decision()
    if extract.relevance < abstain_below and not extract.cross_script:
        return Decision(ABSTAINED)
    if extract.unheld and not extract.cross_script:  # the passages are about something else
        named = ", ".join(extract.unheld)
        return Decision(ABSTAINED_BECAUSE.format(why=f"no passage found mentions {named}"))
    if not question:
        return Decision()
    if lacks_asked_measure(question, extract.candidates):
        unit = unit_asked(question) or "measure"
        article = "an" if unit[0] in "aeiou" else "a"
        return Decision(ABSTAINED_BECAUSE.format(why=f"no passage found states {article} {unit}"))
    if extract.cross_script:  # the words of another script cannot be compared
        return Decision()
    missing = unmatched(question, extract.candidates, passages)
    if missing is None:
        return Decision()
    if missing.sure(extract.relevance):
        return Decision(declined=ABSTAINED_BECAUSE.format(why=missing.line()))
    return Decision(doubt=MAY_NOT_ANSWER.format(why=missing.line()))


def lacks_asked_measure(question: str, candidates: Sequence[str]) -> bool:
    """The question asks for a measure (`unit_asked`) and no candidate sentence states one
    while sharing a word of the question's subject (its content words other than those
    that ask for the measure: "mercury" in "What is the boiling point of mercury?")."""
    unit = unit_asked(question)
    if unit is None:
        return False
    subject = {stem(w) for w in content_words(question)} - MEASURE_WORDS
    for sentence in candidates:
        about = not subject or subject & {stem(w) for w in content_words(sentence)}
        if about and states_unit(unit, sentence):
            return False
    return True
