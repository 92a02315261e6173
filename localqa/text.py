"""Small text helpers shared by lexical search, extraction and citation checks."""

from __future__ import annotations

import re
import unicodedata

STOPWORDS = frozenset(
    """a an and are as at be by can did do does for from had has have how i if in is it its
    may of on or our should so than that the their them then there these they this to was we
    were what when where which who whom why will with would you your""".split()
)
WORD = re.compile(r"\w+", re.UNICODE)
# A sentence ends at . ! or ? followed by space and a capital, digit or quote; or at a blank line.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[A-Z0-9])|\n\s*\n|\n(?=[-*•]\s)")
# A paragraph whose lines are records (table rows, inventory lines) is quoted a line at a
# time: most lines hold a cell separator, or at least RECORD_MIN_LINES lines, none starting
# in lower case (a wrapped sentence), each hold the same field separator the same times.
PARAGRAPH = re.compile(r"[^\n](?:[^\n]|\n(?!\s*\n))*")
CELL_SEPARATORS = (" | ", "\t")
FIELD_SEPARATORS = (":", ";", " - ", " \u2013 ", " \u2014 ", ",")  # en and em dashes
RECORD_MIN_LINES = 3
# A full stop after these ends no sentence ("Contract ref. HX-4471", "Dr. Cundall").
ABBREVIATIONS = frozenset(
    """ref no nos vol art sec fig eq p pp dr mr mrs ms st vs etc e.g i.e cf approx dept inc
    ltd co""".split()
)
_LAST_WORD = re.compile(r"([\w.]+)\.$")
_INITIALS = re.compile(r"(?:[A-Z]\.)*[A-Z]")  # "P.N. Cundall"


def words(text: str) -> list[str]:
    """Lower-cased words, compatibility forms folded (the ligature U+FB01 + "le" and
    full-width letters are "file") as ingest folds documents."""
    return WORD.findall(unicodedata.normalize("NFKC", text).lower())


def content_words(text: str) -> set[str]:
    return {w for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())}


def _are_records(lines: list[str]) -> bool:
    if sum(any(s in line for s in CELL_SEPARATORS) for line in lines) * 5 >= len(lines) * 3:
        return True
    if len(lines) < RECORD_MIN_LINES or any(line.lstrip()[:1].islower() for line in lines):
        return False
    return any(
        lines[0].count(sep) > 0 and all(line.count(sep) == lines[0].count(sep) for line in lines)
        for sep in FIELD_SEPARATORS
    )


def record_breaks(text: str) -> list[tuple[int, int]]:
    """(start, end) of the line breaks inside paragraphs of records."""
    found: list[tuple[int, int]] = []
    for paragraph in PARAGRAPH.finditer(text):
        lines = paragraph.group().split("\n")
        if len(lines) < 2 or not _are_records([line for line in lines if line.strip()]):
            continue
        position = paragraph.start()
        for line in lines[:-1]:
            position += len(line)
            found.append((position, position + 1))
            position += 1
    return found


def _after_abbreviation(text: str, at: int) -> bool:
    """Whether the full stop just before `at` ends an abbreviation, not a sentence."""
    last = _LAST_WORD.search(text, max(0, at - 12), at)
    if not last or text[at - 1] != ".":
        return False
    word = last.group(1)
    return word.lower() in ABBREVIATIONS or bool(_INITIALS.fullmatch(word))


def sentence_breaks(text: str) -> list[tuple[int, int]]:
    """(start, end) of the gaps between sentences (SENTENCE_END) and between records,
    in order and not overlapping."""
    ends = [
        m.span() for m in SENTENCE_END.finditer(text) if not _after_abbreviation(text, m.start())
    ]
    spans = sorted(ends + record_breaks(text))
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def split_sentences(text: str) -> list[str]:
    """Sentences (or list items, or records) of a text, whitespace-normalised, empty ones
    dropped."""
    parts: list[str] = []
    start = 0
    for end, resume in [*sentence_breaks(text), (len(text), len(text))]:
        parts.append(text[start:end])
        start = resume
    return [" ".join(p.split()) for p in parts if p and p.strip()]


def lexical_support(claim: str, evidence: str) -> float:
    """Share of the claim's content words found in the evidence (0..1)."""
    claim_words = content_words(claim)
    if not claim_words:
        return 0.0
    return len(claim_words & content_words(evidence)) / len(claim_words)
