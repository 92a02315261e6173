"""The visible text of HTML markup: block elements as line breaks, h1-h6 as headings
with their offsets, table cells separated by " | ", hidden and script parts dropped.
Apart from html.py (the .html file loader) because the EPUB, mail and notebook loaders
reuse it on markup that is no file of its own; html.py adds reading the file and laying
its text on the file's lines."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bs4 import BeautifulSoup
from bs4.element import CData, NavigableString, PageElement, Tag

from localqa.ingest.loaders.encoding import normalise_newlines
from localqa.ingest.loaders.html_tables import spread_row_spans
from localqa.ingest.loaders.markup import Heading

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
