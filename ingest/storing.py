"""What one reading's events come to: each chunk to the batch writer, a file read in full
recorded in the catalog once all its chunks are stored (and only then reported added or
updated), a file rejected reported skipped or failed and remembered (ingest/failures.py).
Apart from pipeline.py because this is the per-event bookkeeping of one batch of work;
pipeline.py decides what to read (scan, plan, moves) and how (a helper process or inline)."""

from __future__ import annotations

import dataclasses
import functools
from datetime import UTC, datetime

from localqa.ingest.batches import BatchWriter
from localqa.ingest.excludes import lock_file
from localqa.ingest.failures import IngestMemory
from localqa.ingest.progress import Progress
from localqa.ingest.reader import ChunksRead, DocumentRead, DocumentRejected, Event
from localqa.ingest.remembering import remembered
from localqa.ingest.report import IngestReport
from localqa.ingest.scan import WorkItem
from localqa.schema import FileProblem, IndexedDocument


class Storing:
    """Applies the events of reading `work` (`apply`, in the reader's order) to `writer`,
    `report`, `memory` and `progress`; the absolute path of each file that failed or was
    skipped goes to `failed_now`."""

    def __init__(
        self,
        work: list[WorkItem],
        writer: BatchWriter,
        report: IngestReport,
        memory: IngestMemory,
        progress: Progress,
        failed_now: set[str],
    ) -> None:
        self._work = work
        self._writer = writer
        self._report = report
        self._memory = memory
        self._progress = progress
        self._failed_now = failed_now
        self._ocr: set[int] = set()  # items with text read by OCR

    def apply(self, event: Event) -> None:
        work, writer, report = self._work, self._writer, self._report
        item = work[event.item]
        source = item.file.source
        if isinstance(event, ChunksRead):
            for chunk in event.chunks:
                writer.add(chunk)
                if chunk.ocr_confidence is not None:
                    self._ocr.add(event.item)
            return
        if event.item + 1 < len(work):  # the reader reads the files in order
            self._progress.reading(work[event.item + 1].file.source, work[event.item + 1].file.size)
        if isinstance(event, DocumentRejected):
            event = lock_file_skipped(event, source)
            if event.skipped:
                report.skipped.append(FileProblem(source, event.reason))
            else:
                writer.discard(item.file.abs_path)
                report.failed.append(FileProblem(source, event.reason))
            self._failed_now.add(item.file.abs_path)
            self._memory.failed(remembered(item, event.reason, event.skipped))
            outcome = "skipped" if event.skipped else "failed"
            self._progress.file_done(source, outcome, 0, event.reason, item.file.size)
        else:
            report.warnings.extend(FileProblem(source, w) for w in event.warnings)
            record = _record(item, event.title, event.page_kind, event.last_page)
            writer.complete(record, functools.partial(self._committed, item, event))

    def _committed(self, item: WorkItem, event: DocumentRead) -> None:
        report = self._report
        self._memory.stored(item.file.abs_path, item.doc_hash, event.warnings)
        source = item.file.source
        (report.updated if item.previous else report.added).append(source)
        report.pages += event.last_page
        outcome = "updated" if item.previous else "added"
        said = any(w.startswith("read by OCR") for w in event.warnings)  # the PDF loader's
        notes = ["read by OCR"] if event.item in self._ocr and not said else []
        if event.warnings:
            more = len(event.warnings) - 1
            notes.append(f"warning: {event.warnings[0]}" + (f" (+{more} more)" if more else ""))
        self._progress.file_done(source, outcome, event.chunks, "; ".join(notes), item.file.size)


def lock_file_skipped(event: DocumentRejected, source: str) -> DocumentRejected:
    """`event` as a skip, with why, where its file is an Office lock file (`~$*`:
    ingest/excludes.py); else `event` as it is."""
    if event.skipped or not (reason := lock_file(source)):
        return event
    return dataclasses.replace(event, reason=reason, skipped=True)


def _record(item: WorkItem, title: str, page_kind: str, last_page: int) -> IndexedDocument:
    file = item.file
    return IndexedDocument(
        abs_path=file.abs_path,
        source=file.source,
        root=file.root,
        doc_hash=item.doc_hash,
        size=file.size,
        mtime_ns=file.mtime_ns,
        ctime_ns=file.ctime_ns,
        title=title,
        page_kind=page_kind,
        last_page=last_page,
        ingested_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
