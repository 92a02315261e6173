"""Sentences and records of a text: what extraction quotes, citations check and the
sentence step of retrieval scores, one at a time.

A sentence ends where sentencex ends it, in any script; a page's structure (blank lines,
list items, SOFT_LINE), its records (table rows, inventory lines) and headings end one
too. Words and folding are localqa/text.py's.
"""

from __future__ import annotations

import re
from itertools import pairwise

from localqa.forms import answers_before, field_breaks, with_field_labels
from localqa.headers import explains, in_table, is_column_header, is_year_header
from localqa.schema import JOINED
from localqa.text import STOPWORDS

# Sentences end where sentencex (Wikimedia's rule-based segmenter, MIT, ~300 languages)
# ends them: at a full stop, question or exclamation mark in any script (. ? ! 。 । ؟
# ...) whatever letter follows, a closing quote or bracket staying with its sentence, not
# after the abbreviations it knows. Our own rules add what it cannot know about a page
# (STRUCTURE): a blank line, a line starting a list item, a SOFT_LINE; and records and
# headings (`record_breaks`). `_after_abbreviation` takes back a break after our own
# abbreviations and a line's number ("3. Parental Leave"). The rule it replaces ended a
# sentence only before A-Z, so Russian, Greek, Korean or Arabic text was one "sentence"
# (docs/BENCHMARKS-LOG.md, issue 26).
STRUCTURE = re.compile(r"\n\s*\n|\n(?=[-*\u2022]\s)|[^\S\n]*\u2028\s*")
# sentencex's rules for this language apply to any text: its abbreviations ("e.g.",
# "Dr.") are English, its sentence marks those of every script.
SEGMENTER_LANGUAGE = "en"


# A paragraph whose lines are records (table rows, inventory lines) is quoted a line at a
# time: most lines hold a cell separator; or, none ending a sentence, every line below a
# title or header starts with a code or a count, or holds two (an inventory: "HX-220 14
# pallet wrap"; a row of a table in a PDF: "Odile Marchetti Facilities 5100 C0-20"); or at
# least RECORD_MIN_LINES lines, none starting in lower case (a wrapped sentence), each hold
# the same field separator the same times, or more than CARD_MAX_LINES such lines, none
# ending a sentence (a long slide or list). Fewer are a card, quoted whole: "Milestone
# Beta / Owner: Lars Jensen / Status at risk" answers "who owns Beta?" only together.
PARAGRAPH = re.compile(r"[^\n](?:[^\n]|\n(?!\s*\n))*")
CELL_SEPARATORS = (" | ", "\t")
FIELD_SEPARATORS = (":", ";", " - ", " \u2013 ", " \u2014 ", ",")  # en and em dashes
RECORD_MIN_LINES = 3
CARD_MAX_LINES = 6
# . ! ?, the CJK full stop, ! and ?, the Devanagari danda, Arabic question mark and full
# stop, Armenian, Ethiopic and Myanmar full stops: what a line of prose ends with.
_SENTENCE_STOPS = ".!?\u3002\uff01\uff1f\u0964\u0965\u061f\u06d4\u0589\u1362\u104b"
HEADING_MAX_WORDS = 8
_WORDS_ONLY = re.compile(r"[^\W\d_]+")
# A full stop after these ends no sentence ("Contract ref. HX-4471", "Dr. Cundall").
ABBREVIATIONS = frozenset(
    """ref no nos vol art sec fig eq p pp dr mr mrs ms st vs etc e.g i.e cf approx dept inc
    ltd co ste ave blvd apt""".split()
)
_LAST_WORD = re.compile(r"([\w.]+)\.$")
_INITIALS = re.compile(r"(?:[A-Z]\.)*[A-Z]")  # "P.N. Cundall"
_LINE_MARKS = " \t#>*-\u2022"  # before a line's number: "## 1. Scope", "- 2. Booking"


def _has_cells(line: str) -> bool:
    return any(separator in line for separator in CELL_SEPARATORS)


def _coded(line: str) -> bool:
    """Whether a line starts with a code or a count ("HX-220 14 pallet wrap"), or holds
    two ("Odile Marchetti Facilities 5100 C0-20": a row of a PDF's table)."""
    numbered = [any(ch.isdigit() for ch in token) for token in line.split()]
    return bool(numbered) and (numbered[0] or sum(numbered) >= 2)


