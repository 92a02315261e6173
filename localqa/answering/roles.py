"""Which of its evidence's names a claim gives, and which way round it relates them.

A sentence that names several things supports a claim naming any of them, and one that
relates two things supports a claim relating them the other way round: every word stays.
On the labelled set (tests/data/labelled_answers.json, development half), SmolLM2-135M
answered "Who made Ralph earl?" with "Robert of Jumièges" over "He appointed Robert of
Jumièges archbishop of Canterbury and made Ralph the Timid earl of Hereford."; Gemma-3-270M
answered "What proclamation abolished protestantism in France?" with "The Edict of Nantes
(1685) abolished ..." over "... the Edict of Nantes until the rule of Louis XIV, who ...
issued the Edict of Fontainebleau (1685), which abolished all legal recognition of
Protestantism in France, ...", and wrote "The higher oxygen content of the water bodies in
polar regions is due to the higher density of life." over "... polar oceans support a much
higher density of life due to their higher oxygen content". Read here:

- `other_name`: the evidence's clause the question points to (the one holding the most of
  its words; a relative clause, "which abolished ...", with the clause before it, whose
  last name it is about) names something, and the claim's answer (its first name the
  question lacks) is named only in another clause, holding fewer of the question's words
  and none the pointed clause lacks;
- `swapped`: the claim and its evidence relate two sides with one marker ("due to",
  "because of", "than", ...), and the claim's sides hold the words of the evidence's
  other sides;
- `added_title`: a bare answer puts a word before a name that its evidence never writes
  before it ("King Rollo" over "under their leader Rollo").
"""

from __future__ import annotations

import re

from localqa.answering.attributes import added_rank, unheld_item
from localqa.answering.cjk_claims import MIN_HELD
from localqa.answering.cjk_claims import share_held as cjk_share_held
from localqa.answering.claims import claim_text
from localqa.answering.clauses import CLAUSE_BREAK as VALUE_CLAUSE_BREAK
from localqa.answering.facts import NOT_NAMES, stem
from localqa.text import CJK_CHAR, STOPWORDS

WORD = re.compile(r"[\w'\u2019-]+")
# Where clauses meet, for names: where they meet for values (clauses.py), and also at
# "and" or "but" before a lower-case word that is no determiner ("... and made Ralph
# earl", not "... and the Colorado River").
CLAUSE_BREAK = re.compile(
    rf"{VALUE_CLAUSE_BREAK.pattern}|"
    r"\s(?:and|but)\s(?!(?:the|a|an|his|her|its|their|this|that|these|those|other)\b)(?=[a-z])"
)
# A clause about the last name of the clause before it.
RELATIVE = re.compile(r"^\s*(?:which|who|whom|whose)\b", re.IGNORECASE)
NAME_RUN = re.compile(
    r"[A-Z][\w'\u2019-]*(?:\s+(?:(?:of|de|the|van|von|da|y)\s+)?[A-Z][\w'\u2019-]*)*"
)
# How many more of the question's words the pointed clause holds than the claim's.
MIN_MARGIN = 1
# Words that relate two sides, the cause or the larger after them.
MARKERS = re.compile(
    r"\b(?:due\s+to|because\s+of|owing\s+to|as\s+a\s+result\s+of|caused\s+by|than)\b",
    re.IGNORECASE,
)
# How many more words the claim's sides share with the evidence's other sides than with
# their own, for the relation to count as swapped.
MIN_SWAP = 2
BARE_WORDS = 3  # a bare answer: at most this many words


def _stems(text: str) -> set[str]:
    return {stem(w) for w in WORD.findall(text)} - STOPWORDS


def names_in(text: str, asked: set[str]) -> list[tuple[str, ...]]:
    """The runs of capitalised words in `text` (stemmed, leading words that name nothing
    dropped) that hold a word the question (`asked`, stemmed) lacks."""
    runs = []
    for match in NAME_RUN.finditer(text):
        words = [w for w in match.group().split()]
        while words and words[0].lower() in STOPWORDS | NOT_NAMES:
            words.pop(0)
        run = tuple(stem(w) for w in words)
        if run and any(w not in asked and w not in STOPWORDS for w in run):
            runs.append(run)
    return runs


