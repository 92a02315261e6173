"""Whether a supported claim picks out the thing its question asks for.

The support check (support.py) asks whether the evidence states what a claim says; it
cannot ask whether what the claim picks out of that evidence is what the question asks
for. On the labelled set (tests/data/labelled_answers.json, development half), every wrong
answer shown as supported answered a "what"/"which" question with something its best
sentence does say, but not the thing asked (docs/BENCHMARKS-LOG.md, "Issue 25: which
one"). Four shapes of it are read here, each from the first claim (the answer; later
sentences add detail) and its evidence:

- `adds_one_word`: to a question that does not say what kind of fact it asks for, a
  claim that repeats the question and adds one common word, no name or number ("The term
  for a task ... solved by a computer is a problem." over "A computational problem is
  ... a task ... solved by a computer"): the one word says nothing the check can verify,
  unless it names the asked noun as the evidence does (`names_the_asked`);
- `cut_name`: the claim names part of a longer name its evidence gives ("The Catholic
  Church runs ..." over "... run by the Roman Catholic Church"): the name cut short may
  be another thing;
- `unnamed`: the question asks "what cycle", the evidence names it ("the usual
  counterflow cycle") and the claim does not say that word ("the cycle of a
  reciprocating steam engine");
- `one_of_list`: a bare name that is one item of a list of names in its evidence
  ("Downtown Los Angeles." over "districts include Downtown Los Angeles, Downtown San
  Diego, Downtown San Bernardino, ..."): the check cannot tell which item the question
  picks ("the only district without 'downtown' in its name").
"""

from __future__ import annotations

import re
from itertools import pairwise

from localqa.answering.claims import added_words, claim_text
from localqa.answering.facts import NOT_NAMES, facts_of, stem, without
from localqa.text import CJK_CHAR, STOPWORDS

WORD = re.compile(r"[\w'\u2019-]+")
# "what cycle", "which other county", "what kind of problems": the noun asked about.
ASKED_NOUN = re.compile(
    r"\b(?:what|which)\s+(?:other\s+|(?:kind|type|sort|form)\s+of\s+)?([A-Za-z][\w-]*)",
    re.IGNORECASE,
)
VERBS = frozenset(
    "is was are were does did do has have had can could would will should may might".split()
)
# A run of capitalised words, with the lower-case joiners names hold ("William the Silent").
NAME_RUN = re.compile(
    r"[A-Z][\w'\u2019-]*(?:\s+(?:(?:of|de|the|van|von|da)\s+)?[A-Z][\w'\u2019-]*)*"
)
# Titles before a person's name are no part of it: "Judge Ketanji Brown Jackson" names
# Ketanji Brown Jackson.
TITLES = frozenset(
    """mr mrs ms dr prof professor sir dame lord lady judge justice president senator
    governor mayor king queen prince princess duke general colonel captain admiral chief
    pope bishop cardinal saint st rev reverend minister chancellor""".split()
)
# "What kind of graph ...": the answer is a word that says which kind, one word added.
KIND_OF = re.compile(r"\b(?:what|which)\s+(?:kind|type|sort|form)s?\s+of\b", re.IGNORECASE)
MODIFIER_REACH = 2  # words before the asked noun that say which one it is
LIST_ITEMS = 4  # capitalised items of a list, at least
LIST_SPLIT = re.compile(r",|;|\band\b|\bor\b")
BARE_WORDS = 4  # a bare name: at most this many words, all but one capitalised


def _stems(text: str) -> set[str]:
    return {stem(w) for w in WORD.findall(text)}


def adds_one_word(sentence: str, question: str) -> bool:
    """The claim adds at most one content word to the question, and that word is no name
    or number (the claim's preamble aside); not to a question asking what kind of thing,
    which one word answers ("an arbitrary graph"), nor in Chinese, Japanese or Korean,
    whose words are read as bigrams: one may be a whole name ("海韵")."""
    claim = claim_text(sentence)
    if KIND_OF.search(question) or CJK_CHAR.search(claim):
        return False
    added = added_words(claim, question)
    facts = without(facts_of(claim, first_is_name=True), question)
    return len(added) <= 1 and not facts.numbers and not facts.words & added


def names_the_asked(sentence: str, evidence: str, question: str) -> bool:
    """The question asks "what NOUN", and the one word the claim adds stands just before
    that noun, in the claim as in the evidence: it says which one, as the evidence does
    ("The time and space hierarchy theorems." over "... is given by the time and space
    hierarchy theorems respectively." to "What theorems are responsible for ...?")."""
    match = ASKED_NOUN.search(question)
    if not match or match.group(1).lower() in VERBS:
        return False
    noun, added = stem(match.group(1)), added_words(claim_text(sentence), question)

    def pairs(text: str) -> set[tuple[str, str]]:
        words = [stem(w) for w in WORD.findall(text)]
        return {(a, b) for a, b in pairwise(words) if b == noun and a in added}

    return bool(pairs(claim_text(sentence)) & pairs(evidence))


