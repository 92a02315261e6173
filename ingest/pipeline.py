"""`localqa ingest`: load, split, embed and store, only what changed, crash-safely.

Chunks from several files share embedding batches (small files would otherwise waste
the embedder); a file is committed, and so becomes visible, only once all its chunks
are stored. The index owns the write order that makes a kill at any moment harmless
(`Index.store`); ingest only says what to store.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ingest.chunking import Chunker, header_budget
from ingest.dryrun import expected_outcome
from ingest.loaders.base import LoadOptions
from ingest.progress import PlainProgress, Progress
from ingest.reader import (
    BackgroundReader,
    ChunkerSpec,
    ChunksRead,
    DocumentRejected,
    Event,
    read_inline,
)
from ingest.report import IngestReport
from ingest.scan import WorkItem, make_plan, scan
from ingest.splitter import TokenSplitter
from localqa.embedding.embedder import Embedder
from localqa.schema import Chunk, FileProblem
from localqa.store.chunkstore import DocumentRecord
from localqa.store.index import Index

# 2: text repairs (ingest/textfix.py), OCR, DOCX notes, XLSX formulas, file lines: re-read all
PIPELINE_VERSION = "2"
# Below this much input, starting a reader process costs more than it saves.
BACKGROUND_BYTES = 2_000_000


class BatchWriter:
    """Buffers chunks across files; embeds and stores them in full batches."""

    def __init__(
        self,
        index: Index,
        embedder: Embedder,
        batch: int,
        progress: Progress,
        reader_busy: Callable[[], bool] = lambda: False,
    ) -> None:
        self._index = index
        self._reader_busy = reader_busy
        self._embedder = embedder
        self._batch = batch
        self._progress = progress
        self._chunks: list[Chunk] = []
        self._complete: list[DocumentRecord] = []
        self.embed_seconds = 0.0
        self.store_seconds = 0.0
        self.written = 0

    def add(self, chunk: Chunk) -> None:
        self._chunks.append(chunk)
        if len(self._chunks) >= self._batch:
            self.flush()

    def complete(self, record: DocumentRecord) -> None:
        """All of this document's chunks have been added; commit it at the next flush."""
        self._complete.append(record)

    def discard(self, abs_path: str) -> None:
        """Drop a failed document's unstored chunks; stored ones become orphans."""
        self._chunks = [c for c in self._chunks if c.abs_path != abs_path]
        self._index.discard(abs_path)

    def flush(self) -> None:
        chunks, self._chunks = self._chunks, []
        complete, self._complete = self._complete, []
        started = time.perf_counter()
        vectors = np.zeros((0, 0), dtype=np.float32)
        if chunks:
            spare = 1 if self._reader_busy() else 0
            vectors = self._embedder.embed([c.embedding_text() for c in chunks], spare_cores=spare)
        stored = time.perf_counter()
        self.embed_seconds += stored - started
        self._index.store(chunks, vectors, complete)
        self.store_seconds += time.perf_counter() - stored
        if chunks:
            self.written += len(chunks)
            self._progress.chunks_stored(len(chunks))


