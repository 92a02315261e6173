"""What a question asks for, and whether a sentence gives it.

A true sentence is not an answer unless it states the kind of fact the question asks for.
Gemma-3-270M, asked "Whose legacy will she continue?", wrote "I will continue to fight for
justice for all.": its words are in the sources, but it names nobody. So:

- `asked_kind(question)`: "number" (how many, how much, how long, how old, what year,
  what percentage, ...; 多少, 几, 多久), "person" (who, whom, whose, where: a name; 谁),
  "time" (when: a number, a month, a day, a season, or a word placing it, "after the
  war"), or None when the kind cannot be told from the question's words (what, which,
  why, how);
- `gives(kind, sentence, question)`: the sentence states a fact of that kind that the
  question does not (a number; a name: a capitalised word that is no pronoun or
  determiner, or CJK text, whose names have no capitals);
- `unit_asked(question)` and `states_unit(unit, sentence)`: the measures whose absence
  lets an answer decline ("What is the boiling point of mercury?" asks for a temperature;
  when no candidate sentence holds one, the documents do not say it), and without which
  a number answers nothing (`UNIT_NEEDED`: "2.4m" is no answer to "What was the target
  percentage of households?").
"""

from __future__ import annotations

import re
from typing import Literal

from localqa.answering.facts import NOT_NAMES, NUMBER, facts_of, spelt_as_digits, stem, without
from localqa.errors import UsageError
from localqa.text import CJK_CHAR, STOPWORDS, TOKEN, fold

Kind = Literal["number", "person", "time"]


class EmptyQuestion(UsageError):
    """The question has no words (empty, spaces, punctuation): the command line's mistake,
    exit 2."""


def require_words(question: str) -> str:
    """`question` stripped; raises EmptyQuestion when it holds no letter or digit."""
    question = question.strip()
    if not any(ch.isalnum() for ch in question):
        raise EmptyQuestion('the question is empty; ask something, e.g. localqa ask "..."')
    return question


NUMBER_QUESTION = re.compile(
    r"\bhow\s+(?:many|much|long|old|far|tall|high|big|large|often|wide|deep|heavy)\b|"
    r"\b(?:what|which)\s+(?:year|percentage|percent|number|age|amount|temperature|date)\b|"
    r"\b(?:what|which)\s+(?:is|was|are|were)\s+the\s+(?:\w+\s+)?(?:number|amount|percentage|"
    r"percent|age|year|temperature)\b|"
    r"\bin\s+what\s+year\b|多少|几|多久|多长|多大|哪一年|哪年",
    re.IGNORECASE,
)
PERSON_QUESTION = re.compile(r"^\s*(?:who|whom|whose|where)\b|\b(?:whose)\b|谁|哪里", re.IGNORECASE)
TIME_QUESTION = re.compile(r"^\s*when\b|什么时候|何时", re.IGNORECASE)
# A number that says when: a year, a clock time, a number of days, weeks, ... ("eight
# people" says no time).
TIME_NUMBER = re.compile(
    r"\b[12]\d{3}s?\b|\d{1,2}[:.]\d{2}\b|\d+\s*(?:st|nd|rd|th)?\s*(?:of\s+)?(?:second|minute|hour|"
    r"day|week|month|year|decade|centur|am\b|pm\b|a\.m\.|p\.m\.|o'clock)",
    re.IGNORECASE,
)
# Words that say when, besides numbers: months, days, seasons, spans, and the words that
# place a time against an event ("after the war").
TIME_WORDS = frozenset(
    """january february march april may june july august september october november
    december jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday
    thursday friday saturday sunday spring summer autumn fall winter century centuries
    decade decades era age ages period year years month months week weeks day days
    morning afternoon evening night today tomorrow yesterday before after during until
    since when once while ago later earlier early late""".split()
)
# Measures a question can ask for, the words that ask for them, and how a sentence states one.
UNITS: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "temperature": (
        re.compile(
            r"\b(?:temperature|boiling\s+point|melting\s+point|freezing\s+point|how\s+(?:hot|cold)"
            r")\b|温度|沸点|熔点",
            re.I,
        ),
        # "356.7 °C", "40 degrees"; a table's "Max (C): 450"; "temperature: 20"
        re.compile(
            r"\d\s*(?:°|º|℃|℉|degrees?\b|deg\b|celsius\b|fahrenheit\b|kelvin\b|K\b)|"
            r"\(\s*°?\s*[CFK]\s*\)\s*[:|]?\s*-?\d|temperature\W{1,20}-?\d|温度\D{0,10}\d",
            re.I,
        ),
    ),
    "percentage": (
        re.compile(
            r"\b(?:what|which)\s+(?:(?:is|was|are|were|the)\s+|\w+\s+){0,3}?"
            r"(?:percentage|percent|proportion)\b|百分之|百分比",
            re.I,
        ),
        re.compile(r"\d\s*(?:%|percent\b|per\s*cent\b|pct\b)|百分之", re.I),
    ),
    "age": (
        re.compile(
            r"\b(?:how\s+old|what\s+age|(?:minimum|maximum|legal|retirement)\s+age)\b|年龄|几岁",
            re.I,
        ),
        re.compile(
            r"\d+\s*(?:years?\b|yrs?\b|-year|岁)|\bage(?:d|s)?\s+(?:of\s+)?\d|\bborn\b\D{0,40}\d|"
            r"年满\s*\d",
            re.I,
        ),
    ),
}


# Measures whose number means nothing without its unit (an age may be a bare "25").
UNIT_NEEDED = frozenset({"temperature", "percentage"})


def asked_kind(question: str) -> Kind | None:
    """The kind of fact the question asks for (module docstring), or None."""
    if NUMBER_QUESTION.search(question):
        return "number"
    if PERSON_QUESTION.search(question):
        return "person"
    if TIME_QUESTION.search(question):
        return "time"
    return None


def gives(kind: Kind, sentence: str, question: str) -> bool:
    """The sentence states a fact of `kind` that the question does not state."""
    if kind == "number":
        added = without(facts_of(sentence, threshold=0.0, first_is_name=True), question)
        return bool(added.numbers)
    if kind == "time":
        if CJK_CHAR.search(sentence) or TIME_NUMBER.search(spelt_as_digits(sentence, 0.0)):
            return True
        asked = {m.group() for m in TOKEN.finditer(fold(question.lower()))}
        said = {m.group() for m in TOKEN.finditer(fold(sentence.lower()))}
        return bool((said & TIME_WORDS) - asked)
    asked = {stem(m.group()) for m in TOKEN.finditer(fold(question))}
    for match in TOKEN.finditer(fold(sentence)):
        word = match.group()
        if CJK_CHAR.match(word):
            return True  # CJK names have no capitals: not told apart here
        named = word[0].isupper() and word.lower() not in NOT_NAMES | STOPWORDS
        if named and stem(word) not in asked:
            return True
    return False


def unit_asked(question: str) -> str | None:
    """The measure the question asks for ("temperature", "age"), or None."""
    for unit, (asks, _) in UNITS.items():
        if asks.search(question):
            return unit
    return None


def states_unit(unit: str, sentence: str) -> bool:
    """The sentence states a measure of `unit` (a number with its unit)."""
    text = spelt_as_digits(sentence, 0.0)
    return bool(NUMBER.search(text)) and bool(UNITS[unit][1].search(text))
