"""Polarity: whether a claim says the opposite of its evidence.

A claim that negates what the evidence states ("Alcohol is reimbursed" against "Alcohol is
not reimbursed"), or uses the antonym of its word ("allowed" against "prohibited"), agrees
with it word for word and in MiniLM's meaning, and is not supported by it. Which word a
negation governs is not parsed: the word after the negator, past auxiliaries, is taken, and
a negation counts only where the other side negates nothing (`contradicts`). Chinese is
read the same way, its runs as bigrams, a negator character (不, 没, 未, 无, 非) before the
bigram it negates ("不可以报销" against "可以报销").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from localqa.answering.bounds import bound_flipped, rank_dropped
from localqa.answering.facts import stem
from localqa.text import CJK_CHAR, STOPWORDS, TOKEN, bigrams, fold

NEGATORS = frozenset(
    "not no never none nobody nothing neither nor without cannot cant nowhere".split()
)
# Words between a negator and what it negates ("shall not have attained").
AUXILIARIES = frozenset(
    """a an the any be been being is are was were am have has had do does did shall will
    can could may might must should would to of ever yet also be""".split()
)
_ANTONYM_PAIRS = (
    ("allowed", "prohibited"),
    ("allowed", "forbidden"),
    ("permitted", "prohibited"),
    ("permitted", "forbidden"),
    ("required", "optional"),
    ("mandatory", "optional"),
    ("mandatory", "voluntary"),
    ("increase", "decrease"),
    ("increased", "decreased"),
    ("rise", "fall"),
    ("rose", "fell"),
    ("higher", "lower"),
    ("maximum", "minimum"),
    ("earliest", "latest"),
    ("true", "false"),
    ("open", "closed"),
    ("included", "excluded"),
    ("paid", "unpaid"),
    ("approved", "rejected"),
    ("accepted", "rejected"),
    ("profit", "loss"),
    ("won", "lost"),
    ("north", "south"),
    ("east", "west"),
    ("male", "female"),
    ("legal", "illegal"),
    ("eligible", "ineligible"),
    ("largest", "smallest"),
    ("biggest", "smallest"),
    ("oldest", "youngest"),
    ("longest", "shortest"),
    ("highest", "lowest"),
    ("import", "export"),
    ("succeeded", "failed"),
    ("supported", "opposed"),
    ("允许", "禁止"),
    ("增加", "减少"),
    ("最高", "最低"),
    ("必须", "可选"),
)
ANTONYMS: dict[str, frozenset[str]] = {}
for _pair in _ANTONYM_PAIRS:
    _a, _b = (stem(w) for w in _pair)
    ANTONYMS[_a] = ANTONYMS.get(_a, frozenset()) | {_b}
    ANTONYMS[_b] = ANTONYMS.get(_b, frozenset()) | {_a}


# Chinese negators, written before what they negate ("不可以", "没有", "未经"); the
# character after one starts the negated word.
CJK_NEGATORS = frozenset("不没未无非勿别")
# Words that open with a negator character and negate nothing ("very", "the future").
NOT_NEGATING = frozenset("非常 无论 不仅 不但 不过 不断 别的 别人 未来 无数 非洲".split())


def _tokens(text: str) -> list[str]:
    """Lower-cased words, "n't" as "not"; a CJK run as a negator ("not") before the rest
    of the run, which is read as its bigrams ("不可以报销": not, 可以, 以报, 报销)."""
    text = re.sub(r"n[\u2019']t\b", " not", fold(text), flags=re.I)
    tokens: list[str] = []
    for match in TOKEN.finditer(text):
        word = match.group().lower()
        if not CJK_CHAR.match(word):
            tokens.append(word)
            continue
        start = 0
        for at, char in enumerate(word):
            if char in CJK_NEGATORS and word[at : at + 2] not in NOT_NEGATING:
                tokens.extend(bigrams(word[start:at]) if at > start else [])
                tokens.append("not")
                start = at + 1
        if start < len(word):
            tokens.extend(bigrams(word[start:]))
    return tokens


def polarity(text: str) -> tuple[set[str], set[str]]:
    """(negated, stated) content words of `text`, stemmed: a negated word is the first
    word after a negator ("not", "no", "never", "n't", ...) past auxiliaries and articles
    ("shall not have attained": "attained"); stated words are every other content word."""
    negated, plain = _read(text)
    return negated, plain - negated


def _read(text: str) -> tuple[set[str], set[str]]:
    """(negated, plainly stated) content words of `text`, stemmed (`polarity`); a word may
    be in both."""
    negated: set[str] = set()
    plain: set[str] = set()
    pending = False
    for token in _tokens(text):
        if token in NEGATORS:
            pending = True
        elif pending and token in AUXILIARIES:
            continue
        elif pending:
            negated.add(stem(token))
            pending = False
        elif token not in STOPWORDS:
            plain.add(stem(token))
    return negated, plain


def contradicts(claim: str, evidence: str) -> bool:
    """The claim negates a word the evidence states while the evidence negates nothing, or
    states one the evidence negates while the claim negates nothing, or states a word
    whose antonym the evidence states while the evidence lacks the word itself
    ("prohibited" against "allowed"), or bounds a number from the other side or drops
    the rank of a superlative (bounds.py). Only where one side negates nothing: which word a
    negation governs is not known ("Neither slavery nor servitude shall exist" is "slavery
    shall not exist")."""
    claim_negated, claim_stated = polarity(claim)
    evidence_negated, evidence_stated = polarity(evidence)
    if claim_negated & evidence_stated and not evidence_negated:
        return True
    # a word the evidence both negates and states plainly ("some do not require a
    # subscription, some require one") is stated: the claim stating it says what one says
    if (evidence_negated - plainly_stated(evidence)) & claim_stated and not claim_negated:
        return True
    evidence_words = evidence_negated | evidence_stated
    if any(_opposed(word, evidence_words) for word in claim_stated):
        return True
    return bound_flipped(claim, evidence) or rank_dropped(claim, evidence)


def plainly_stated(text: str) -> set[str]:
    """The content words of `text` (stemmed) that it states somewhere without a negator
    before them, whether or not it negates them elsewhere."""
    return _read(text)[1]


def _opposed(word: str, evidence_words: Iterable[str]) -> bool:
    opposites = ANTONYMS.get(word)
    if not opposites:
        return False
    present = set(evidence_words)
    return word not in present and bool(opposites & present)
