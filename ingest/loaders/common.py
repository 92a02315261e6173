"""Helpers shared by the loaders: reading bytes, titles, and the all-pages-empty guard."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from localqa.ingest.loaders.base import LoadError
from localqa.schema import Page

_EMPTY_ADVICE = "nothing to index; add content or remove it"
_FILE_EXTENSION = re.compile(
    r"\.(docx?|pdf|pptx?|xlsx?|txt|rtf|odt|tex|dvi|ps|indd|qxd|html?|md)$", re.IGNORECASE
)
_PLACEHOLDER_TITLES = frozenset(
    {
        "untitled",
        "untitled document",
        "title",
        "document",
        "none",
        "null",
        "unknown",
        "slide 1",
        "presentation",
        "powerpoint presentation",
        "microsoft word document",
    }
)
_TITLE_MAX = 200


def cannot_read(err: OSError) -> LoadError:
    """The LoadError for a file the operating system would not let us read."""
    reason = err.strerror or str(err) or type(err).__name__
    if err.errno is None:  # not the system's refusal: bz2 and friends on damaged data
        return LoadError(
            f"damaged data ({reason})",
            "re-save it in the application that made it, and ingest again",
        )
    return LoadError(f"cannot read file: {reason}", "check permissions")


def empty_file() -> LoadError:
    return LoadError("empty file", _EMPTY_ADVICE)


def read_bytes(path: Path) -> bytes:
    """The whole file, or LoadError for unreadable and empty files."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise cannot_read(err) from err
    if not data:
        raise empty_file()
    return data


def sensible_title(candidate: object, fallback: str) -> str:
    """`candidate` (e.g. document metadata) when it looks like a real title, else `fallback`."""
    if not isinstance(candidate, str):
        return fallback
    title = " ".join(candidate.replace("\x00", "").split())
    for prefix in ("Microsoft Word - ", "Microsoft PowerPoint - "):
        title = title.removeprefix(prefix)
    if (
        not title
        or len(title) > _TITLE_MAX
        or title.lower() in _PLACEHOLDER_TITLES
        or _FILE_EXTENSION.search(title)
        or not any(ch.isalnum() for ch in title)
        or (" " not in title and "_" in title)  # an identifier or file name, not a title
    ):
        return fallback
    return title


def page_ranges(numbers: Iterable[int]) -> str:
    """`[1, 2, 3, 7]` -> `"1-3, 7"`."""
    spans: list[list[int]] = []
    for number in sorted(numbers):
        if spans and number == spans[-1][1] + 1:
            spans[-1][1] = number
        else:
            spans.append([number, number])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def require_text(
    pages: Iterator[Page], problem: str, advice: str | Callable[[], str]
) -> Iterator[Page]:
    """Pass `pages` through, but raise LoadError(problem, advice) at the end if none of them
    had any text (`advice` may be a function, asked only then). Leading empty pages are
    held back (they are small) until text appears."""
    held: list[Page] = []
    seen_text = False
    for page in pages:
        if seen_text:
            yield page
        elif page.text.strip():
            seen_text = True
            yield from held
            held.clear()
            yield page
        else:
            held.append(page)
    if not seen_text:
        raise LoadError(problem, advice if isinstance(advice, str) else advice())