def _are_records(lines: list[str]) -> bool:
    if sum(_has_cells(line) for line in lines) * 5 >= len(lines) * 3:
        return True
    sentences = any(_ends_sentence(line) for line in lines)
    coded = [_coded(line) for line in lines]
    rows = coded[coded.index(True) :] if True in coded else []  # below a title and header
    labels = [_is_group_label(line) for line in lines[len(lines) - len(rows) :]]
    if not sentences and sum(rows) >= 2 and all(map(any, zip(rows, labels, strict=True))):
        return True
    if len(lines) < RECORD_MIN_LINES or any(line.lstrip()[:1].islower() for line in lines):
        return False
    if len(lines) > CARD_MAX_LINES and not sentences:
        return True
    return any(
        lines[0].count(sep) > 0 and all(line.count(sep) == lines[0].count(sep) for line in lines)
        for sep in FIELD_SEPARATORS
    )


def _is_group_label(line: str) -> bool:
    """A short line ending in a colon among a table's rows: "Costs and expenses:" names
    the rows below it in a statement read from a PDF."""
    return line.rstrip().endswith(":") and 0 < len(line.split()) <= HEADING_MAX_WORDS


def _ends_sentence(line: str) -> bool:
    last = line.rstrip()[-1:]
    return bool(last) and last in _SENTENCE_STOPS


def is_title(line: str) -> bool:
    """A short title-case line with no sentence end and no table cells: "3. Parental Leave
    and Family Matters", "Tidemark 5 Release Plan". It names a part of a document; it says
    nothing. A line of records is never one (`sentence_units`)."""
    found = _WORDS_ONLY.findall(line)
    return (
        not _has_cells(line)  # a table row ("Name: Wilhelmina Quarshie | ...") is a record
        and 0 < len(found) <= HEADING_MAX_WORDS
        and line.rstrip()[-1:] not in _SENTENCE_STOPS + ",;:-"
        and all(w[0].isupper() for w in found if len(w) > 3)
        and found[0][0].isupper()
        and found[-1].lower() not in STOPWORDS  # "... the Plan was" goes on below
    )


def _is_heading(line: str, following: str, alone: bool = False) -> bool:
    """A title (is_title) above a line starting in capitals: its section's first sentence.
    `alone`: the line starts a sentence (the one above ended one, or is a table row), so a
    short line there that ends none is a heading however it is capitalised ("Home office
    support" below a table, above "To set up a proper workplace ...")."""
    first = following.lstrip()[:1]
    found = _WORDS_ONLY.findall(line)
    short = (
        alone
        and 0 < len(found) <= HEADING_MAX_WORDS
        and line.rstrip()[-1:] not in _SENTENCE_STOPS + ",;:-"
        and found[0][0].isupper()
        and found[-1].lower() not in STOPWORDS
    )
    return (is_title(line) or short) and (first.isupper() or first.isdigit())


def record_breaks(text: str) -> list[tuple[int, int]]:
    """(start, end) of the line breaks inside paragraphs of records, around a table's
    rows in a paragraph of prose, and after headings."""
    found: list[tuple[int, int]] = []
    for paragraph in PARAGRAPH.finditer(text):
        lines = paragraph.group().split("\n")
        if len(lines) < 2:
            continue
        records = _are_records([line for line in lines if line.strip()])
        prose = any(_ends_sentence(line) for line in lines)  # a card keeps its title
        position = paragraph.start()
        alone = False  # a paragraph's first line may be a wrapped sentence's start
        for line, following in pairwise(lines):
            position += len(line)
            cells = _has_cells(line) or _has_cells(following)
            if records or (prose and (cells or _is_heading(line, following, alone))):
                found.append((position, position + 1))
            alone = _ends_sentence(line) or _has_cells(line)
            position += 1
    return found


