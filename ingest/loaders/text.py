"""Plain text, source code and configuration files, Markdown and reStructuredText: one page."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from ingest.loaders.base import LoadedDocument
from ingest.loaders.common import empty_file, read_bytes
from ingest.loaders.encoding import decode_bytes, normalise_newlines
from ingest.loaders.markup import Heading, markdown_headings, rst_headings
from localqa.schema import Page

PLAIN_SUFFIXES = frozenset(
    {
        # prose and logs
        ".txt", ".text", ".log", ".me", ".nfo", ".asc",
        # source code
        ".py", ".pyi", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".java", ".c", ".h",
        ".cpp", ".hpp", ".cc", ".hh", ".cxx", ".hxx", ".cs", ".go", ".rs", ".rb", ".php",
        ".sh", ".bash", ".zsh", ".fish", ".ps1", ".bat", ".cmd", ".sql", ".swift", ".kt",
        ".kts", ".scala", ".r", ".lua", ".pl", ".pm", ".m", ".mm", ".dart", ".ex", ".exs",
        ".erl", ".hs", ".ml", ".clj", ".groovy", ".gradle", ".vue", ".svelte", ".jl",
        ".f90", ".vb", ".asm", ".s", ".proto", ".graphql", ".tf", ".nix", ".cmake", ".mk",
        # configuration and data
        ".json", ".jsonl", ".ndjson", ".yaml", ".yml", ".toml", ".ini", ".cfg", ".conf",
        ".properties", ".env", ".xml", ".xsd", ".xsl", ".css", ".scss", ".sass", ".less",
        ".tex", ".bib", ".sty", ".cls", ".srt", ".vtt", ".diff", ".patch", ".org", ".adoc",
        ".textile", ".ipynb",
    }
)  # fmt: skip
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdown", ".mkd"})
RST_SUFFIXES = frozenset({".rst", ".rest"})


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


def load_plain(path: Path) -> LoadedDocument:
    """A text or source file: one page, titled by the file name."""
    document = _load(path, _no_headings)
    document.title = path.name
    return document


def load_markdown(path: Path) -> LoadedDocument:
    """Markdown: one page, with ATX and setext headings."""
    return _load(path, markdown_headings)


def load_rst(path: Path) -> LoadedDocument:
    """reStructuredText: one page, with underlined section titles."""
    return _load(path, rst_headings)
