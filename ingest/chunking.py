"""A loaded document becomes chunks that carry their provenance and context."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import chain, islice

from localqa.errors import UsageError
from localqa.ingest.splitter import TokenSplitter
from localqa.ingest.subject import FACT_PAGES, document_facts, with_facts
from localqa.ingest.textfix import repair_page, strip_furniture
from localqa.schema import (
    Chunk,
    Page,
    chunk_header,
    labelled_page_kind,
    ocr_page_kind,
    text_hash,
)

# Special tokens the embedder adds around every input ([CLS] and [SEP] for BERT models).
SPECIAL_TOKENS = 2
HEADER_CHARS = 100


class ChunkSizeError(UsageError):
    """chunk_tokens leaves no room under the embedder's maximum input."""


@dataclass(frozen=True, slots=True)
class DocumentIdentity:
    source: str
    abs_path: str
    doc_hash: str
    title: str
    page_kind: str
    # Part of every chunk id: the file's inode change time when read. A moved document
    # keeps its chunks' ids (Index.move), made from its old path; a copy of it later put
    # at that old path is read anew, and its ids must differ from those.
    id_salt: str = ""


def header_budget(max_tokens: int, chunk_tokens: int) -> int:
    budget = max_tokens - SPECIAL_TOKENS - chunk_tokens
    if budget < 8:
        raise ChunkSizeError(
            f"chunk_tokens={chunk_tokens} leaves no room under the embedder's limit of "
            f"{max_tokens} tokens; use at most {max_tokens - SPECIAL_TOKENS - 8}"
        )
    return budget


class Chunker:
    """Splits pages and attaches title and section so every chunk fits the embedder."""

    def __init__(
        self, splitter: TokenSplitter, count_tokens: Callable[[str], int], header_tokens: int
    ) -> None:
        self._splitter = splitter
        self._count = count_tokens
        self._header_tokens = header_tokens
        self._fitted: dict[tuple[str, str, str], tuple[str, str]] = {}

    def chunks(self, doc: DocumentIdentity, pages: Iterator[Page]) -> Iterator[tuple[Page, Chunk]]:
        """Chunks of the pages once repaired (ingest/textfix.py); running headers and
        footers of paged documents are left out. Every chunk's title carries what the
        first pages say the document is about (ingest/subject.py)."""
        section = ""
        ordinal = 0
        salt = f"\0{doc.id_salt}" if doc.id_salt else ""
        first = list(islice(pages, FACT_PAGES))
        facts = document_facts("\n".join(page.text for page in first))
        doc_title = with_facts(doc.title, facts)
        repaired = (repair_page(page) for page in chain(first, pages))
        for page in strip_furniture(repaired) if doc.page_kind == "page" else repaired:
            headings = sorted(page.headings)
            kind = doc.page_kind
            if page.ocr_confidence is not None:
                kind = ocr_page_kind(kind, page.ocr_confidence)
            elif page.label:
                kind = labelled_page_kind(kind, page.label)
            if page.label and not headings:  # a sheet's name: its chunks' section
                section = page.label
            for span in self._splitter.split(page.text):
                section = _section_at(headings, span.char_start, section)
                title, fitted_section = self._fit_header(doc.source, doc_title, section)
                yield (
                    page,
                    Chunk(
                        id=text_hash(f"{doc.abs_path}\0{doc.doc_hash}\0{ordinal}{salt}"),
                        text=span.text,
                        source=doc.source,
                        abs_path=doc.abs_path,
                        page=page.number,
                        line_start=span.line_start + page.first_line - 1,
                        line_end=span.line_end + page.first_line - 1,
                        char_start=span.char_start,
                        char_end=span.char_end,
                        doc_hash=doc.doc_hash,
                        title=title,
                        section=fitted_section,
                        page_kind=kind,
                    ),
                )
                ordinal += 1
            if headings:
                section = headings[-1][1]

    def _fit_header(self, source: str, title: str, section: str) -> tuple[str, str]:
        """Shorten title and section until their header (`chunk_header`: with the file
        name) fits the token budget."""
        key = (source, title, section)
        if key not in self._fitted:
            title, section = title[:HEADER_CHARS].strip(), section[:HEADER_CHARS].strip()
            # the header is followed by a newline: count that too
            while (title or section) and self._count(
                chunk_header(source, title, section)
            ) + 1 > self._header_tokens:
                if len(section) > len(title):
                    section = section[: len(section) * 3 // 4].strip()
                else:
                    title = title[: len(title) * 3 // 4].strip()
            self._fitted[key] = (title, section)
        return self._fitted[key]


def _section_at(headings: list[tuple[int, str]], offset: int, current: str) -> str:
    """The last heading at or before `offset` on this page, else the running section."""
    for heading_offset, text in reversed(headings):
        if heading_offset <= offset:
            return text.strip()
    return current
