"""HTML: the visible text, with block elements as line breaks and h1-h6 as headings.
`extract_html` is reused by the EPUB loader for its XHTML chapters. An .html file's text
is laid out on the lines of the file where each line of text is found
(`at_file_lines`), so a citation's lines are the file's and `o` opens the file there; lines
of text from one line of the file share it, separated by SOFT_LINE (localqa/text.py)."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup
from bs4.element import CData, NavigableString, PageElement, Tag

from localqa.ingest.loaders.base import LoadedDocument, LoadError
from localqa.ingest.loaders.common import empty_file, read_bytes, sensible_title
from localqa.ingest.loaders.encoding import decode_bytes, normalise_newlines
from localqa.ingest.loaders.html_tables import spread_row_spans
from localqa.ingest.loaders.limits import DEFAULT_LIMITS, Limits
from localqa.ingest.loaders.markup import Heading
from localqa.schema import Page
from localqa.text import SOFT_LINE

_DROPPED = frozenset(
    {"script", "style", "noscript", "template", "head", "svg", "math", "iframe", "object"}
)
_PARAGRAPHS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "table", "ul", "ol", "dl", "blockquote"}
)
_BLOCKS = _PARAGRAPHS | frozenset(
    {
        "address",
        "article",
        "aside",
        "body",
        "caption",
        "center",
        "dd",
        "details",
        "dialog",
        "div",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "header",
        "hgroup",
        "hr",
        "html",
        "legend",
        "li",
        "main",
        "nav",
        "option",
        "section",
        "summary",
        "tbody",
        "tfoot",
        "thead",
        "tr",
    }
)
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_CELLS = frozenset({"td", "th"})
_TABLE_PARTS = frozenset({"table", "thead", "tbody", "tfoot", "tr", "caption"})
_SPACES = re.compile(r"\s+")
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([\w.:-]+)""", re.I)


@dataclass(frozen=True, slots=True)
class HtmlText:
    """What a reader sees of an HTML document."""

    title: str
    text: str
    headings: tuple[Heading, ...]


class _TextBuilder:
    """Accumulates visible text, collapsing whitespace outside <pre>."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.pre_depth = 0
        self.cell_depth = 0

    def _last(self) -> str:
        return self.parts[-1][-1:] if self.parts else "\n"

    def _append(self, piece: str) -> None:
        self.parts.append(piece)
        self.length += len(piece)

    def _drop_trailing_space(self) -> None:
        while self.parts and self.parts[-1].endswith(" "):
            last = self.parts.pop()
            self.length -= len(last)
            if last.rstrip(" "):
                self._append(last.rstrip(" "))

    def text(self, raw: str) -> None:
        if self.pre_depth:
            self._append(raw)
            return
        piece = _SPACES.sub(" ", raw)
        if self._last() in ("\n", " "):
            piece = piece.lstrip(" ")
        if piece:
            self._append(piece)

    def newline(self, blank_line: bool = False) -> None:
        """End the current line; with `blank_line`, also leave an empty line (paragraph)."""
        self._drop_trailing_space()
        if not self.parts:
            return
        wanted = "\n\n" if blank_line else "\n"
        tail = "".join(self.parts[-2:])[-2:]
        have = len(tail) - len(tail.rstrip("\n"))
        if have < len(wanted):
            self._append(wanted[have:])

    def hard_break(self) -> None:
        """<br>: always a line break, but never more than one empty line in a row."""
        self._drop_trailing_space()
        if not "".join(self.parts[-2:]).endswith("\n\n"):
            self._append("\n")

    def cell(self) -> None:
        """Separate table cells by " | "; empty cells add no separator of their own."""
        if self.parts and self.parts[-1] == " | ":
            return
        if self._last() not in ("\n", ""):
            self._drop_trailing_space()
            self._append(" | ")


def _is_text(node: PageElement) -> bool:
    return type(node) in (NavigableString, CData)


def _hidden(tag: Tag) -> bool:
    """`hidden` attribute or an inline `display: none` style (e.g. iXBRL headers)."""
    if tag.has_attr("hidden"):
        return True
    style = tag.get("style")
    return isinstance(style, str) and "display:none" in style.replace(" ", "").lower()


def _open(out: _TextBuilder, name: str) -> None:
    """Layout effect of an opening tag. Inside table cells, blocks are only spaces so a
    row stays one line."""
    if name == "br":
        out.hard_break()
    elif name in _CELLS:
        out.cell()
        out.cell_depth += 1
    elif name in _BLOCKS:
        if out.cell_depth and name not in _TABLE_PARTS:
            out.text(" ")
        else:
            out.newline(blank_line=name in _PARAGRAPHS)
    if name == "pre":
        out.pre_depth += 1


def _close(out: _TextBuilder, name: str) -> None:
    if name == "pre":
        out.pre_depth -= 1
    if name in _CELLS:
        out.cell_depth -= 1
    elif name in _BLOCKS:
        if out.cell_depth and name not in _TABLE_PARTS:
            out.text(" ")
        else:
            out.newline(blank_line=name in _PARAGRAPHS)


def _walk(root: Tag) -> tuple[str, tuple[Heading, ...]]:
    """Depth-first walk without recursion (real pages nest deeper than Python's stack)."""
    out = _TextBuilder()
    headings: list[Heading] = []
    heading_start: tuple[int, int] | None = None  # (offset, index into out.parts)
    stack: list[tuple[PageElement, bool]] = [(root, False)]
    while stack:
        node, closing = stack.pop()
        if not isinstance(node, Tag):
            if _is_text(node):
                out.text(str(node))
            continue
        name = node.name.lower()
        if closing:
            _close(out, name)
            if name in _HEADINGS and heading_start is not None:
                title = _SPACES.sub(" ", "".join(out.parts[heading_start[1] :])).strip()
                if title:
                    headings.append((heading_start[0], title))
                heading_start = None
            continue
        if name in _DROPPED or _hidden(node):
            continue
        _open(out, name)
        if name in _HEADINGS and heading_start is None:
            heading_start = (out.length, len(out.parts))
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node.contents))
    full = "".join(out.parts)
    shift = len(full) - len(full.lstrip())
    return full.strip(), tuple((max(0, at - shift), title) for at, title in headings)


def _title(soup: BeautifulSoup) -> str:
    """The page's <title>, else its first <h1> (a page saved without a <title>)."""
    for name in ("title", "h1"):
        tag = soup.find(name)
        if isinstance(tag, Tag) and (title := _SPACES.sub(" ", tag.get_text()).strip()):
            return title
    return ""


def extract_html(markup: str) -> HtmlText:
    """Visible text of `markup`, its <title>, and h1-h6 headings with their offsets; a
    table cell that spans rows is repeated in each (ingest/loaders/html_tables.py)."""
    soup = BeautifulSoup(normalise_newlines(markup), "html.parser")
    spread_row_spans(soup)
    text, headings = _walk(soup)
    return HtmlText(title=_title(soup), text=text, headings=headings)


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
