"""Plain text, source code and configuration files, Markdown and reStructuredText: one page."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from localqa.ingest.loaders.base import LoadedDocument
from localqa.ingest.loaders.common import empty_file, read_bytes
from localqa.ingest.loaders.encoding import decode_bytes, normalise_newlines
from localqa.ingest.loaders.limits import DEFAULT_LIMITS, Limits
from localqa.ingest.loaders.markup import Heading, markdown_headings, rst_headings
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


def _load(path: Path, find_headings: Callable[[str], tuple[Heading, ...]]) -> LoadedDocument:
    text, warnings = read_text(path)
    headings = find_headings(text)
    return LoadedDocument(
        title=path.stem, page_kind="page", pages=_one_page(text, headings), warnings=warnings
    )


def _no_headings(_text: str) -> tuple[Heading, ...]:
    return ()


def load_plain(path: Path, limits: Limits = DEFAULT_LIMITS) -> LoadedDocument:
    """A text or source file: one page, titled by the file name."""
    document = _load(path, _no_headings)
    document.title = path.name
    return document


def load_markdown(path: Path, limits: Limits = DEFAULT_LIMITS) -> LoadedDocument:
    """Markdown: one page, with ATX and setext headings."""
    return _load(path, markdown_headings)


def load_rst(path: Path, limits: Limits = DEFAULT_LIMITS) -> LoadedDocument:
    """reStructuredText: one page, with underlined section titles."""
    return _load(path, rst_headings)