def _record_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of the paragraphs of records."""
    return [
        paragraph.span()
        for paragraph in PARAGRAPH.finditer(text)
        if "\n" in paragraph.group()
        and _are_records([line for line in paragraph.group().split("\n") if line.strip()])
    ]


def _after_abbreviation(text: str, at: int) -> bool:
    """Whether the full stop just before `at` ends an abbreviation or a line's number
    ("3. Parental Leave"), not a sentence."""
    last = _LAST_WORD.search(text, max(0, at - 12), at)
    if not last or text[at - 1] != ".":
        return False
    word = last.group(1)
    numbered = word.isdigit() and not text[: last.start(1)].rstrip(_LINE_MARKS)[-1:].strip()
    return numbered or word.lower() in ABBREVIATIONS or bool(_INITIALS.fullmatch(word))


def is_whole_end(sentence: str) -> bool:
    """Whether `sentence` ends as a sentence does: a full stop, question or exclamation
    mark (a closing quote or bracket may follow) that ends no abbreviation ("Galaxy
    Gaming, Mr." does not end)."""
    text = sentence.rstrip().rstrip("\"')]}\u201d\u2019")
    return _ends_sentence(text) and not _after_abbreviation(text, len(text))


def _sentence_ends(text: str) -> list[tuple[int, int]]:
    """(start, end) of the whitespace between sentences, as sentencex ends them (empty
    after a CJK stop: no space follows it)."""
    from sentencex import get_sentence_boundaries  # 3 ms to import; only when splitting

    gaps: list[tuple[int, int]] = []
    for sentence in get_sentence_boundaries(SEGMENTER_LANGUAGE, text)[:-1]:
        end = int(sentence["end_index"])
        start = end - (len(sentence["text"]) - len(sentence["text"].rstrip()))
        gaps.append((start, end))
    return gaps


def sentence_breaks(text: str) -> list[tuple[int, int]]:
    """(start, end) of the gaps between sentences (`_sentence_ends`, STRUCTURE) and
    between records, in order and not overlapping; none before a check-box answer, one
    after a line ending in a box (localqa/forms.py)."""
    ends = [
        gap
        for gap in _sentence_ends(text)
        if not _after_abbreviation(text, gap[0]) and not answers_before(text, gap[1])
    ]
    marks = [m.span() for m in STRUCTURE.finditer(text)] + field_breaks(text)
    spans = sorted(ends + marks + record_breaks(text))
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def sentence_units(
    text: str, header: str = "", columns: bool = False, inside: bool = False
) -> list[tuple[str, bool]]:
    """(sentence, whether it is a record) for each sentence, list item or record of a
    text, whitespace-normalised, empty ones dropped. A record (a line of a table, a CSV or
    sheet row, a line of an inventory) is quotable however it is capitalised: it is never
    a title (`is_title`). A row of figures below a header of years, in one run of records,
    comes with that header, joined by JOINED ("Year ended December 31 2021 2020 … Total
    revenue 19,984 18,200"): a figure means nothing without its year. A table's line
    that only names a group of rows ("Revenue: |", "Current assets: |") is part of the
    run. A form's value and its bracketed label below it are one unit
    (forms.with_field_labels). `columns`: a table's first line that names its columns
    ("Item | Price") heads its rows too (what a quote shows: answering/tables.py).
    `header`: the header in force where `text` starts, when `text` is a piece of a page
    whose table began above it;
    `inside`: `text` starts inside a table (its first line heads nothing)."""
    return headed(units_with_headers(text, header, columns, inside))


def headed(units: list[tuple[str, bool, str]]) -> list[tuple[str, bool]]:
    """`sentence_units` from `units_with_headers`' units: each row with the header that
    explains it, each form value with its label."""
    parts: list[tuple[str, bool]] = []
    for unit, record, above in units:
        if record and above and unit != above and explains(above, unit):
            unit = f"{above}{JOINED}{unit}"
        parts.append((unit, record))
    return with_field_labels(parts)


def units_with_headers(
    text: str, header: str = "", columns: bool = False, inside: bool = False
) -> list[tuple[str, bool, str]]:
    """(unit, whether it is a record, the header in force there) for each unit of `text`
    (`sentence_units`), the header "" outside a run of a table's lines."""
    records = _record_spans(text)
    found: list[tuple[str, bool, str]] = []
    start = 0
    for end, resume in [*sentence_breaks(text), (len(text), len(text))]:
        piece = text[start:end]
        if piece.strip():
            lead = start + len(piece) - len(piece.lstrip())
            record = any(a <= lead < b for a, b in records) or _has_cells(piece)
            unit = " ".join(piece.split())
            if not record and not in_table(unit):
                header = ""
            elif (record and is_year_header(unit)) or (
                columns and not inside and _has_cells(piece) and is_column_header(unit)
            ):
                header = unit
            inside = record or in_table(unit)
            found.append((unit, record, header))
        start = resume
    return found


def split_sentences(text: str) -> list[str]:
    """Sentences (or list items, or records) of a text, whitespace-normalised, empty ones
    dropped."""
    return [sentence for sentence, _ in sentence_units(text)]
