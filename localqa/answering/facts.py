"""The facts a sentence states, normalised, and whether a piece of evidence states the same.

Meaning alone cannot check a fact: MiniLM puts "eighteen years" close to "twenty five
Years", and the two share most of their words. So the support check (support.py) also
compares the facts themselves:

- **numbers in every form**, as values: digits ("25", "1,000", "3.5", "13th"), English
  words ("twenty five", "thirty-five", "thirteenth": `text2num`), Chinese numerals ("十五",
  "一九八七": `cn2an`), Roman numerals ("Amendment XIII": `roman`), with their scale
  ("$20 billion" is 2e10, as "20,000,000,000" is);
- **names and units**: capitalised words after the first and the word after a number,
  compared without plural or possessive endings ("Senator's" is "senators" is "senator");
- **quantities**: a number with its unit ("3 weeks" is not stated by "three blocks");
- **polarity** (negations and antonyms): polarity.py.

Number words are converted with a threshold: in a claim, "one" and "two" are no facts
(they are as often pronouns or idioms: "one of the"); in evidence, every number word
counts, since an extra number there costs nothing.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from functools import lru_cache

from localqa.text import CJK_CHAR, STOPWORDS, TOKEN, fold

# Digits with thousands separators or a decimal part, and an ordinal's ending: "1,000.5", "13th".
NUMBER = re.compile(r"(?<![A-Za-z\d_.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:st|nd|rd|th)?(?![\d])")
SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "bn": 1e9}
SCALED = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(thousand|million|billion|trillion|bn)\b", re.I)
# Roman numerals of two letters or more (a lone "I" is a pronoun), in capitals.
ROMAN = re.compile(
    r"\b(?=[MDCLXVI]{2,}\b)M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})\b"
)
# A lone I, V or X is a numeral after these ("Article I", "Title V", "Amendment X").
ROMAN_AFTER = re.compile(
    r"\b(Article|Amendment|Section|Chapter|Title|Part|Book|Volume|Schedule|Phase|Class|Type|"
    r"Appendix|Annex|World War)\s+([IVX])\b"
)
CHINESE_NUMERAL = re.compile("[零〇一二两三四五六七八九十百千万亿]")
# English number words text2num reads (one check before calling it: most text has none).
NUMBER_WORD = re.compile(
    r"\b(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
    r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|"
    r"sixty|seventy|eighty|ninety|hundred|thousand|million|billion|first|second|third|"
    r"fourth|fifth|sixth|seventh|eighth|ninth|tenth|twelfth|\w+teenth|\w+tieth)\b",
    re.I,
)
# Capitalised words that name nothing: pronouns, determiners, a sentence's opening words.
NOT_NAMES = frozenset(
    """i he she it we they you his her its our their my your this that these those there
    here the a an yes no not none some all one answer source sources according based
    however also in on at by for from to of with as and but or so if""".split()
)
CLAIM_THRESHOLD = 3.0  # text2num: isolated number words up to this stay words
# "one" as a pronoun, not a number: "one needs to show only that ...", "one can see".
PRONOUN_ONE = re.compile(
    r"\bone(?=\s+(?:can|cannot|could|may|might|must|needs?|should|would|will|shall|has|had|"
    r"does|did|finds?|sees?|gets?|wants?|knows?|another)\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Facts:
    """What a text states: number values (scaled: "$20 billion" is 2e10) and the values as
    written before scaling; name and unit words (`stem`med)."""

    numbers: frozenset[float] = frozenset()
    unscaled: frozenset[float] = frozenset()
    words: frozenset[str] = field(default_factory=frozenset)
    # (value, unit): a number with the word after it ("18 weeks": (18.0, "week")); in
    # evidence, with each of the UNIT_REACH words after it ("18 working days")
    quantities: frozenset[tuple[float, str]] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.numbers or self.words)

    def count(self) -> int:
        return len(self.numbers) + len(self.words) + len(self.quantities)


def stem(word: str) -> str:
    """A word without its possessive or plural ending, lower-cased: "Senator's",
    "Senators" and "senator" are one name; "years" is "year"."""
    word = word.lower().removesuffix("'s").removesuffix("\u2019s")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _roman(numeral: str) -> str:
    import roman

    try:
        return str(roman.fromRoman(numeral))
    except roman.RomanError:
        return numeral


def _scaled(match: re.Match[str]) -> str:
    value = float(match.group(1).replace(",", "")) * SCALES[match.group(2).lower()]
    return f"{value:.0f}" if value.is_integer() else str(value)


@lru_cache(maxsize=4096)
def spelt_as_digits(text: str, threshold: float = 0.0) -> str:
    """`text` with numbers in words, Chinese and Roman numerals written in digits, and a
    scale word applied ("20 billion" -> "20000000000"); NFKC-folded. Number words up to
    `threshold` stay words (text2num's rule for isolated numbers)."""
    text = fold(text)
    if CHINESE_NUMERAL.search(text):
        import cn2an  # ~0.2 s to import: only for text that may hold a Chinese numeral

        with contextlib.suppress(ValueError, KeyError, IndexError):  # an odd run: left as is
            text = cn2an.transform(text, "cn2an")
    if NUMBER_WORD.search(text):
        from text_to_num import alpha2digit

        text = alpha2digit(text, "en", threshold=threshold)
    text = ROMAN_AFTER.sub(lambda m: f"{m.group(1)} {_roman(m.group(2))}", text)
    text = ROMAN.sub(lambda m: _roman(m.group()), text)
    # alpha2digit writes "twenty billion" as "20 1000000000": a digit scale, applied too
    text = re.sub(r"(\d[\d,]*(?:\.\d+)?) (1000(?:000){0,4})\b", _times, text)
    return SCALED.sub(_scaled, text)


def numerals_as_digits(text: str) -> str:
    """`text` as the word-agreement score reads it: every number in digits
    (`spelt_as_digits`, every number word counted), ordinals without their ending, so
    "the thirteenth", "the 13th" and "XIII" all hold the word "13"."""
    return ORDINAL_END.sub(r"\1", spelt_as_digits(text, 0.0))


ORDINAL_END = re.compile(r"(?<![A-Za-z\d])(\d+)(?:st|nd|rd|th)\b")


def _times(match: re.Match[str]) -> str:
    value = float(match.group(1).replace(",", "")) * float(match.group(2))
    return f"{value:.0f}" if value.is_integer() else str(value)


def _values(text: str) -> set[float]:
    """The values of the numbers written in digits in `text`; a clock time is one value,
    hours.minutes ("08:30" is 8.3), so "08:00 - 16:00" is not held by "08:30 - 17:00"
    (read as 8, 0, 30 and 17 it held "8" and "0")."""
    text = CLOCK.sub(lambda m: f"{int(m.group(1))}.{m.group(2)}", text)
    return {float(m.group(1).replace(",", "") + (m.group(2) or "")) for m in NUMBER.finditer(text)}


CLOCK = re.compile(r"(?<![\d:.])(\d{1,2}):(\d{2})(?![\d:])")


UNIT_REACH = 3
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*")
# Units a "how many ..." question names, which a bare number in its answer is read in.
ASKED_UNIT = re.compile(r"\bhow\s+(?:many|much)\s+([A-Za-z]+)", re.IGNORECASE)
UNITS = frozenset(
    """second minute hour day week month year decade century time percent meter metre
    kilometer kilometre mile kilogram gram ton tonne litre liter degree people person
    employee member seat vote""".split()
)


def _quantities(digits: str, reach: int) -> set[tuple[float, str]]:
    """(value, stemmed word) for each number of digit text and the `reach` words after it
    (a claim's unit: the first, unless a stopword; evidence: any of the first three)."""
    found: set[tuple[float, str]] = set()
    for match in NUMBER.finditer(digits):
        value = float(match.group(1).replace(",", "") + (match.group(2) or ""))
        after = LATIN_WORD.findall(digits[match.end() : match.end() + 60])[:reach]
        for word in after:
            if reach == 1 and word.lower() in STOPWORDS | NOT_NAMES:
                break
            found.add((value, stem(word)))
    return found


def in_asked_unit(facts: Facts, question: str) -> Facts:
    """`facts` with each number that has no unit of its own read in the unit a "how many
    weeks" question asks for: "3." answers it as 3 weeks, which "three blocks" does not
    state."""
    match = ASKED_UNIT.search(question)
    unit = stem(match.group(1)) if match else ""
    if unit not in UNITS:
        return facts
    paired = {value for value, _ in facts.quantities}
    added = {(value, unit) for value in facts.numbers - paired}
    return Facts(facts.numbers, facts.unscaled, facts.words, facts.quantities | added)


def facts_of(text: str, threshold: float = CLAIM_THRESHOLD, first_is_name: bool = False) -> Facts:
    """The facts `text` states (module docstring): its number values, the word after each
    number (its unit: "18 weeks"), and its capitalised words after the first (all of them
    with `first_is_name`), stopwords aside. A CJK run is no fact of itself (it is a phrase,
    checked by its bigrams); a number beside one still is ("10天": 10)."""
    raw = fold(text)
    digits = spelt_as_digits(raw, threshold)
    scaled = _values(digits)
    unscaled = _values(raw) if raw != digits else scaled
    names: set[str] = set()
    after_number = False
    for position, match in enumerate(TOKEN.finditer(digits)):
        word = match.group()
        if CJK_CHAR.match(word):
            after_number = False
            continue
        number = any(ch.isdigit() for ch in word)
        named = (position > 0 or first_is_name) and word[0].isupper()
        if not number and (named or after_number) and word.lower() not in STOPWORDS | NOT_NAMES:
            names.add(stem(word))
        after_number = number
    quantities = frozenset(_quantities(digits, 1))
    return Facts(frozenset(scaled), frozenset(unscaled | scaled), frozenset(names), quantities)


def without_pronoun_one(text: str) -> str:
    """`text` with "one" as a pronoun ("one needs to show") written "someone": no number."""
    return PRONOUN_ONE.sub("someone", text)


def evidence_facts(evidence: str) -> Facts:
    """What the evidence states, every number word counted (module docstring) but "one"
    as a pronoun, and all its words (stemmed), since a claim's name may be any word of it."""
    digits = spelt_as_digits(without_pronoun_one(evidence), 0.0)
    scaled = _values(digits)
    unscaled = _values(fold(evidence))
    every = {stem(m.group()) for m in TOKEN.finditer(digits)}
    quantities = frozenset(_quantities(digits, UNIT_REACH))
    return Facts(frozenset(scaled), frozenset(unscaled | scaled), frozenset(every), quantities)


def share_held(claim: Facts, evidence: Facts) -> float:
    """Share (0..1) of the claim's facts the evidence states; 1 when it states none. A
    number is held when the evidence has its value, scaled or as written; a quantity when
    the evidence has the value with that unit among the words after it."""
    if not claim:
        return 1.0
    held = sum(1 for v in claim.numbers if v in evidence.numbers or v in evidence.unscaled)
    held += len(claim.words & evidence.words) + len(claim.quantities & evidence.quantities)
    return held / claim.count()


def without(facts: Facts, question: str) -> Facts:
    """`facts` less those the question states: what an answer adds to its question."""
    asked = facts_of(question, 0.0, first_is_name=True)
    everything = {stem(m.group()) for m in TOKEN.finditer(spelt_as_digits(question, 0.0))}
    return Facts(
        facts.numbers - asked.numbers,
        facts.unscaled - asked.unscaled,
        facts.words - everything,
        frozenset(q for q in facts.quantities if q[0] not in asked.numbers),
    )
