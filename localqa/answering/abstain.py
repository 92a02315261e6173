"""Abstaining: saying the documents do not answer, rather than quoting or writing an answer.

The rule reads what the extractive step already computed for every answer, so it holds for
the extractive answer and a generated one alike, and a generated answer that abstains costs
no generation: the relevance of the best context sentence to the question (MiniLM and word
agreement, 0..1, `Extract.relevance`). Below the `abstain_below` setting the answer abstains
and shows the nearest passages as sources, so the reader can check.

The default was tuned on a development sample of SQuAD 2.0 dev questions disjoint from the
sample reported in docs/BENCHMARKS-LOG.md (`benchmarks/tune_abstention.py`).
"""

from __future__ import annotations

from collections.abc import Sequence

from localqa.answering.asked import states_unit, unit_asked
from localqa.answering.extractive import Extract
from localqa.answering.facts import stem
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


def abstains(extract: Extract, abstain_below: float, question: str = "") -> bool:
    """True when the answer should say the documents do not answer (0: never): the best
    sentence's relevance (0..1) is below `abstain_below`, unless the question is in another
    script than that sentence (an English question over a Chinese passage: the score
    cannot tell, so the answer is not declined); or no passage holds a name the question
    asks about (`Extract.unheld`: "China" over English passages); or it asks for a measure
    (a temperature, an age: asked.py) that no candidate sentence states together with
    a word of what it is asked about."""
    if not extract.nearest:
        return True
    if abstain_below <= 0:
        return False
    if extract.relevance < abstain_below and not extract.cross_script:
        return True
    if extract.unheld and not extract.cross_script:  # the passages are about something else
        return True
    return bool(question) and lacks_asked_measure(question, extract.candidates)


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
