"""Reading and splitting documents into a stream of events, one file at a time.

`read_inline` reads in this process; ingest/background.py reads in a helper process
beside the embedder, under time and memory limits. Both give the same ordered events,
and each file ends in exactly one DocumentRead or DocumentRejected: nothing a file does
(damaged data, a bomb, a bug in a parsing library) escapes as an exception.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from localqa.errors import LocalqaError
from localqa.ingest.chunking import Chunker, DocumentIdentity
from localqa.ingest.loaders import as_load_error, open_document
from localqa.ingest.loaders.base import LoadError, LoadOptions, UnsupportedFile
from localqa.ingest.loaders.limits import DEFAULT_LIMITS, LimitReached, Limits
from localqa.ingest.scan import WorkItem, escape_undecodable
from localqa.ingest.splitter import TokenSplitter
from localqa.schema import Chunk

# A message holds one page's chunks or at most this many.
MESSAGE_CHUNKS = 32


class ReaderFailed(LocalqaError):
    """The reader process failed in a way no one file explains (a bug in it, or a helper
    that died between files). Documents read in full before it are kept."""

    @classmethod
    def crashed(cls, source: str | None, trace: str) -> ReaderFailed:
        """A reader that raised: the file it was reading (None: it had not begun one) and
        the last line of its traceback; the whole traceback is logged (--verbose)."""
        where = f"reading {source}" if source is not None else "starting"
        last = trace.strip().splitlines()[-1] if trace.strip() else "no traceback"
        logging.getLogger("localqa").debug("the document reader's traceback:\n%s", trace)
        return cls(
            f"the document reader failed while {where} ({last}); the files read before it "
            "are kept: ingest again with --verbose to see the traceback, and report it"
        )

    @classmethod
    def died(cls, how: str) -> ReaderFailed:
        """A reader process that ended between files (`how`: "signal 9", "exit code 3")."""
        return cls(
            f"the document reader process died unexpectedly between files ({how}); the "
            "files read before it are kept: ingest again"
        )


@dataclass(frozen=True, slots=True)
class ChunksRead:
    item: int
    chunks: tuple[Chunk, ...]


@dataclass(frozen=True, slots=True)
class DocumentRead:
    item: int
    title: str
    page_kind: str
    last_page: int  # the highest page that produced a chunk
    chunks: int
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DocumentRejected:
    item: int
    reason: str
    skipped: bool  # unsupported kind (skipped) rather than a broken file (failed)


Event = ChunksRead | DocumentRead | DocumentRejected


@dataclass(frozen=True, slots=True)
class ChunkerSpec:
    """Everything a process needs to build the same Chunker (picklable)."""

    tokenizer_file: str
    chunk_tokens: int
    overlap_tokens: int
    header_tokens: int

    def build(self) -> Chunker:
        from localqa.embedding.wordpieces import load_tokenizer, token_counter

        count = token_counter(load_tokenizer(self.tokenizer_file))
        splitter = TokenSplitter(count, self.chunk_tokens, self.overlap_tokens)
        return Chunker(splitter, count, self.header_tokens)


def read_document(
    index: int, item: WorkItem, chunker: Chunker, limits: Limits = DEFAULT_LIMITS
) -> Iterator[Event]:
    """One document's events: chunks page by page, then read or rejected."""
    file = item.file
    try:
        doc = open_document(Path(file.disk_path), limits, LoadOptions(ocr=limits.ocr))
        doc.title = escape_undecodable(doc.title)  # e.g. a file name's stem
        identity = DocumentIdentity(
            file.source, file.abs_path, item.doc_hash, doc.title, doc.page_kind, str(file.ctime_ns)
        )
        pages: set[int] = set()
        count = 0
        batch: list[Chunk] = []
        for page, chunk in chunker.chunks(identity, doc.pages):
            if batch and (page.number not in pages or len(batch) >= MESSAGE_CHUNKS):
                yield ChunksRead(index, tuple(batch))
                batch = []
            pages.add(page.number)
            batch.append(chunk)
            count += 1
            if count > limits.max_file_chunks:
                raise LimitReached(
                    f"more than {limits.max_file_chunks:,} chunks", "max_file_chunks"
                )
        if batch:
            yield ChunksRead(index, tuple(batch))
        if count == 0:
            raise LoadError("no text found", "nothing to index in this file")
    except UnsupportedFile as err:
        yield DocumentRejected(index, str(err), skipped=True)
        return
    except LoadError as err:
        yield DocumentRejected(index, str(err), skipped=False)
        return
    except Exception as err:  # noqa: BLE001 - e.g. MemoryError, or the splitter's own bug
        yield DocumentRejected(index, str(as_load_error(err)), skipped=False)
        return
    pages_seen = max(pages, default=0)
    yield DocumentRead(index, doc.title, doc.page_kind, pages_seen, count, tuple(doc.warnings))


def read_inline(
    work: Sequence[WorkItem],
    chunker: Chunker,
    limits: Limits = DEFAULT_LIMITS,
    read: Callable[[int, WorkItem, Chunker, Limits], Iterator[Event]] = read_document,
) -> Iterator[Event]:
    for index, item in enumerate(work):
        yield from read(index, item, chunker, limits)
