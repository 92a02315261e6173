"""`localqa ingest`: load, split, embed and store, only what changed, crash-safely.

Chunks from several files share embedding batches (small files would otherwise waste
the embedder); a file is committed, and so becomes visible, only once all its chunks
are stored. See localqa/catalog.py for why a kill at any moment is harmless.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from ingest.chunking import Chunker, DocumentIdentity, header_budget
from ingest.loaders import open_document
from ingest.loaders.base import LoadError, UnsupportedFile
from ingest.progress import PlainProgress, Progress
from ingest.report import IngestReport
from ingest.scan import WorkItem, make_plan, scan
from ingest.splitter import TokenSplitter
from localqa.catalog import DocumentRecord
from localqa.embedder import Embedder
from localqa.index import Index
from localqa.schema import Chunk, FileProblem

PIPELINE_VERSION = "1"


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
            self.embed_seconds += time.perf_counter() - started
            # rows before vectors: every vector then has a row, so orphans are findable
            self._index.catalog.add_chunks(chunks)
            self._index.vectors.upsert([c.id for c in chunks], vectors,
                                       [c.abs_path for c in chunks])  # fmt: skip
            self.written += len(chunks)
            self._progress.chunks_stored(len(chunks))
        for record in self._complete:
            self._index.catalog.commit_document(record)
            self._index.collect_orphans(record.abs_path)  # the replaced version
        self._complete = []


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
        with self._index.writer_lock():
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
                self._ingest(plan.new + plan.changed, report)
        report.chunks = self._index.catalog.chunk_count()
        report.seconds = time.perf_counter() - started
        return report

    def _ingest(self, work: list[WorkItem], report: IngestReport) -> None:
        settings = self._index.settings
        count = self._embedder.count_tokens
        splitter = TokenSplitter(count, settings.chunk_tokens, settings.chunk_overlap_tokens)
        chunker = Chunker(
            splitter, count, header_budget(self._embedder.max_tokens, settings.chunk_tokens)
        )
        writer = BatchWriter(self._index, self._embedder, self._batch, self._progress)
        self._progress.start(len(work))
        try:
            for item in work:
                self._ingest_file(item, chunker, writer, report)
            writer.flush()
        finally:
            self._progress.finish()
        report.embed_seconds = writer.embed_seconds
        report.chunks_written = writer.written

    def _ingest_file(
        self, item: WorkItem, chunker: Chunker, writer: BatchWriter, report: IngestReport
    ) -> None:
        file = item.file
        try:
            doc = open_document(Path(file.abs_path))
            identity = DocumentIdentity(
                file.source, file.abs_path, item.doc_hash, doc.title, doc.page_kind
            )
            pages: set[int] = set()
            chunks = 0
            for page, chunk in chunker.chunks(identity, doc.pages):
                pages.add(page.number)
                writer.add(chunk)
                chunks += 1
            if chunks == 0:
                raise LoadError("no text found", "nothing to index in this file")
        except UnsupportedFile as err:
            report.skipped.append(FileProblem(file.source, str(err)))
            self._progress.file_done(file.source, "skipped", 0)
            return
        except LoadError as err:
            writer.discard(file.abs_path)
            report.failed.append(FileProblem(file.source, str(err)))
            self._progress.file_done(file.source, "failed", 0)
            return
        report.warnings.extend(FileProblem(file.source, w) for w in doc.warnings)
        writer.complete(_record(item, doc.title, doc.page_kind, max(pages, default=0)))
        (report.updated if item.previous else report.added).append(file.source)
        report.pages += len(pages)
        self._progress.file_done(file.source, "updated" if item.previous else "added", chunks)


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
