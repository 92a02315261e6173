"""Small text helpers shared by lexical search, extraction and citation checks.

Words: Latin-script (and any spaced script) words are runs of word characters; Chinese,
Japanese and Korean are written without spaces between words, so a run of those characters
becomes its overlapping character bigrams ("年假制度" -> 年假, 假制, 制度), a lone character
itself. Bigrams need no dictionary and found the gold CMRC 2018 passage at rank 1 for 0.974
of questions against 0.166 for whole runs (docs/BENCHMARKS-LOG.md). Lexical search, sentence
scoring, extraction and the support check all count words with `words`, so they agree.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import pairwise

# Han (with extensions and compatibility forms), kana, Hangul, bopomofo, CJK radicals.
# CJK punctuation (U+3000-303F) and full-width forms are not in it: they are not words.
CJK_RANGES = (
    "\u1100-\u11ff\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3130-\u318f\u31a0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\uff66-\uff9f"
    "\U00020000-\U0003134f"
)
CJK_CHAR = re.compile(f"[{CJK_RANGES}]")
CJK_RUN = re.compile(f"[{CJK_RANGES}]+")
# A CJK run, or a run of other word characters: "Northwind公司" is two tokens.
TOKEN = re.compile(rf"[{CJK_RANGES}]+|[^\W{CJK_RANGES}]+")
STOPWORDS = frozenset(
    """a an and are as at be by can did do does for from had has have how i if in is it its
    may of on or our should so than that the their them then there these they this to was we
    were what when where which who whom why will with would you your
    什么 怎么 怎样 如何 哪些 哪个 哪里 多少 为什 是否 是什 请问""".split()
)
WORD = re.compile(r"\w+", re.UNICODE)
# U+2028 LINE SEPARATOR: a line of text that shares a line of the file with the one before
# (HTML blocks written on one line: ingest/loaders/html.py), so that line numbers stay the
# file's. It ends a sentence or record as a block does; quotes show it as a space.
SOFT_LINE = "\u2028"
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


def fold(text: str) -> str:
    """NFKC: full-width letters, digits and punctuation as their ordinary forms, so
    "ＶＰＮ" and "VPN" are one word. Quick for text that is already folded (most is)."""
    return unicodedata.normalize("NFKC", text)


def has_cjk(text: str) -> bool:
    return CJK_CHAR.search(text) is not None


def cjk_share(text: str) -> float:
    """Share (0..1) of the text's word characters that are CJK: 0 for English."""
    cjk = len(CJK_CHAR.findall(text))
    if not cjk:
        return 0.0
    return cjk / max(sum(ch.isalnum() for ch in text), cjk)


def bigrams(run: str) -> list[str]:
    """A CJK run's overlapping character pairs; a single character is its own word."""
    if len(run) < 2:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def words(text: str) -> list[str]:
    """Lower-cased, NFKC-folded words, CJK runs as bigrams (module docstring)."""
    text = fold(text).lower()
    if not has_cjk(text):
        return WORD.findall(text)
    found: list[str] = []
    for token in TOKEN.findall(text):
        if CJK_CHAR.match(token):
            found.extend(bigrams(token))
        else:
            found.append(token)
    return found


def lexical_text(text: str) -> str:
    """Text as the FTS5 `unicode61` tokenizer must see it to index `words`: folded, each CJK
    run replaced by its bigrams separated by spaces (unicode61 would take the whole run as
    one token), and the full words of its abbreviations (`expansions`: "Contract ref."
    is found by "reference") after it. Other text stays as it is."""
    text = fold(text)
    spelt_out = expansions(text)
    if spelt_out:
        text = f"{text}\n{' '.join(sorted(spelt_out))}"
    if not has_cjk(text):
        return text
    return CJK_RUN.sub(lambda m: " " + " ".join(bigrams(m.group())) + " ", text)


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
    ltd co""".split()
)
# Abbreviations with a full stop, as headers, forms and tables write them ("Contract ref.
# HX-4471", "Dept. of Finance", "Qty. 12"), and the word a question uses for them. Not
# those that are also words ending a sentence ("no.", "est.", "min.").
EXPANSIONS = {
    "ref": "reference", "refs": "references", "dept": "department", "fig": "figure",
    "vol": "volume", "sec": "section", "approx": "approximately", "corp": "corporation",
    "co": "company", "inc": "incorporated", "ltd": "limited", "tel": "telephone",
    "qty": "quantity", "amt": "amount", "acct": "account", "govt": "government",
    "intl": "international", "mgmt": "management", "tech": "technical", "st": "street",
    "ave": "avenue", "rd": "road", "dr": "doctor",
}  # fmt: skip
_ABBREVIATED = re.compile(r"\b([A-Za-z]{2,6})\.")
_LAST_WORD = re.compile(r"([\w.]+)\.$")
_INITIALS = re.compile(r"(?:[A-Z]\.)*[A-Z]")  # "P.N. Cundall"
LIST_MARK = re.compile(r"^\s*(?:\d{1,3}[.)]|[-*\u2022])\s+")
_LINE_MARKS = " \t#>*-\u2022"  # before a line's number: "## 1. Scope", "- 2. Booking"


def unlisted(sentence: str) -> str:
    """The sentence without its list item's number or bullet ("2. Alcohol is not paid."):
    what it claims, and how a repeat of it is recognised."""
    return LIST_MARK.sub("", sentence, count=1)


def content_words(text: str) -> set[str]:
    return {w for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())}


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
    if not sentences and len(rows) >= 2 and all(rows):
        return True
    if len(lines) < RECORD_MIN_LINES or any(line.lstrip()[:1].islower() for line in lines):
        return False
    if len(lines) > CARD_MAX_LINES and not sentences:
        return True
    return any(
        lines[0].count(sep) > 0 and all(line.count(sep) == lines[0].count(sep) for line in lines)
        for sep in FIELD_SEPARATORS
    )


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


def _is_heading(line: str, following: str) -> bool:
    """A title (is_title) above a line starting in capitals: its section's first sentence."""
    first = following.lstrip()[:1]
    return is_title(line) and (first.isupper() or first.isdigit())


