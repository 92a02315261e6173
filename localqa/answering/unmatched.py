"""What the passages found do not say of a question that reads as if they did.

SQuAD 2.0's unanswerable questions are written against a paragraph to look answerable: one
key word of the question is swapped for one the paragraph does not pair with the fact. The
passages then match the question closely, so the relevance rule (abstain.py) cannot tell;
three swaps can be read off the words, and each is a check that is sure of what it states,
so the line that declines says exactly that:

- "number": a number of the question (a year, an amount: "between 1941 and 1945") is in no
  passage found ("from 1914 to 1945");
- "negation": the question denies ("Where are specialized cells *not* located?") and the
  sentence that best matches it does not ("... specialized cells (located in the thymus
  and bone marrow)"): it says the opposite of what is asked, or nothing of it;
- "opposite": a word of the question is not in that sentence, but its opposite is
  ("What *decreased* the rate of flow?" over "The rate of flow was *increased*").

A denial or an opposite is sure only when the best sentence matches the question closely
(`Unmatched.sure`); otherwise the answer is shown with a line saying what was checked and
that the passages may not answer. A name of the question that no passage holds, or the kind
of fact asked (asked.py) that no sentence gives, was tried too and told the two apart too
little (a name: 0.053 of unanswerable questions, 0.033 of answerable ones). Designed on SQuAD
2.0 dev questions apart from the reported sample (docs/BENCHMARKS-LOG.md, issue 25).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from localqa.answering.facts import facts_of
from localqa.text import words

# Words that deny; "n't" is matched apart (it ends a word: "weren't").
NEGATION = re.compile(r"\b(?:not|never|no|none|nor|neither|cannot)\b|n['\u2019]t\b", re.I)
# "whether or not" asks, it does not deny.
NO_DENIAL = re.compile(r"\b(?:whether\s+)?or\s+not\b", re.I)
# A sentence may deny in other words ("the adults of most species lack combs", "with the
# exception of San Bernardino and Riverside", "the only one").
DENIES = re.compile(
    NEGATION.pattern
    + r"|\b(?:lack\w*|without|absent|fail\w*|unable|nothing|except\w*|exclu\w*|only|"
    r"rather|instead|unknown|unsolved)\b",
    re.I,
)
# Words that say the opposite of each other (or another of a set), as a question swaps them.
OPPOSITES = (
    ("increase", "decrease"),
    ("increased", "decreased"),
    ("increasing", "decreasing"),
    ("rise", "fall"),
    ("rose", "fell"),
    ("higher", "lower"),
    ("highest", "lowest"),
    ("larger", "smaller"),
    ("largest", "smallest"),
    ("most", "least"),
    ("first", "last"),
    ("earliest", "latest"),
    ("minimum", "maximum"),
    ("upper", "lower"),
    ("older", "younger"),
    ("oldest", "youngest"),
    ("longest", "shortest"),
    ("open", "closed"),
    ("accepted", "rejected"),
    ("success", "failure"),
    ("warm", "cold"),
    ("warmer", "colder"),
    ("north", "south", "east", "west"),
    ("northern", "southern", "eastern", "western"),
)
OPPOSITE: dict[str, frozenset[str]] = {
    word: frozenset(other for pair in OPPOSITES if word in pair for other in pair if other != word)
    for pair in OPPOSITES
    for word in pair
}

# A decade or century by its years ("the 1700s"): a passage may say "the 18th century".
DECADE = re.compile(r"\b\d+0['\u2019]?s\b")
# A hyphen between letters, which hides a number word from text2num ("tenth-largest").
BETWEEN_WORDS = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")

Reason = Literal["number", "negation", "opposite"]
# The best sentence's relevance (0..1, `Extract.relevance`) from which a denial or an
# opposite it lacks is sure: it is the sentence the question was written from. Below, the
# best sentence may be the wrong one ("... the immune system doesn't distinguish between
# what types of cells?" over a four-paragraph index: 0.45, the answer's sentence not among
# the first three), and the answer is shown with the line instead. 0.6, not 0.5: at 0.5,
# 3 of the 329 answerable questions of tests/data/labelled_answers.json were declined (a
# denial said otherwise: "the only district ... to not have"), none at 0.6; unanswerable
# ones declined, on the development sample, 0.160 -> 0.117 (docs/BENCHMARKS-LOG.md).
SURE_RELEVANCE = 0.6


@dataclass(frozen=True)
class Unmatched:
    """What the passages found do not say: `reason`, the question's word or number they
    lack (`asked`: "1941", "not", "decreased") and, for "opposite", the best sentence's
    word in its place (`instead`: "increased")."""

    reason: Reason
    asked: str
    instead: str = ""

    def sure(self, relevance: float) -> bool:
        """The passages surely do not answer: a number none mentions, or a denial or an
        opposite the best sentence lacks when that sentence matches closely (`relevance`,
        0..1, at least SURE_RELEVANCE)."""
        return self.reason == "number" or relevance >= SURE_RELEVANCE

    def line(self) -> str:
        """What was checked, and only that, as a clause ("no passage found mentions
        1941"): the declining answer's reason, or why a shown one may not answer."""
        if self.reason == "number":
            return f"no passage found mentions {self.asked}"
        if self.reason == "negation":
            return f'the passage that best matches it says it without "{self.asked}"'
        return f'the passage that best matches it says "{self.instead}", not "{self.asked}"'


def unmatched(
    question: str, candidates: Sequence[str], passages: Sequence[str]
) -> Unmatched | None:
    """What the passages do not say of `question` (module docstring), or None.
    `candidates`: the sentences scored against the question, best first (`Extract`);
    `passages`: the whole texts retrieved (the numbers are looked for in them)."""
    if not candidates:
        return None
    passages = passages or candidates
    number = absent_number(question, passages)
    if number is not None:
        return Unmatched("number", number)
    best = candidates[0]
    denied = NEGATION.search(NO_DENIAL.sub(" ", question))
    if denied and not DENIES.search(best):
        return Unmatched("negation", denied.group().lower().replace("\u2019", "'"))
    said = set(words(best))
    for word in sorted(set(words(question)) - said):
        instead = sorted(OPPOSITE.get(word, frozenset()) & said)
        if instead:
            return Unmatched("opposite", word, instead[0])
    return None


def absent_number(question: str, passages: Sequence[str]) -> str | None:
    """A number of `question`, as written there (in digits when it is spelt in words),
    that no passage states (as a value, scaled or not: "$20 million" is 20 and 2e7), or
    None."""
    asked = facts_of(BETWEEN_WORDS.sub(" ", DECADE.sub(" ", question)), 0.0, first_is_name=True)
    if not asked.numbers:
        return None
    stated: set[float] = set()
    for passage in passages:
        facts = facts_of(BETWEEN_WORDS.sub(" ", passage), threshold=0.0, first_is_name=True)
        stated |= facts.numbers | facts.unscaled
    if not asked.numbers - stated:
        return None
    for match in re.finditer(r"\S*\d\S*", question):
        if DECADE.fullmatch(match.group().strip("?,.;:!()\"'")):
            continue
        value = facts_of(match.group(), threshold=0.0, first_is_name=True).numbers
        if value and not value & stated:
            return match.group().strip("?,.;:!()\"'")
    return f"{min(asked.numbers - stated):g}"  # spelt in words ("two"): its value