def _names(text: str) -> list[list[str]]:
    """The runs of capitalised words in `text`, stemmed, without leading words that name
    nothing ("The", "In"), each cut after a title ("Judge", "Dr")."""
    runs = []
    for match in NAME_RUN.finditer(text):
        run: list[str] = []
        for word in match.group().split():
            if not run and word.lower() in STOPWORDS | NOT_NAMES:
                continue
            if word.lower().rstrip(".") in TITLES:
                if run:
                    runs.append(run)
                run = []
                continue
            run.append(stem(word))
        if run:
            runs.append(run)
    return runs


def cut_name(sentence: str, evidence: str, question: str) -> bool:
    """A name the claim gives (not one its question gives) is part of a longer name in
    the evidence, whose other words are neither the question's nor words that name
    nothing ("Catholic Church" in "Roman Catholic Church"), and the evidence never gives
    it alone: "Irvine" is cut from neither "West Irvine" nor "The Irvine Spectrum" in
    "... the Irvine business centers of The Irvine Spectrum, West Irvine, ..."."""
    asked = _stems(question)
    longer = _names(evidence)
    for name in _names(claim_text(sentence)):
        if all(w in asked for w in name) or name in longer:
            continue
        for run in longer:
            for start in range(len(run) - len(name) + 1):
                if len(run) > len(name) and run[start : start + len(name)] == name:
                    rest = run[:start] + run[start + len(name) :]
                    if any(w not in asked and w not in STOPWORDS | NOT_NAMES for w in rest):
                        return True
    return False


def unnamed(sentence: str, evidence: str, question: str) -> bool:
    """The question asks "what NOUN" (a common noun), the evidence says which one with
    the words just before that noun ("the usual counterflow cycle"), and the claim holds
    none of those words that the question does not."""
    match = ASKED_NOUN.search(question)
    if not match or match.group(1).lower() in VERBS or match.group(1)[0].isupper():
        return False
    noun, asked, said = stem(match.group(1)), _stems(question), _stems(claim_text(sentence))
    tokens = re.findall(r"[\w'\u2019-]+|[^\w\s]", evidence)
    for i, token in enumerate(tokens):
        if stem(token) != noun:
            continue
        modifiers = []
        for word in reversed(tokens[max(0, i - MODIFIER_REACH) : i]):
            if not WORD.fullmatch(word) or word.lower() in STOPWORDS | NOT_NAMES:
                break
            modifiers.append(stem(word))
        new = [w for w in modifiers if w not in asked]
        if new and not any(w in said for w in new):
            return True
    return False


def one_of_list(sentence: str, evidence: str) -> bool:
    """The claim is a bare name (a few words, all but one capitalised) and the evidence
    lists at least LIST_ITEMS capitalised items, one of them holding that name."""
    words = WORD.findall(claim_text(sentence))
    if not words or len(words) > BARE_WORDS:
        return False
    if sum(w[0].isupper() for w in words) < len(words) - 1:
        return False
    names = [w for w in words if w[0].isupper() and w.lower() not in NOT_NAMES]
    if not names:
        return False
    items = [item.strip() for item in LIST_SPLIT.split(evidence)]
    capitalised = [item for item in items if item[:1].isupper()]
    return len(capitalised) >= LIST_ITEMS and any(names[0] in item for item in capitalised)


# An abbreviation in capitals ("CBD"), and one in brackets after the words it stands for.
ACRONYM = re.compile(r"\b[A-Z]{2,6}\b")


def cut_expansion(sentence: str, evidence: str, question: str) -> bool:
    """The question names an abbreviation ("What does CBD stand for?"), the evidence
    spells it out before it in brackets ("Central business districts (CBD)"), and the
    claim gives some of those words but not all ("Business District")."""
    said = _stems(claim_text(sentence))
    for acronym in set(ACRONYM.findall(question)):
        found = re.search(rf"((?:[\w'-]+\s+){{{len(acronym)}}})\(\s*{acronym}\s*\)", evidence)
        if not found:
            continue
        spelt = found.group(1).split()
        if "".join(w[0] for w in spelt).upper() != acronym:
            continue
        words = {stem(w) for w in spelt}
        if words & said and not words <= said:
            return True
    return False


# "the name of the X", "the kind of X": the noun asked about is X.
NAME_OF = re.compile(r"\b(?:name|kind|type|sort|form)s?\s+of\s+(?:the\s+|an?\s+)?(\w+)", re.I)
QUALIFIED_WORDS = 3  # a bare answer: at most this many words, stopwords aside


def qualifies_asked(sentence: str, question: str) -> bool:
    """A bare answer (two or three words) ends on a word of its question that is not the
    noun asked about: it says which of the question's own things, not what was asked
    ("Huguenot ancestry." to "What characteristic identifies the French ancestry of some
    South Africans?", whose evidence says surnames do)."""
    claim = claim_text(sentence)
    words = [w for w in WORD.findall(claim) if w.lower() not in STOPWORDS]
    if not 1 < len(words) <= QUALIFIED_WORDS or CJK_CHAR.search(claim):
        return False
    head = stem(words[-1])
    if head not in _stems(question):
        return False
    asked = {stem(m.group(1)) for m in (ASKED_NOUN.search(question), NAME_OF.search(question)) if m}
    return head not in asked