def _holds(run: tuple[str, ...], names: list[tuple[str, ...]]) -> bool:
    return any(
        name[i : i + len(run)] == run for name in names for i in range(len(name) - len(run) + 1)
    )


def other_name(sentence: str, evidence: str, question: str) -> bool:
    """The claim's answer is named only in a clause of its evidence that holds at least
    MIN_MARGIN fewer of the question's words than the clause the question points to,
    which names something else (module docstring)."""
    asked = _stems(question)
    claimed = names_in(claim_text(sentence), asked)
    if not claimed:
        return False
    answer = claimed[0]
    words = asked - set(answer)
    clauses = [c for c in CLAUSE_BREAK.split(evidence) if c and c.strip()]
    if len(clauses) < 2:
        return False
    found = [words & _stems(c) for c in clauses]
    held = [len(f) for f in found]
    names = [names_in(c, asked) for c in clauses]
    pointed = max(range(len(clauses)), key=lambda i: held[i])
    others = names[pointed]
    if not others and RELATIVE.match(clauses[pointed]) and pointed > 0:
        others = names[pointed - 1][-1:]  # "..., which abolished": the name before it
    if not others or _holds(answer, others):
        return False
    where = [i for i, named in enumerate(names) if _holds(answer, named)]
    # a clause holding a question word the pointed one lacks ("the Census Bureau
    # considers ...") may be where the answer is
    return bool(where) and all(
        held[pointed] - held[i] >= MIN_MARGIN and found[i] <= found[pointed] for i in where
    )


def _sides(text: str) -> tuple[set[str], set[str]] | None:
    """(words before, words after) the first relating marker of `text`, or None."""
    match = MARKERS.search(text)
    if not match:
        return None
    return _stems(text[: match.start()]), _stems(text[match.end() :])


def swapped(claim: str, evidence: str) -> bool:
    """The claim relates two sides with a marker ("A is due to B") that its evidence
    relates the other way ("B due to A"): the claim's sides share at least MIN_SWAP more
    words with the evidence's opposite sides than with their own (a word on both
    evidence sides counts for neither)."""
    ours, theirs = _sides(claim_text(claim)), _sides(evidence)
    if ours is None or theirs is None:
        return False
    (before, after), (e_before, e_after) = ours, theirs
    only_before, only_after = e_before - e_after, e_after - e_before
    kept = len(before & only_before) + len(after & only_after)
    turned = len(before & only_after) + len(after & only_before)
    return turned - kept >= MIN_SWAP


def added_title(sentence: str, evidence: str, question: str) -> bool:
    """A bare answer (at most BARE_WORDS words) starts with a capitalised word the
    question lacks, before a name the evidence gives, and the evidence never writes that
    word before the name ("King Rollo" over "under their leader Rollo")."""
    words = WORD.findall(claim_text(sentence))
    if not 2 <= len(words) <= BARE_WORDS or not all(w[0].isupper() for w in words):
        return False
    first, rest = words[0], " ".join(words[1:])
    if stem(first) in _stems(question) or first.lower() in STOPWORDS | NOT_NAMES:
        return False
    spaced = " ".join(WORD.findall(evidence))
    if not re.search(rf"\b{re.escape(rest)}\b", spaced):
        return False
    return not re.search(rf"\b{re.escape(first)}\s+{re.escape(rest)}\b", spaced, re.IGNORECASE)


def kept_share(claim: str, question: str, sentence: str, around: str) -> float:
    """How much of the claim its evidence `sentence` (with the sentences `around` it)
    can hold, 0..1, besides its words: the share of the characters a CJK claim adds to its
    question that the evidence holds (cjk_claims.py), or 0.5 when the sentence relates
    the claim's two sides the other way round (`swapped`) or the claim adds a rank or a
    list item that the evidence and its question lack (attributes.py); 1 otherwise."""
    around = around or sentence
    if CJK_CHAR.search(claim):
        held = cjk_share_held(claim, question, around)
        if held < MIN_HELD:
            return held
    if swapped(claim, sentence) or added_rank(claim, question, around):
        return 0.5
    return 0.5 if unheld_item(claim, question, around) else 1.0
