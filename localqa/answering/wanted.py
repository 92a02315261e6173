"""What exactly a question asks for, past its kind (asked.py), and the words that only ask.

Over sample_docs the extractive answer quoted the wrong sentence where the question's kind
("number") was too coarse and its asking words were matched as if they said what it is
about (issue 25, docs/BENCHMARKS-LOG.md "Extractive quotes that pick the wrong sentence"):

- `asking_words(question)`: "many" in "How many employees ...", "long" in "How long is
  the leave ...": they ask, they name nothing. Matched as words of the subject, they made
  "many former mentees go on to become mentors" the best sentence for the headcount;
- `wanted(question)`: the fact asked for where the question says it: a year ("In what
  year was ... started?"), a day ("On which day of the month is salary paid?"), a count
  of a thing ("How many employees ...": a number before "employees", or a word counting
  people, "214 people", where the sentence also speaks of employing);
- `gives_wanted(wanted, sentence, question)`: how well the sentence states it (0..1);
- `says_nothing(sentence, question)`: a heading, a name alone, or the question said back
  ("Halvorsen Marine Instruments AS." to "In what year was Halvorsen Marine Instruments
  started?"): no quote;
- `stem_support(claim, evidence)`: word agreement that counts "employ" for "employees";
- `unheld_names(question, passages)`: names the question asks about that no passage holds
  ("China" over English passages): the answer abstains (abstain.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from localqa.answering.facts import NOT_NAMES, NUMBER, spelt_as_digits, stem
from localqa.answering.picks import VERBS
from localqa.sentences import HEADING_MAX_WORDS
from localqa.text import STOPWORDS, content_words, expansions, words

Fact = Literal["year", "day", "count"]

# The word after "how" that asks for a measure: no word of the subject.
ASKING = re.compile(
    r"\bhow\s+(many|much|long|often|old|far|tall|high|big|large|wide|deep|heavy|soon|"
    r"quickly|early|late)\b",
    re.IGNORECASE,
)
YEAR_ASKED = re.compile(r"\b(?:what|which)\s+year\b", re.IGNORECASE)
DAY_ASKED = re.compile(r"\b(?:what|which)\s+(?:days?|dates?|weekdays?)\b", re.IGNORECASE)
# "how many" and the two words after it: "how many full-time employees", "how many people
# live": the noun counted is one of them, before any word of STOPWORDS ("does", "of").
COUNT_ASKED = re.compile(r"\bhow\s+many\s+([A-Za-z][\w-]*)(?:\s+([A-Za-z][\w-]*))?", re.I)
# Endings of words that say of a place or people ("European", "Chinese", "British"): a
# document says it otherwise ("in the EEA"), they name no subject.
OF_PLACE = ("ean", "ian", "ese", "ish", "ic")
EDGES = "\"'()[]{},.;:!?\u201c\u201d\u2018\u2019"
LETTERS = re.compile(r"[^\W\d_]+")
YEAR = re.compile(r"(?<![\d.,])(1[0-9]{3}|20[0-9]{2})s?(?![\d.,]\d)")
WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
MONTHS = (
    "january february march april may june july august september october november december"
).split()
ORDINAL = re.compile(r"\b\d{1,2}(?:st|nd|rd|th)\b", re.IGNORECASE)
DAY_OF_MONTH = re.compile(
    rf"\b\d{{1,2}}\s+(?:{'|'.join(MONTHS)})\b|\b(?:{'|'.join(MONTHS)})\s+\d{{1,2}}\b",
    re.IGNORECASE,
)
# Words that count people: "214 people" counts employees, staff, members alike.
PEOPLE = frozenset(
    """people persons person employees employee staff workers worker personnel members
    individuals colleagues""".split()
)
# A count's noun stands this many words after its number at most ("214 full-time staff").
COUNT_REACH = 3
# Two words of one stem at least this long ("employ", "employees") speak of one thing.
STEM_PREFIX = 6
# Nouns that ask for people of any kind: "How many people ..." is answered by "200 staff".
GENERAL_PEOPLE = frozenset("people persons person individuals".split())
# The words of PEOPLE that name a workforce: "How many staff ..." is answered by "we employ
# 214 people" ("employ" of "employees").
WORKFORCE = tuple(sorted(PEOPLE - GENERAL_PEOPLE - {"members", "colleagues"}))


@dataclass(frozen=True, slots=True)
class Wanted:
    """The fact a question asks for: a year, a day, or a count of one of `nouns` (the
    words after "how many", lower case)."""

    fact: Fact
    nouns: tuple[str, ...] = ()


def asking_words(question: str) -> frozenset[str]:
    """The words after "how" that ask for a measure ("many", "long"), lower case."""
    return frozenset(m.group(1).lower() for m in ASKING.finditer(question))


def wanted(question: str) -> Wanted | None:
    """The fact the question asks for (module docstring), or None."""
    if YEAR_ASKED.search(question):
        return Wanted("year")
    if DAY_ASKED.search(question):
        return Wanted("day")
    found = COUNT_ASKED.search(question)
    if found is None:
        return None
    nouns: list[str] = []
    for word in (w.lower() for w in found.groups() if w):
        if word in STOPWORDS or word in VERBS:
            break
        nouns.append(word)
    return Wanted("count", tuple(nouns)) if nouns else None


def gives_wanted(asked: Wanted, sentence: str, question: str) -> float:
    """How well (0..1) the sentence states the fact `asked` that the question does not: 1
    for a year, a day (an ordinal, a weekday, a date) or a count of the noun (`_counts`),
    else 0."""
    if asked.fact == "year":
        given = set(YEAR.findall(sentence)) - set(YEAR.findall(question))
        return float(bool(given))
    lower = sentence.lower()
    if asked.fact == "day":
        days = ORDINAL.findall(sentence) + DAY_OF_MONTH.findall(sentence)
        weekdays = [w for w in WEEKDAYS if re.search(rf"\b{w}s?\b", lower)]
        return float(bool(days or weekdays))
    return float(_counts(asked.nouns, spelt_as_digits(sentence, 0.0)))


def counting(asked: Wanted | None, sentence: str, question: str) -> str:
    """`sentence`, and after it the nouns `asked` counts where it states their count
    (`gives_wanted`): what its words are matched by, "Today we employ 214 people. staff"
    for "How many staff ...?" ("214 people" counts staff)."""
    if asked is None or asked.fact != "count" or not gives_wanted(asked, sentence, question):
        return sentence
    return f"{sentence} {' '.join(asked.nouns)}"


def _counts(nouns: tuple[str, ...], digits: str) -> bool:
    """A number in `digits` counts one of `nouns`: the noun's stem within COUNT_REACH words
    after it, no punctuation between; or a word of PEOPLE where the sentence speaks of the
    noun (a word of its stem: "we employ 214 people") or the noun asks for people at all
    ("How many people ...": "200 staff"); a noun of PEOPLE stands for all of WORKFORCE
    ("How many staff": "we employ 214 people"). A number after "for" or "up to" is a
    capacity (`_capacity`): a cabin's "room for eight people" counts no one who works
    there."""
    tokens = re.findall(r"[\w-]+|[^\w\s]", digits.lower())
    # "staff" is spoken of as "employ": a noun counting people stands for each word of
    # PEOPLE but the general ones ("people" would count a cabin's guests)
    kin = (*nouns, *WORKFORCE) if PEOPLE.intersection(nouns) else nouns
    people = bool(GENERAL_PEOPLE.intersection(nouns)) or any(_same(t, kin) for t in tokens)
    for i, token in enumerate(tokens):
        if not NUMBER.fullmatch(token) or _capacity(tokens[:i]):
            continue
        for after in tokens[i + 1 : i + 1 + COUNT_REACH]:
            if not after[0].isalnum():  # "2025 To: All employees" counts no employees
                break
            if _same(after, nouns) or (after in PEOPLE and people):
                return True
    return False


def _capacity(before: list[str]) -> bool:
    """The words `before` a number make it a capacity or a limit, no count of what is
    there: "room for eight people", "seats for 40", "up to 12 guests"."""
    return before[-1:] == ["for"] or before[-2:] == ["up", "to"]


def _same(word: str, nouns: tuple[str, ...]) -> bool:
    """`word` is of one of `nouns`' stems, or begins as one does for STEM_PREFIX letters
    ("employ", "employees")."""
    return any(
        stem(word) == stem(noun)
        or (len(word) >= STEM_PREFIX and noun[:STEM_PREFIX] == word[:STEM_PREFIX])
        for noun in nouns
    )


def without_asking(question: str) -> str:
    """The question less its asking words ("How many employees ..." -> "How employees
    ..."): what its words are matched by."""
    return ASKING.sub("how", question)


def says_nothing(sentence: str, question: str) -> bool:
    """A heading or a label, no answer: a line in capitals ("HALVORSEN MARINE INSTRUMENTS -
    FREQUENTLY ASKED QUESTIONS FOR NEW EMPLOYEES"), a name alone (`_name_line`: "Halvorsen
    Marine Instruments AS."), or one whose content words are all the question's ("I lost
    my access card." to "I lost my access card. What do I do?", a FAQ's question line):
    what it says, the question already said."""
    letters = [w for w in LETTERS.findall(sentence) if len(w) > 1]
    if len(letters) >= 2 and all(w.isupper() for w in letters):  # no CJK word is upper
        return True
    if _name_line(sentence):
        return True
    asked = {stem(w) for w in content_words(question)}
    said = {stem(w) for w in content_words(sentence)}
    return bool(said) and said <= asked


def unheld_names(question: str, passages: Sequence[str]) -> tuple[str, ...]:
    """The names the question asks about (capitalised words after its first, of three
    letters or more, no word of NOT_NAMES or STOPWORDS) that none of `passages` holds in
    any form of its stem (`_same`), nor any part of it ("Chinese-like"): "China" in "Who is
    the contact for the China business?" over English passages (the Chinese handbook says
    中国). A name has few synonyms: passages without it are about something else. Two
    letters are left out ("US" is written "U.S." or "United States"), and words of a place's
    people (OF_PLACE)."""
    held: set[str] = set()
    for text in passages:
        held.update(words(text))
    found = []
    for token in question.split()[1:]:
        word = token.strip(EDGES).removesuffix("'s").removesuffix("\u2019s")
        if len(word) < 3 or not word[0].isupper() or word.lower() in NOT_NAMES | STOPWORDS:
            continue
        if word.lower().endswith(OF_PLACE):  # "European" is said "in the EEA"
            continue
        parts = tuple(words(word))
        if not any(p in held or any(_same(h, (p,)) for h in held) for p in parts):
            found.append(word)
    return tuple(found)


def _name_line(sentence: str) -> bool:
    """A name and its full stop, no statement: at most HEADING_MAX_WORDS words, each
    capitalised but for joiners ("of", "the"), no digit or comma (an address, "Fjordgata
    22, 0150 Oslo, Norway.", answers where something is)."""
    found = LETTERS.findall(sentence)
    if not found or len(found) > HEADING_MAX_WORDS or re.search(r"[\d,]", sentence):
        return False
    return found[0][0].isupper() and all(w[0].isupper() or w in STOPWORDS for w in found)


def stem_support(claim: str, evidence: str) -> float:
    """Share (0..1) of the claim's content words the evidence holds, a word held also in
    another form of its stem (`_same`: "employees" by "employ", "instrument" by
    "instruments"), an abbreviation counting as its word (text.lexical_support's rule)."""
    asked = content_words(claim)
    if not asked:
        return 0.0
    held = content_words(evidence) | expansions(evidence)
    return sum(w in held or any(_same(h, (w,)) for h in held) for w in asked) / len(asked)
