"""`localqa ingest`: load, split, embed and store, only what changed, crash-safely.

Chunks from several files share embedding batches (small files would otherwise waste
the embedder); a file is committed, and so becomes visible, only once all its chunks
are stored. See localqa/catalog.py for why a kill at any moment is harmless.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from ingest.chunking import Chunker, header_budget
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
from localqa.catalog import DocumentRecord
from localqa.embedder import Embedder, SentenceTransformerEmbedder
from localqa.index import Index
from localqa.schema import Chunk, FileProblem

PIPELINE_VERSION = "1"
# Below this much input, starting a reader process costs more than it saves.
BACKGROUND_BYTES = 2_000_000


class BatchWriter:
    """Buffers chunks across files; embeds and stores them in full batches."""

    def __init__(self, index: Index, embedder: Embedder, batch: int, progress: Progress) -> None:
        self._index = index
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
        self._index.collect_orphans(abs_path)

    def flush(self) -> None:
        chunks, self._chunks = self._chunks, []
        if chunks:
            started = time.perf_counter()
            vectors = self._embedder.embed([c.embedding_text() for c in chunks])
            stored = time.perf_counter()
            self.embed_seconds += stored - started
            # rows before vectors: every vector then has a row, so orphans are findable
            self._index.catalog.add_chunks(chunks)
            self._index.vectors.upsert([c.id for c in chunks], vectors,
                                       [c.abs_path for c in chunks])  # fmt: skip
            self.written += len(chunks)
            self.store_seconds += time.perf_counter() - stored
            self._progress.chunks_stored(len(chunks))
        started = time.perf_counter()
        for record in self._complete:
            self._index.catalog.commit_document(record)
            self._index.collect_orphans(record.abs_path)  # the replaced version
        self._complete = []
        self.store_seconds += time.perf_counter() - started


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
        with self._index.writing():
            self._index.collect_orphans()  # leftovers of an interrupted run
            plan, unreadable = make_plan(self._index.catalog, files, folders, self._salt)
            report.failed.extend(unreadable)
            report.unchanged = [f.source for f in plan.unchanged]
            if dry_run:
                report.added = [w.file.source for w in plan.new]
                report.updated = [w.file.source for w in plan.changed]
                report.removed = [d.source for d in plan.removed]
            else:
                for doc in plan.removed:
                    self._index.forget(doc)
                    report.removed.append(doc.source)
                if work := plan.new + plan.changed:
                    self._ingest(work, report)
        report.chunks = self._index.catalog.chunk_count()
        report.seconds = time.perf_counter() - started
        return report

    def _ingest(self, work: list[WorkItem], report: IngestReport) -> None:
        writer = BatchWriter(self._index, self._embedder, self._batch, self._progress)
        self._progress.start(len(work))
        events = self._read(work)
        # torch's embedder leaves the reader process a core while it reads
        sharing: SentenceTransformerEmbedder | None = None
        embedder = self._embedder
        if isinstance(events, BackgroundReader) and isinstance(
            embedder, SentenceTransformerEmbedder
        ):
            sharing = embedder
            sharing.share_cores(events.reading)
        try:
            for event in events:
                self._apply(event, work, writer, report)
            writer.flush()
        finally:
            if sharing is not None:
                sharing.share_cores(None)
            self._progress.finish()
        report.embed_seconds = writer.embed_seconds
        report.store_seconds = writer.store_seconds
        report.chunks_written = writer.written

    def _read(self, work: list[WorkItem]) -> Iterable[Event]:
        """Read in a helper process for big jobs (overlapping the embedder), else inline."""
        settings = self._index.settings
        budget = header_budget(self._embedder.max_tokens, settings.chunk_tokens)
        tokenizer = self._embedder.tokenizer_file
        mode = settings.reader_process
        big = sum(w.file.size for w in work) >= BACKGROUND_BYTES
        if tokenizer and (mode == "always" or (mode == "auto" and big)):
            spec = ChunkerSpec(
                str(tokenizer), settings.chunk_tokens, settings.chunk_overlap_tokens, budget
            )
            return BackgroundReader(work, spec)
        count = self._embedder.count_tokens
        splitter = TokenSplitter(count, settings.chunk_tokens, settings.chunk_overlap_tokens)
        return read_inline(work, Chunker(splitter, count, budget))

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
            writer.complete(_record(item, event.title, event.page_kind, event.pages))
            (report.updated if item.previous else report.added).append(source)
            report.pages += event.pages
            outcome = "updated" if item.previous else "added"
            self._progress.file_done(source, outcome, event.chunks)


def _record(item: WorkItem, title: str, page_kind: str, pages: int) -> DocumentRecord:
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
        pages=pages,
        ingested_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