def record_breaks(text: str) -> list[tuple[int, int]]:
    """(start, end) of the line breaks inside paragraphs of records, and after headings."""
    found: list[tuple[int, int]] = []
    for paragraph in PARAGRAPH.finditer(text):
        lines = paragraph.group().split("\n")
        if len(lines) < 2:
            continue
        records = _are_records([line for line in lines if line.strip()])
        prose = any(_ends_sentence(line) for line in lines)  # a card keeps its title
        position = paragraph.start()
        for line, following in pairwise(lines):
            position += len(line)
            if records or (prose and _is_heading(line, following)):
                found.append((position, position + 1))
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
    between records, in order and not overlapping."""
    ends = [gap for gap in _sentence_ends(text) if not _after_abbreviation(text, gap[0])]
    spans = sorted(ends + [m.span() for m in STRUCTURE.finditer(text)] + record_breaks(text))
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def sentence_units(text: str) -> list[tuple[str, bool]]:
    """(sentence, whether it is a record) for each sentence, list item or record of a
    text, whitespace-normalised, empty ones dropped. A record (a line of a table, a CSV or
    sheet row, a line of an inventory) is quotable however it is capitalised: it is never
    a title (`is_title`)."""
    records = _record_spans(text)
    parts: list[tuple[str, bool]] = []
    start = 0
    for end, resume in [*sentence_breaks(text), (len(text), len(text))]:
        piece = text[start:end]
        if piece.strip():
            lead = start + len(piece) - len(piece.lstrip())
            record = any(a <= lead < b for a, b in records) or _has_cells(piece)
            parts.append((" ".join(piece.split()), record))
        start = resume
    return parts


def split_sentences(text: str) -> list[str]:
    """Sentences (or list items, or records) of a text, whitespace-normalised, empty ones
    dropped."""
    return [sentence for sentence, _ in sentence_units(text)]


def expansions(text: str) -> set[str]:
    """The full words of the abbreviations (EXPANSIONS) written with a full stop in `text`:
    "Contract ref. HX-4471" -> {"reference"}."""
    if "." not in text:
        return set()
    found = (EXPANSIONS.get(m.lower()) for m in _ABBREVIATED.findall(text))
    return {word for word in found if word}


def lexical_support(claim: str, evidence: str) -> float:
    """Share of the claim's content words found in the evidence (0..1), an abbreviation
    in the evidence counting as its word (`expansions`)."""
    claim_words = content_words(claim)
    if not claim_words:
        return 0.0
    return len(claim_words & (content_words(evidence) | expansions(evidence))) / len(claim_words)


# What a terminal acts on rather than shows: C0 controls (ESC starts escape sequences,
# CR overwrites a line), DEL, C1 controls (0x9b is a one-byte CSI) and the bidirectional
# overrides that reorder what is shown. Tab and newline stay unless `one_line`.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: str, one_line: bool = False) -> str:
    """`text` as a terminal should print it: control characters written as \\xNN, so a
    document cannot clear the screen, set the title or hide text. With `one_line` (file
    names, quotes, report lines), newlines and tabs too. For people only: --json output
    keeps the text exact."""
    return (_UNSAFE_ONE_LINE if one_line else _UNSAFE).sub(_visible, text)
