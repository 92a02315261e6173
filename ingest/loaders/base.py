"""The loader contract: a file becomes a title and a stream of pages."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from localqa.errors import LocalqaError
from localqa.schema import Page


class LoadError(LocalqaError):
    """A file could not be read. `str(err)` is one line: what is wrong and what to do."""

    def __init__(self, problem: str, advice: str) -> None:
        super().__init__(f"{problem}; {advice}")
        self.problem = problem
        self.advice = advice


@dataclass(frozen=True, slots=True)
class LoadOptions:
    """Settings that change what a loader reads (picklable: the reader process gets them).
    `ocr`: read PDF pages without a text layer by OCR (ingest/loaders/ocr.py)."""

    ocr: bool = True


class UnsupportedFile(LocalqaError):
    """A file localqa does not read (by design), with the reason."""


@dataclass
class LoadedDocument:
    """A document being read. `pages` is a generator so huge files are never held whole;
    it may raise LoadError part-way. `warnings` collects non-fatal notes (e.g. a legacy
    encoding was guessed, a page had no text layer)."""

    title: str
    page_kind: str
    pages: Iterator[Page]
    warnings: list[str] = field(default_factory=list)
