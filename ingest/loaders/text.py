"""Plain text, source code and configuration files, Markdown, reStructuredText and Org: one
page, titled by the title the document states (Markdown's first level-1 heading or
front-matter `title:`, reStructuredText's lone top-level section title, Org's
`#+TITLE:`), else by the file name."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from localqa.ingest.loaders.base import LoadedDocument
from localqa.ingest.loaders.common import empty_file, read_bytes, sensible_title
from localqa.ingest.loaders.encoding import decode_bytes, normalise_newlines
from localqa.ingest.loaders.limits import DEFAULT_LIMITS, Limits
from localqa.ingest.loaders.markup import (
    Heading,
    markdown_headings,
    markdown_title,
    org_title,
    rst_headings,
    rst_title,
)
from localqa.schema import Page


def read_text(path: Path) -> tuple[str, list[str]]:
    """The decoded, newline-normalised text of `path` and any decoding warnings.

    Raises LoadError for unreadable, empty (or whitespace-only) and binary files."""
    decoded = decode_bytes(read_bytes(path))
    text = normalise_newlines(decoded.text)
    if not text.strip():
        raise empty_file()
    warnings = [decoded.warning] if decoded.warning else []
    return text, warnings


def _one_page(text: str, headings: tuple[Heading, ...]) -> Iterator[Page]:
    yield Page(number=1, text=text, headings=headings)


def _load(
    path: Path,
    find_headings: Callable[[str], tuple[Heading, ...]],
    find_title: Callable[[str], str],
    fallback: str = "",
) -> LoadedDocument:
    """One page of `path`'s text with its headings, titled by `find_title`, or when it
    finds none that looks like a title by `fallback` (default: the file name without its
    extension)."""
    text, warnings = read_text(path)
    headings = find_headings(text)
    title = sensible_title(find_title(text), fallback or path.stem)
    return LoadedDocument(
        title=title, page_kind="page", pages=_one_page(text, headings), warnings=warnings
    )


def _no_headings(_text: str) -> tuple[Heading, ...]:
    return ()


def _no_title(_text: str) -> str:
    return ""


def load_plain(path: Path, limits: Limits = DEFAULT_LIMITS) -> LoadedDocument:
    """A text or source file: one page, titled by the file name (an Org file by its
    `#+TITLE:` where it has one)."""
    org = path.suffix.lower() == ".org"
    return _load(path, _no_headings, org_title if org else _no_title, path.name)


def load_markdown(path: Path, limits: Limits = DEFAULT_LIMITS) -> LoadedDocument:
    """Markdown: one page, with ATX and setext headings, titled by its front matter's
    `title:` or its first level-1 heading."""
    return _load(path, markdown_headings, markdown_title)


def load_rst(path: Path, limits: Limits = DEFAULT_LIMITS) -> LoadedDocument:
    """reStructuredText: one page, with underlined section titles, titled by its lone
    top-level section title."""
    return _load(path, rst_headings, rst_title)
