"""HTML files: decoded by their declared charset, their visible text (block elements as
line breaks, h1-h6 as headings: ingest/loaders/html_text.py, which the EPUB loader reuses
for its XHTML chapters) laid out on the lines of the file where each line of text is found
(`at_file_lines`), so a citation's lines are the file's and `o` opens the file there; lines
of text from one line of the file share it, separated by SOFT_LINE (localqa/text.py)."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from pathlib import Path

from localqa.ingest.loaders.base import LoadedDocument, LoadError
from localqa.ingest.loaders.common import empty_file, read_bytes, sensible_title
from localqa.ingest.loaders.encoding import decode_bytes, normalise_newlines
from localqa.ingest.loaders.html_text import HtmlText, extract_html
from localqa.ingest.loaders.limits import DEFAULT_LIMITS, Limits
from localqa.ingest.loaders.markup import Heading
from localqa.schema import Page
from localqa.text import SOFT_LINE

# The visible text (HtmlText, extract_html) is ingest/loaders/html_text.py's; importable
# from here as before.
__all__ = [
    "HtmlText",
    "at_file_lines",
    "declared_charset",
    "decode_html",
    "extract_html",
    "load_html",
]

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([\w.:-]+)""", re.I)


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML <meta> tag or an XML declaration names, if any."""
    head = data[:4096]
    found = _XML_ENCODING.search(head) or _CHARSET.search(head)
    return found.group(1).decode("ascii", errors="replace") if found else None


def decode_html(data: bytes) -> tuple[str, list[str]]:
    """Decoded markup and decoding warnings, respecting a declared charset."""
    decoded = decode_bytes(data, declared=declared_charset(data))
    return decoded.text, [decoded.warning] if decoded.warning else []


_SEARCH_WORDS = re.compile(r"[^\W_]+")
_BETWEEN_WORDS = r"(?:\W|<[^>]*>|&#?\w+;)+"  # spaces, punctuation, tags, entities


def _file_lines(lines: list[str], markup: str) -> list[int | None]:
    """The 1-based line of `markup` where each text line is found: its first two words
    searched for in order (markup between them allowed), after where the line before was
    found; None for an empty line or one not found."""
    found: list[int | None] = []
    body = re.search(r"<body[\s>]", markup, re.IGNORECASE)  # not the <title> in <head>
    cursor = body.start() if body else 0
    line = markup.count("\n", 0, cursor) + 1
    for text in lines:
        words = _SEARCH_WORDS.findall(text)[:2]
        match = None
        if words:
            pattern = r"\b" + _BETWEEN_WORDS.join(re.escape(w) for w in words) + r"\b"
            match = re.compile(pattern).search(markup, cursor)
        if match:
            line += markup.count("\n", cursor, match.start())
            found.append(line)
            # on from the end of these words: a row's cell repeated from the row above
            # (html_tables.py) must not be found where it was first written
            line += markup.count("\n", match.start(), match.end())
            cursor = match.end()
        else:
            found.append(None)
    return found


def _targets(where: list[int | None]) -> list[int]:
    """Each line's file line; for a line not found, minus the next line found (or minus
    a billion): it takes the line after the one before it if that is before this bound."""
    targets: list[int] = []
    upcoming = 10**9
    for line in reversed(where):
        if line is None:
            targets.append(-upcoming)
        else:
            targets.append(line)
            upcoming = line
    return targets[::-1]


def at_file_lines(extracted: HtmlText, markup: str) -> HtmlText:
    """The text with each line on the line of the file it comes from, empty lines filling
    the gaps, so a citation's lines are the file's. Lines of text that come from one line
    of the file (a `<br>`, table rows or a whole page written on one line) share that
    line, separated by SOFT_LINE, which ends a sentence or record like a line end."""
    lines = extracted.text.split("\n")
    targets = _targets(_file_lines(lines, markup))
    placed: list[list[str]] = []  # the pieces of each line (joined once: a one-line page)
    moved: list[tuple[int, int]] = []  # (new line, column) where each old line starts
    width = 0  # length of the last placed line so far
    for text, target in zip(lines, targets, strict=True):
        if not text.strip():  # paragraph gaps come from the file's own lines
            moved.append((len(placed), 0))
            continue
        if target < 0:  # not found: the next line, if that is before the next one found
            target = len(placed) + 1 if len(placed) + 1 < -target else len(placed)
        if placed and target <= len(placed):
            moved.append((len(placed) - 1, width + 1))
            placed[-1] += [SOFT_LINE, text]
            width += 1 + len(text)
            continue
        placed.extend([[""] for _ in range(target - 1 - len(placed))])
        moved.append((len(placed), 0))
        placed.append([text])
        width = len(text)
    joined = ["".join(pieces) for pieces in placed]
    return HtmlText(extracted.title, "\n".join(joined), _moved_headings(extracted, moved, joined))


def _moved_headings(
    extracted: HtmlText, moved: list[tuple[int, int]], placed: list[str]
) -> tuple[Heading, ...]:
    """Heading offsets in the text laid on the file's lines."""
    new_starts = [0]
    for text in placed:
        new_starts.append(new_starts[-1] + len(text) + 1)
    old_starts = [0]
    for text in extracted.text.split("\n"):
        old_starts.append(old_starts[-1] + len(text) + 1)
    headings = []
    for at, title in extracted.headings:
        old = bisect_right(old_starts, at) - 1
        row, column = moved[old]
        row = min(row, len(placed) - 1)
        column = min(column + at - old_starts[old], len(placed[row]))
        headings.append((new_starts[row] + column, title))
    return tuple(headings)


def _one_page(extracted: HtmlText) -> Iterator[Page]:
    yield Page(number=1, text=extracted.text, headings=extracted.headings)


def load_html(path: Path, limits: Limits = DEFAULT_LIMITS) -> LoadedDocument:
    """An HTML page: one page of visible text, titled by its <title> (else its first
    <h1>, else the file name)."""
    markup, warnings = decode_html(read_bytes(path))
    if not markup.strip():
        raise empty_file()
    extracted = extract_html(markup)
    if not extracted.text:
        raise LoadError(
            "no text found",
            "the page has no visible text (only images, or built by JavaScript?); "
            "save the rendered page or its text and ingest that",
        )
    title = sensible_title(extracted.title, path.stem)
    placed = at_file_lines(extracted, normalise_newlines(markup))
    return LoadedDocument(title=title, page_kind="page", pages=_one_page(placed), warnings=warnings)
