"""Reading and splitting documents, inline or in a helper process beside the embedder.

pypdf and the splitter are pure Python: in the embedding process they would hold the GIL
while torch waits. A helper process reads and splits the next documents while the main
process embeds, and hands over chunks through a bounded queue (memory stays flat).
Both modes produce the same ordered stream of events.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import signal
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.chunking import Chunker, DocumentIdentity
from ingest.loaders import open_document
from ingest.loaders.base import LoadError, LoadOptions, UnsupportedFile
from ingest.scan import WorkItem
from ingest.splitter import TokenSplitter
from localqa.schema import Chunk

if TYPE_CHECKING:
    from multiprocessing.synchronize import Event as EventFlag

# Messages the reader may run ahead of the embedder, each one page's chunks or at most
# MESSAGE_CHUNKS of them: enough to read a 600-page PDF long before its embedding is done,
# so the two share the cores only briefly, while at most 32k chunks (tens of MB) wait,
# whatever the size of the document.
QUEUE_MESSAGES = 1024
MESSAGE_CHUNKS = 32
POLL_SECONDS = 1.0


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
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(self.tokenizer_file)
        tokenizer.no_truncation()  # tokenizer.json may carry both; they would cap counts
        tokenizer.no_padding()

        def count(text: str) -> int:
            return len(tokenizer.encode(text, add_special_tokens=False).ids)

        splitter = TokenSplitter(count, self.chunk_tokens, self.overlap_tokens)
        return Chunker(splitter, count, self.header_tokens)


def read_document(
    index: int, item: WorkItem, chunker: Chunker, options: LoadOptions | None = None
) -> Iterator[Event]:
    """One document's events: chunks page by page, then read or rejected."""
    file = item.file
    try:
        doc = open_document(Path(file.abs_path), options)
        identity = DocumentIdentity(
            file.source, file.abs_path, item.doc_hash, doc.title, doc.page_kind
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
    pages_seen = max(pages, default=0)
    yield DocumentRead(index, doc.title, doc.page_kind, pages_seen, count, tuple(doc.warnings))


def read_inline(
    work: Sequence[WorkItem], chunker: Chunker, options: LoadOptions | None = None
) -> Iterator[Event]:
    for index, item in enumerate(work):
        yield from read_document(index, item, chunker, options)


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: Linux only


def _produce(
    spec: ChunkerSpec,
    work: list[WorkItem],
    out: multiprocessing.Queue[object],
    busy: EventFlag,
    options: LoadOptions | None = None,
) -> None:
    """The reader process: events onto `out`; `busy` is set while it reads and clear while
    it waits for room in the queue or has finished."""
    _die_with_parent()
    parent = os.getppid()

    def put(message: object) -> None:
        try:
            out.put(message, block=False)
            return
        except queue.Full:
            busy.clear()  # waiting for room is not reading: the embedder may take the core
        while True:
            try:
                out.put(message, timeout=POLL_SECONDS)
                busy.set()
                return
            except queue.Full:
                if os.getppid() != parent:  # the embedding process is gone: stop
                    os._exit(0)

    busy.set()
    try:
        chunker = spec.build()
        for event in read_inline(work, chunker, options):
            put(event)
    except Exception:  # noqa: BLE001 - a bug, not a bad file: report it whole to the parent
        put(("crash", traceback.format_exc()))
    busy.clear()
    put(("end", ""))


class BackgroundReader:
    """Reads and splits `work` in a helper process; iterate once for its events.
    `reading()` says whether the helper is working now (not finished, not waiting for
    room in the queue), so that the embedder can leave it a core meanwhile."""

    def __init__(
        self, work: Sequence[WorkItem], spec: ChunkerSpec, options: LoadOptions | None = None
    ) -> None:
        context = multiprocessing.get_context("spawn")  # no fork of a process holding torch
        self._out: multiprocessing.Queue[object] = context.Queue(QUEUE_MESSAGES)
        self._busy = context.Event()
        self._process = context.Process(
            target=_produce,
            args=(spec, list(work), self._out, self._busy, options),
            daemon=True,
        )
        self._process.start()

    def reading(self) -> bool:
        return self._busy.is_set()

    def __iter__(self) -> Iterator[Event]:
        try:
            yield from _drain(self._out, self._process.is_alive)
        finally:
            if self._process.is_alive():
                self._process.kill()
            self._process.join(timeout=10)


def _drain(out: multiprocessing.Queue[object], alive: Callable[[], bool]) -> Iterator[Event]:
    while True:
        try:
            message = out.get(timeout=POLL_SECONDS)
        except queue.Empty:
            if not alive():
                raise RuntimeError("the document reader process died unexpectedly") from None
            continue
        if isinstance(message, tuple):
            kind, detail = message
            if kind == "crash":
                raise RuntimeError(f"the document reader failed:\n{detail}")
            return
        assert isinstance(message, ChunksRead | DocumentRead | DocumentRejected)
        yield message
