"""Small text helpers shared by lexical search, extraction and citation checks.

Words: Latin-script (and any spaced script) words are runs of word characters; Chinese,
Japanese and Korean are written without spaces between words, so a run of those characters
becomes its overlapping character bigrams ("年假制度" -> 年假, 假制, 制度), a lone character
itself. Bigrams need no dictionary and found the gold CMRC 2018 passage at rank 1 for 0.974
of questions against 0.166 for whole runs (docs/BENCHMARKS-LOG.md). Lexical search, sentence
scoring, extraction and the support check all count words with `words`, so they agree.
Sentences and records: localqa/sentences.py.
"""

from __future__ import annotations

import re
import unicodedata

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


# Abbreviations with a full stop, as headers, forms and tables write them ("Contract ref.
# HX-4471", "Dept. of Finance", "Qty. 12"), and the word a question uses for them. Not
# those that are also words ending a sentence ("no.", "est.", "min.").
EXPANSIONS = {
    "ref": "reference",
    "refs": "references",
    "dept": "department",
    "fig": "figure",
    "vol": "volume",
    "sec": "section",
    "approx": "approximately",
    "corp": "corporation",
    "co": "company",
    "inc": "incorporated",
    "ltd": "limited",
    "tel": "telephone",
    "qty": "quantity",
    "amt": "amount",
    "acct": "account",
    "govt": "government",
    "intl": "international",
    "mgmt": "management",
    "tech": "technical",
    "st": "street",
    "ave": "avenue",
    "rd": "road",
    "dr": "doctor",
}
_ABBREVIATED = re.compile(r"\b([A-Za-z]{2,6})\.")
LIST_MARK = re.compile(r"^\s*(?:\d{1,3}[.)]|[-*\u2022])\s+")


def unlisted(sentence: str) -> str:
    """The sentence without its list item's number or bullet ("2. Alcohol is not paid."):
    what it claims, and how a repeat of it is recognised."""
    return LIST_MARK.sub("", sentence, count=1)


def content_words(text: str) -> set[str]:
    return {w for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())}


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
