"""Heading detection for lightweight markup: Markdown (ATX and setext) and reStructuredText
(underlined, optionally overlined, titles), and each document's own title where it states
one. Offsets are character offsets into the text."""

from __future__ import annotations

import re
from collections.abc import Iterator

Heading = tuple[int, str]
# A heading and its level: Markdown's 1-6; reStructuredText's adornment (its character,
# and "over" when overlined), whose order of first use makes the levels.
Levelled = tuple[int, str, int | str]

_ATX = re.compile(r"^ {0,3}#{1,6}(?:[ \t]+(?P<text>.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(?:=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})")
_NOT_SETEXT_TITLE = re.compile(r"^ {0,3}(?:[-*+>|]|\d+[.)])(?:\s|$)|^ {4}|^\t")
_RST_ADORNMENT = re.compile(r"^([!-/:-@\[-`{-~])\1{2,}\s*$")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"\*\*|__|`")
_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_FRONT_TITLE = re.compile(r"^title:[ \t]*(?P<title>.*?)[ \t]*$", re.IGNORECASE)
_ORG_TITLE = re.compile(r"^[ \t]*#\+title:[ \t]*(?P<title>.*?)[ \t]*$", re.I | re.M)


def _clean_markdown(title: str) -> str:
    """Heading text without link targets, emphasis markers or backslash escapes."""
    title = _MD_EMPHASIS.sub("", _MD_LINK.sub(r"\1", title))
    return _MD_ESCAPE.sub(r"\1", title).strip()


def _lines(text: str) -> Iterator[tuple[int, str]]:
    """(offset, line) for each line of `text`, without the newline."""
    offset = 0
    for line in text.split("\n"):
        yield offset, line
        offset += len(line) + 1


def _front_matter_end(lines: list[tuple[int, str]]) -> int:
    """Index of the first line after a leading YAML front-matter block (0 if none)."""
    if not lines or lines[0][1].strip() != "---":
        return 0
    for index in range(1, len(lines)):
        if lines[index][1].strip() in ("---", "..."):
            return index + 1
    return 0


def markdown_headings(text: str) -> tuple[Heading, ...]:
    """ATX (`# Title`) and setext (`Title` over `===`/`---`) headings outside code fences."""
    return tuple((offset, title) for offset, title, _ in _markdown_levelled(text))


def markdown_title(text: str) -> str:
    """The document's own title: its front matter's `title:`, else its first level-1
    heading (`# Title`, or `Title` over `===`); "" when it states neither."""
    lines = list(_lines(text))
    for _, line in lines[1 : max(1, _front_matter_end(lines) - 1)]:
        if (found := _FRONT_TITLE.match(line)) and (title := found.group("title").strip("'\"")):
            return _clean_markdown(title)
    return next((title for _, title, level in _markdown_levelled(text) if level == 1), "")


def _atx_level(line: str) -> int:
    """How many `#` open an ATX heading's line."""
    marks = line.lstrip(" ")
    return len(marks) - len(marks.lstrip("#"))


def _markdown_levelled(text: str) -> list[Levelled]:
    """`markdown_headings` with their levels: the count of `#`, 1 for `===`, 2 for `---`."""
    lines = list(_lines(text))
    found: list[Levelled] = []
    fence: str | None = None
    previous: tuple[int, str] | None = None
    for offset, line in lines[_front_matter_end(lines) :]:
        opened = _FENCE.match(line)
        if fence is not None:
            closer = opened.group("fence") if opened else ""
            if closer[:1] == fence[:1] and len(closer) >= len(fence):
                fence = None
            previous = None
            continue
        if opened:
            fence, previous = opened.group("fence"), None
            continue
        atx = _ATX.match(line)
        if atx and (title := _clean_markdown(atx.group("text") or "")):
            found.append((offset, title, _atx_level(line)))
            previous = None
            continue
        if previous is not None and _SETEXT.match(line):
            level = 1 if line.strip()[0] == "=" else 2
            found.append((previous[0], _clean_markdown(previous[1]), level))
            previous = None
            continue
        usable = line.strip() and not _NOT_SETEXT_TITLE.match(line) and not atx
        previous = (offset, line) if usable else None
    return found


def rst_headings(text: str) -> tuple[Heading, ...]:
    """Section titles: a text line underlined (and optionally overlined) by a repeated
    punctuation character at least as long as the title."""
    return tuple((offset, title) for offset, title, _ in _rst_levelled(text))


def rst_title(text: str) -> str:
    """The document's title as docutils makes it: the first section title, when no other
    title has its adornment (a lone top-level section); "" otherwise."""
    found = _rst_levelled(text)
    if not found or any(style == found[0][2] for _, _, style in found[1:]):
        return ""
    return found[0][1]


def org_title(text: str) -> str:
    """An Org document's `#+TITLE:` keyword, "" without one."""
    found = _ORG_TITLE.search(text)
    return found.group("title") if found else ""


def _rst_levelled(text: str) -> list[Levelled]:
    """`rst_headings` with their adornment: its character, "over" added when overlined."""
    lines = list(_lines(text))
    found: list[Levelled] = []
    index = 0
    while index + 1 < len(lines):
        offset, line = lines[index]
        title = line.strip()
        under = _RST_ADORNMENT.match(lines[index + 1][1])
        overlined = _RST_ADORNMENT.match(line)
        if overlined and index + 2 < len(lines):
            middle = lines[index + 1][1].strip()
            closing = _RST_ADORNMENT.match(lines[index + 2][1])
            if middle and closing and closing.group(1) == overlined.group(1):
                found.append((offset, middle, f"{overlined.group(1)} over"))
                index += 3
                continue
        if (
            under
            and title
            and not overlined
            and not line[:1].isspace()
            and len(lines[index + 1][1].rstrip()) >= len(title)
        ):
            found.append((offset, title, under.group(1)))
            index += 2
            continue
        index += 1
    return found
