"""Text repairs applied to every page before it is split, indexed, embedded and quoted.

Each repair keeps the page's line count and the order of its lines, so a chunk's
`line_start`/`line_end` still name the lines of the page as the loader read them:

- compatibility characters that stand for letters or digits are folded (NFKC: the ligature
  glyph U+FB01 becomes "fi", full-width letters and digits (U+FF21...) become ASCII), one
  line at a time; compatibility punctuation and symbols keep the document's own form
  (`，` `：` `…`), and so do powers, indices and fractions (`km²`, `10⁻³`, `H₂O`, `½`,
  `㎡`: folded, "10²" would read "102"), since search folds them anyway
  (localqa.text.words) and a quote shows them as the reader wrote them;
- a word hyphenated at a line end (`compres-` / `sors`) is joined on the first line, the
  rest of the second line staying where it was; real compounds (`well-` / `known`) keep
  their hyphen;
- punctuation that starts a line (`, chosen for the same Term`: PDF text often breaks a
  line before the comma that closes its last word) goes up to the end of the line above,
  so "Vice President" + ", chosen" is quoted "Vice President, chosen", not "Vice
  President , chosen";
- running headers and footers repeated on most pages become empty lines
  (`strip_furniture`), so they stay out of quotes and of the context.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from functools import cache
from itertools import chain, islice

from localqa.schema import Page

SOFT_HYPHEN = "\u00ad"
# A line ending in a word fragment and a hyphen, the next line starting with a lowercase
# word: the two halves of a word the typesetter broke (or of a compound).
_HYPHEN_END = re.compile(r"([^\W\d_]+)[-\u2010\u00ad]$")
_HYPHENS = ("-", "\u2010", SOFT_HYPHEN)
_NEXT_START = re.compile(r"^(\s*)([a-z\u00df-\u00ff][^\W\d_]*)")
# Punctuation that closes the word before it, at a line's start, with any closing
# brackets, quotes or footnote stars after it (",]*" in the Constitution), then a space.
# Not "..": an ellipsis, or reStructuredText's ".. note::", starts a line of its own.
_LEADING_PUNCTUATION = re.compile(
    r"^[^\S\n]*((?:[,;:!?]|\.(?!\.))[\])}\u201d\u2019'\"*,;:.!?]*)(?=\s|$)"
)
_CLOSING = ")]}\"'\u201d\u2019%"
# First halves of compounds that keep their hyphen at a line end ("well-known").
_COMPOUND_HEADS = frozenset(
    """well self non ill all half ex co cross multi semi quasi long short high low
    full part post pre re anti pro over under so far near first second third""".split()
)
# Running headers/footers: the first and last lines of a page looked at, the pages sampled
# to learn them, and the share of those pages a line must appear on.
FURNITURE_LINES = 2
FURNITURE_SAMPLE = 16
FURNITURE_MIN_PAGES = 3
FURNITURE_SHARE = 0.5
# A one-page document (HTML, text) made from a paged one repeats its running header as a
# line of its own: a short line, not a sentence or table row, seen this many times.
REPEATED_LINE_TIMES = 5
REPEATED_LINE_CHARS = 60


# Blocks holding the compatibility characters kept as written: superscript digits and
# fractions of Latin-1 (² ½), general punctuation (… ‼), superscripts and subscripts (⁻ ₂),
# number forms (⅓), CJK symbols and punctuation, CJK unit squares (㎡), small form
# variants, half- and full-width forms (，：（）). Characters elsewhere are folded without
# looking at each.
_KEPT_CANDIDATE = re.compile(
    "[\u00b2\u00b3\u00b9\u00bc-\u00be\u2000-\u209f\u2150-\u218f\u3000-\u303f"
    "\u3380-\u33ff\ufe10-\ufe6f\uff00-\uffef]"
)
# Decomposition tags of forms that place characters above, below or over others.
_PLACED = frozenset({"<super>", "<sub>", "<fraction>"})


@cache
def _keeps_own_form(char: str) -> bool:
    """Punctuation or a symbol whose NFKC form holds no letter or digit (`，`, `…`, the
    full-width tilde), or a power, index or fraction (`_is_placed_number`), is kept;
    full-width letters and digits, `™` ("TM") and `①` ("1") are folded, being words to a
    search."""
    folded = unicodedata.normalize("NFKC", char)
    if folded == char:
        return False
    punctuation = unicodedata.category(char)[0] in "PS" and not any(c.isalnum() for c in folded)
    return punctuation or _is_placed_number(char)


def _is_placed_number(char: str) -> bool:
    """A superscript, subscript or fraction of digits or signs (`²` `⁻` `₂` `½`), or a
    character made of one (`㎡`, m and ²). Folded, it would join the text beside it:
    "10²" reads "102", "10⁻³" ten minus three, "1½" eleven over two. Superscript letters
    (`™`) are not: they fold to the word."""
    fields = unicodedata.decomposition(char).split()
    if not fields:
        return False
    tag, parts = (fields[0], fields[1:]) if fields[0].startswith("<") else ("", fields)
    if tag in _PLACED:
        return not any(c.isalpha() for c in unicodedata.normalize("NFKC", char))
    return any(_is_placed_number(chr(int(part, 16))) for part in parts)


def fold_line(line: str) -> str:
    """NFKC minus soft hyphens, except punctuation, symbols, powers, indices and fractions,
    which keep their own form (`_keeps_own_form`); never adds or removes a line break."""
    if line.isascii():
        return line.replace("\r", " ")
    pieces: list[str] = []
    start = 0
    for found in _KEPT_CANDIDATE.finditer(line):
        if _keeps_own_form(found.group()):
            pieces += [unicodedata.normalize("NFKC", line[start : found.start()]), found.group()]
            start = found.end()
    pieces.append(unicodedata.normalize("NFKC", line[start:]))
    folded = "".join(pieces).replace(SOFT_HYPHEN, "")
    return folded.replace("\n", " ").replace("\r", " ")


def fold(text: str) -> str:
    """`fold_line` on each line of `text` (same number of lines). Questions are folded
    the same way, so "ﬁnancial" and "financial" are one word to the search."""
    return "\n".join(fold_line(line) for line in text.split("\n"))


def _vocabulary(text: str) -> set[str]:
    return set(re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", text.lower()))


def _keeps_hyphen(head: str, tail: str, vocabulary: set[str]) -> bool:
    """Whether `head-` + `tail` is a compound rather than one word broken in two."""
    joined, compound = (head + tail).lower(), f"{head}-{tail}".lower()
    if compound in vocabulary and joined not in vocabulary:
        return True
    if joined in vocabulary:
        return False
    return head.lower() in _COMPOUND_HEADS


def join_hyphenated(text: str, soft_only: bool = False) -> str:
    """Join words broken at line ends; the joined word stays on the first line.
    `soft_only`: only those broken by a soft hyphen (U+00AD)."""
    hyphens = SOFT_HYPHEN if soft_only else _HYPHENS
    if soft_only and SOFT_HYPHEN not in text:
        return text
    lines = text.split("\n")
    vocabulary: set[str] | None = None  # the page's words, found when a hyphen needs them
    for i in range(len(lines) - 1):
        line = lines[i].rstrip()
        # what _HYPHEN_END needs, tested first: searching every line costs more
        if not line.endswith(hyphens):
            continue
        end = _HYPHEN_END.search(line)
        start = _NEXT_START.match(lines[i + 1])
        if not end or not start:
            continue
        head, tail = end.group(1), start.group(2)
        soft = line.endswith(SOFT_HYPHEN)
        if soft_only and not soft:
            continue
        keep = False
        if not soft:
            vocabulary = _vocabulary(text) if vocabulary is None else vocabulary
            keep = _keeps_hyphen(head, tail, vocabulary)
        lines[i] = f"{line[:-1]}{'-' if keep else ''}{tail}"
        lines[i + 1] = lines[i + 1][start.end() :].lstrip()
    return "\n".join(lines)


def attach_punctuation(text: str) -> str:
    """Punctuation starting a line (`_LEADING_PUNCTUATION`) moved to the end of the line
    above when that line holds words: no line is added or removed."""
    lines = text.split("\n")
    for i in range(1, len(lines)):
        found = _LEADING_PUNCTUATION.match(lines[i])
        above = lines[i - 1].rstrip()
        if found and above and (above[-1].isalnum() or above[-1] in _CLOSING):
            lines[i - 1] = above + found.group(1)
            lines[i] = lines[i][found.end() :].lstrip()
    return "\n".join(lines)


def _remap_headings(
    old: str, new: str, headings: tuple[tuple[int, str], ...]
) -> tuple[tuple[int, str], ...]:
    """Heading offsets moved to the same line, and the same column as far as the line
    reaches, in the repaired text (a heading may start mid-line: HTML's SOFT_LINE)."""
    if not headings:
        return headings
    old_starts = [0] + [i + 1 for i, ch in enumerate(old) if ch == "\n"]
    new_starts = [0] + [i + 1 for i, ch in enumerate(new) if ch == "\n"]
    new_ends = [start - 1 for start in new_starts[1:]] + [len(new)]
    moved = []
    for offset, title in headings:
        line = min(bisect_right(old_starts, offset) - 1, len(new_starts) - 1)
        at = min(new_starts[line] + offset - old_starts[line], new_ends[line])
        moved.append((at, fold_line(title)))
    return tuple(moved)


def repair_page(page: Page) -> Page:
    """The page folded, de-hyphenated and its line-leading punctuation put back on its
    word (`attach_punctuation`), its headings still at their lines."""
    # soft hyphens first: folding drops them, and with them the sign of a broken word
    text = attach_punctuation(join_hyphenated(fold(join_hyphenated(page.text, soft_only=True))))
    if text == page.text:
        return page
    return replace(page, text=text, headings=_remap_headings(page.text, text, page.headings))


def _furniture_key(line: str) -> str:
    """Lines compared without case, spaces and numbers: "Page 3" is "Page 4", and the
    banner "C O N S T I T U T I O N" is "Constitution"."""
    return re.sub(r"\d+", "#", "".join(line.lower().split()))


def _edge_keys(text: str) -> set[str]:
    lines = [line for line in text.split("\n") if line.strip()]
    edges = lines[:FURNITURE_LINES] + lines[-FURNITURE_LINES:]
    return {_furniture_key(line) for line in edges}


def furniture(pages: list[Page]) -> frozenset[str]:
    """Keys of the lines found at the top or bottom of at least half the pages (and of
    three at least): running headers, footers and page numbers."""
    with_text = [page for page in pages if page.text.strip()]
    if len(with_text) < FURNITURE_MIN_PAGES:
        return frozenset()
    counts = Counter(key for page in with_text for key in _edge_keys(page.text))
    needed = max(FURNITURE_MIN_PAGES, FURNITURE_SHARE * len(with_text))
    return frozenset(key for key, count in counts.items() if count >= needed)


def _blank_furniture(page: Page, keys: frozenset[str]) -> Page:
    lines = page.text.split("\n")
    content = [i for i, line in enumerate(lines) if line.strip()]
    edges = set(content[:FURNITURE_LINES] + content[-FURNITURE_LINES:])
    hits = [i for i in edges if _furniture_key(lines[i]) in keys]
    if not hits:
        return page
    for i in hits:
        lines[i] = ""
    return replace(page, text="\n".join(lines))


def _blank_repeats(page: Page) -> Page:
    """A one-page document without the repeats of its running header: the first time the
    line is kept (a cover page names the company), the later times are blanked."""
    lines = page.text.split("\n")
    counts = Counter(line.strip() for line in lines)
    repeated = {
        line
        for line, count in counts.items()
        if count >= REPEATED_LINE_TIMES
        and len(line) <= REPEATED_LINE_CHARS
        and any(ch.isalpha() for ch in line)
        and "|" not in line
        and not (line.endswith((".", ":", "?", "!")) and len(line.split()) > 4)  # a sentence
    }
    if not repeated:
        return page
    seen: set[str] = set()
    for i, line in enumerate(lines):
        key = line.strip()
        if key in repeated:
            if key in seen:
                lines[i] = ""
            seen.add(key)
    return replace(page, text="\n".join(lines))


def strip_furniture(pages: Iterator[Page]) -> Iterator[Page]:
    """`pages` with running headers and footers blanked out (the same lines, so the
    same line numbers), learnt from the first FURNITURE_SAMPLE pages; later pages are not held."""
    sample = list(islice(pages, FURNITURE_SAMPLE))
    if len(sample) == 1:
        yield _blank_repeats(sample[0])
        return
    keys = furniture(sample)
    for page in chain(sample, pages):
        yield _blank_furniture(page, keys) if keys else page