class Ingestor:
    def __init__(
        self,
        index: Index,
        embedder: Embedder,
        progress: Progress | None = None,
    ) -> None:
        settings = index.settings
        self._index = index
        self._embedder = embedder
        self._progress = progress or PlainProgress()
        self._salt = (
            f"{PIPELINE_VERSION}|{embedder.name}|{settings.chunk_tokens}|"
            f"{settings.chunk_overlap_tokens}"
        )
        self._batch = max(settings.embed_batch_size * 2, 64)

    def run(self, paths: Sequence[Path], dry_run: bool = False) -> IngestReport:
        started = time.perf_counter()
        report = IngestReport(dry_run=dry_run)
        files, folders, missing = scan(paths)
        report.failed.extend(missing)
        if dry_run:  # reads only: no lock, no clean-up, no stored sizes or times updated
            plan, unreadable = make_plan(self._index.chunk_store, files, folders, self._salt,
                                         dry_run=True)  # fmt: skip
            report.failed.extend(unreadable)
            report.unchanged = [f.source for f in plan.unchanged]
            report.removed = [d.source for d in plan.removed]
            self._foresee(plan.new + plan.changed, report)
        else:
            with self._index.writing():
                self._index.collect_orphans()  # leftovers of an interrupted run
                plan, unreadable = make_plan(self._index.chunk_store, files, folders, self._salt)
                report.failed.extend(unreadable)
                report.unchanged = [f.source for f in plan.unchanged]
                for doc in plan.removed:
                    self._index.forget(doc)
                    report.removed.append(doc.source)
                if work := plan.new + plan.changed:
                    self._ingest(work, report)
        report.chunks = self._index.chunk_store.chunk_count()
        report.seconds = time.perf_counter() - started
        return report

    def _foresee(self, work: list[WorkItem], report: IngestReport) -> None:
        """Dry run: each file the real run would read goes to added or updated, or to
        skipped or failed when opening it shows the real run would skip or fail it."""
        options = LoadOptions(ocr=self._index.settings.ocr)
        for item in work:
            outcome = expected_outcome(Path(item.file.abs_path), options)
            if outcome is None:
                (report.updated if item.previous else report.added).append(item.file.source)
            else:
                problem = FileProblem(item.file.source, outcome.reason)
                (report.skipped if outcome.verdict == "skip" else report.failed).append(problem)

    def _ingest(self, work: list[WorkItem], report: IngestReport) -> None:
        self._progress.start(len(work))
        events = self._read(work)
        # the embedder leaves the reader process a core while it reads
        busy = events.reading if isinstance(events, BackgroundReader) else lambda: False
        writer = BatchWriter(self._index, self._embedder, self._batch, self._progress, busy)
        try:
            for event in events:
                self._apply(event, work, writer, report)
            writer.flush()
        finally:
            self._progress.finish()
        report.embed_seconds = writer.embed_seconds
        report.store_seconds = writer.store_seconds
        report.chunks_written = writer.written

    def _read(self, work: list[WorkItem]) -> Iterable[Event]:
        """Read in a helper process for big jobs (overlapping the embedder), else inline."""
        settings = self._index.settings
        budget = header_budget(self._embedder.max_tokens, settings.chunk_tokens)
        tokenizer = self._embedder.tokenizer_file
        options = LoadOptions(ocr=settings.ocr)
        mode = settings.reader_process
        big = sum(w.file.size for w in work) >= BACKGROUND_BYTES
        if tokenizer and (mode == "always" or (mode == "auto" and big)):
            spec = ChunkerSpec(
                str(tokenizer), settings.chunk_tokens, settings.chunk_overlap_tokens, budget
            )
            return BackgroundReader(work, spec, options)
        count = self._embedder.count_tokens
        splitter = TokenSplitter(count, settings.chunk_tokens, settings.chunk_overlap_tokens)
        return read_inline(work, Chunker(splitter, count, budget), options)

    def _apply(
        self, event: Event, work: list[WorkItem], writer: BatchWriter, report: IngestReport
    ) -> None:
        item = work[event.item]
        source = item.file.source
        if isinstance(event, ChunksRead):
            for chunk in event.chunks:
                writer.add(chunk)
        elif isinstance(event, DocumentRejected):
            if event.skipped:
                report.skipped.append(FileProblem(source, event.reason))
            else:
                writer.discard(item.file.abs_path)
                report.failed.append(FileProblem(source, event.reason))
            self._progress.file_done(source, "skipped" if event.skipped else "failed", 0)
        else:
            report.warnings.extend(FileProblem(source, w) for w in event.warnings)
            writer.complete(_record(item, event.title, event.page_kind, event.last_page))
            (report.updated if item.previous else report.added).append(source)
            report.pages += event.last_page
            outcome = "updated" if item.previous else "added"
            self._progress.file_done(source, outcome, event.chunks)


def _record(item: WorkItem, title: str, page_kind: str, last_page: int) -> DocumentRecord:
    file = item.file
    return DocumentRecord(
        abs_path=file.abs_path,
        source=file.source,
        root=file.root,
        doc_hash=item.doc_hash,
        size=file.size,
        mtime_ns=file.mtime_ns,
        title=title,
        page_kind=page_kind,
        last_page=last_page,
        ingested_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
