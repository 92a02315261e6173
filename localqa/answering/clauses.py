"""Which of several values a sentence states the question points to.

A sentence that states several numbers supports an answer giving any of them, and the
support check cannot tell them apart: asked "How high is Victoria's Mount Bogong?",
SmolLM2-135M answered "2,000 m" from "... alpine areas which rise to almost 2,000 m
(6,600 ft), with Mount Bogong the highest peak at 1,986 m (6,516 ft)."; asked "In what
year did Raymond Sullivan publish a study of rudimentary sets?", "1962" from "...
Raymond Smullyan's study of rudimentary sets (1961), as well as Hisao Yamada's paper on
real-time computations (1962)." (tests/data/labelled_answers.json). A sentence is read
here as its clauses, and the question points at the clause holding the most of its
words: an answer to a question asking for a number or a time gives a value stated
there, or, by mistake, another clause's value.
"""

from __future__ import annotations

import re

from localqa.answering.claims import stems
from localqa.answering.facts import evidence_facts, facts_of
from localqa.text import content_words

# Where a sentence's clauses meet: a comma or colon that is no digit separator ("1,000",
# "10:30"), a semicolon, a dash between spaces. A bracket stays with its clause: "(1961)"
# dates the study before it, "(18 km)" restates the miles before it.
CLAUSE_BREAK = re.compile(r"(?<!\d)[,:]|[,:](?!\d)|;|\s[\u2013\u2014-]\s")
# How many more of the question's words the clause it points to must hold than the clause
# of the answer's value: a margin of one is too often a common word ("engine" in an
# article on steam engines).
MIN_MARGIN = 2


def gives_other_value(claimed: frozenset[float], sentence: str, question: str) -> bool:
    """The answer's `claimed` numbers (what it adds to its question) are stated in a
    clause of its evidence `sentence` holding at least MIN_MARGIN fewer of the question's
    content words than another clause that states other numbers (the question's own
    numbers aside: "2003-04" in "What percentage was the increase ... in 2003-04?")."""
    asked = stems(content_words(question))
    asked_values = facts_of(question, 0.0, first_is_name=True)
    own = asked_values.numbers | asked_values.unscaled
    counted: list[tuple[int, frozenset[float]]] = []
    for clause in CLAUSE_BREAK.split(sentence):
        facts = evidence_facts(clause)
        values = (facts.numbers | facts.unscaled) - own
        if values:
            counted.append((len(asked & stems(content_words(clause))), values))
    holding = [n for n, values in counted if values & claimed]
    if not holding:
        return False
    most, pointed = max(counted, key=lambda pair: pair[0])
    return most - max(holding) >= MIN_MARGIN and not pointed & claimed


def moved_value(claimed: frozenset[float], claim: str, sentence: str) -> bool:
    """The claim's `claimed` numbers are stated in a clause of its evidence `sentence`
    holding at least MIN_MARGIN fewer of the claim's own other words than another clause,
    which states another number and not the claimed ones, while the clause of the claimed
    ones holds some of the claim's words (else it only adds a value to the clause before):
    the claim moved a value to what another clause says ("The groups of pistons were set
    at 180° to each other." over "... the individual pistons within the group are usually
    balanced at 180°, the groups being set at 90° to each other.")."""
    said = stems(content_words(claim))
    counted: list[tuple[int, frozenset[float]]] = []
    for clause in CLAUSE_BREAK.split(sentence):
        facts = evidence_facts(clause)
        values = facts.numbers | facts.unscaled
        if values:
            words = {w for w in stems(content_words(clause)) if not w[:1].isdigit()}
            counted.append((len(said & words), values))
    holding = [n for n, values in counted if values & claimed]
    others = [n for n, values in counted if not values & claimed]
    if not holding or not others or not max(holding):  # "..., ranging from £15-100,000"
        return False
    return max(others) - max(holding) >= MIN_MARGIN
