"""`localqa ingest`: load, split, embed and store, only what changed, crash-safely.

Chunks from several files share embedding batches (small files would otherwise waste
the embedder); a file is committed, and so becomes visible, only once all its chunks
are stored, and only then is it reported `added`: what a run reports is in the index,
even when a later file or the run itself fails. The index owns the write order that
makes a kill at any moment harmless (`Index.store`); ingest only says what to store.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from localqa.embedding.coverage import script_note
from localqa.embedding.embedder import Embedder
from localqa.ingest.background import BackgroundReader, ReadFunction
from localqa.ingest.batches import BatchWriter
from localqa.ingest.chunking import Chunker, header_budget
from localqa.ingest.dryrun import foresee_document
from localqa.ingest.failures import IngestMemory
from localqa.ingest.loaders.limits import Limits
from localqa.ingest.moves import apply_moves, find_moves
from localqa.ingest.placing import place
from localqa.ingest.progress import PlainProgress, Progress
from localqa.ingest.reader import (
    ChunkerSpec,
    DocumentRead,
    DocumentRejected,
    Event,
    read_document,
    read_inline,
)
from localqa.ingest.remembering import recall, settle
from localqa.ingest.report import IngestReport
from localqa.ingest.scan import Plan, SourceFile, WorkItem, make_plan, scan
from localqa.ingest.splitter import TokenSplitter
from localqa.ingest.storing import Storing, lock_file_skipped
from localqa.schema import FileProblem
from localqa.sections import IngestSettings
from localqa.store.base import IndexWriter

# 2: chunks break at CJK sentence punctuation (ingest/splitter.py); text repairs
# (ingest/textfix.py), OCR, DOCX notes, XLSX formulas, file lines: re-read every file.
# 3: chunk text keeps compatibility punctuation, powers, indices and fractions as written
# (`，`, `km²`; indexes of 2 quote `,`, `km2`).
# 4: what is embedded and searched names the file (`Chunk.embedding_text`: "budget-2024"),
# and a piece of text ends with its full stop, not the next one starting with it
# (ingest/splitter.py; ". Курить ..." in indexes of 3).
# 5: every chunk's header carries what the first pages say the document is about
# (ingest/subject.py: "3M COMPANY · fiscal year 2018 FY2018"), and PDF pages in columns
# drawn row by row are read column by column (ingest/loaders/pdf_columns.py).
# 6: a Markdown, reStructuredText, Org or HTML document's title is the one it states (its
# first level-1 heading, front-matter `title:`, `#+TITLE:`, an HTML page's first <h1>
# without a <title>: ingest/loaders/markup.py), not its file name; titles are in what is
# embedded and searched (`Chunk.embedding_text`), so every file is read again; and an XLSX
# number cell reads once, as Excel shows it ("19,984,378", no longer "19,984,378
# (19984378)": ingest/loaders/xlsx.py).
PIPELINE_VERSION = "6"


class Ingestor:
    """Ingests paths into `index`, as `settings` (the ingest section) says. `own_process`:
    this process is localqa's own program (the `localqa` command), so its whole memory and
    the reader's together are held to `ingest_memory_mb`; False where localqa runs inside
    another program (a test session), whose memory is the host's: then only the reader's
    is bounded (`reader_memory_mb`)."""

    def __init__(
        self,
        index: IndexWriter,
        embedder: Embedder,
        settings: IngestSettings,
        progress: Progress | None = None,
        *,
        own_process: bool = False,
        retry_failed: bool = False,
        never: Sequence[Path] = (),
    ) -> None:
        self._never = never  # localqa's own folders: never ingested (scan)
        self._settings = settings
        self._own_process = own_process
        self._index = index
        self._embedder = embedder
        self._progress = progress or PlainProgress()
        # Every setting that changes chunk text, so that changing one re-reads every file.
        self._salt = f"{PIPELINE_VERSION}|{embedder.name}|{settings.text_fingerprint()}"
        self._batch = max(settings.embed_batch_size * 2, 64)
        # a store with a folder keeps the memory there (the shared index: its folder on
        # this machine); one without remembers one run
        folder = getattr(index, "memory_folder", getattr(index, "path", None))
        self.memory = IngestMemory(folder if isinstance(folder, Path) else None, self._reading())
        if retry_failed:
            self.memory.forget_failures()
        self._failed_now: set[str] = set()
        self.report = IngestReport()
        self._work: list[WorkItem] = []  # what this run reads, embeds and stores

    def _reading(self) -> str:
        """What decides how a file reads: chunk text and every per-file limit."""
        settings = dataclasses.asdict(self._settings)
        settings.pop("embed_batch_size")
        return f"{self._salt}|{sorted(settings.items())}"

    def run(self, paths: Sequence[Path], dry_run: bool = False) -> IngestReport:
        started = time.perf_counter()
        report = self.report = IngestReport(dry_run=dry_run)  # read on an interruption
        scanned_ns = time.time_ns()  # before any file is looked at (scan.make_plan)
        found = scan(
            paths, self._settings.follow_outside_links, self._settings.exclude, self._never
        )
        files, folders = found.files, found.folders
        report.failed.extend(found.failed)
        report.skipped.extend(found.skipped)
        report.warnings.extend(found.notes)
        if dry_run:  # reads only: no lock, no clean-up, no stored sizes or times updated
            files, folders = place(self._index, files, folders, name=False)
            plan, unreadable = self._plan(files, folders)
            report.failed.extend(unreadable)
            report.unchanged = [f.source for f in plan.unchanged]
            report.removed = [d.source for d in plan.removed]
            report.moved = [f"{f.source} (was {d.abs_path})" for f, d in plan.moved]
            recall(self.memory, plan, report)
            self._foresee(plan.new + plan.changed, report)
        else:
            with self._writing():
                self._index.collect_orphans()  # leftovers of an interrupted run
                if upgraded := self._index.upgrade_lexical():
                    report.notes.append(
                        "search index upgraded (Chinese, Japanese and Korean text as "
                        "bigrams, abbreviations as their words): "
                        f"{upgraded} chunks re-indexed (no document re-read)"
                    )
                trust = self._salt_unchanged()
                files, folders = place(self._index, files, folders, True, report.warnings)
                plan, unreadable = self._plan(files, folders)
                for file in plan.touched:
                    self._index.touch(file.abs_path, file.size, file.mtime_ns, file.ctime_ns)
                report.failed.extend(unreadable)
                report.unchanged = [f.source for f in plan.unchanged]
                recall(self.memory, plan, report)
                for doc in plan.removed:
                    self._index.forget(doc)
                    report.removed.append(doc.source)
                if plan.moved:
                    embed = functools.partial(self._embedder.embed, spare_cores=0)
                    report.moved, report.moved_embedded = apply_moves(
                        self._index, plan.moved, embed
                    )
                if work := plan.new + plan.changed:
                    self._work = work
                    self._ingest_work(work, report)
                if not trust:  # every document read now has this salt
                    self._index.note_settings(self._salt)
                self._index.note_scan(scanned_ns)
                settle(self.memory, plan, files, folders, self._failed_now)
        report.chunks = self._index.chunks.count()
        report.seconds = time.perf_counter() - started
        if note := script_note(self._embedder.coverage, report.script_sample):
            report.notes.append(note)
        return report

    def stored(self) -> int:
        """Files of this run whose content the index holds now: after an interruption the
        report can lag the catalog (a batch committed while the interrupt unwound is kept
        but was never reported), so the catalog is asked."""
        catalog = self._index.catalog
        held = 0
        for item in self._work:
            with contextlib.suppress(Exception):  # a store the interrupt left unusable
                known = catalog.document(item.file.abs_path)
                held += known is not None and known.doc_hash == item.doc_hash
        return max(self.report.stored(), held + len(self.report.moved))

    def _writing(self) -> contextlib.AbstractContextManager[object]:
        """Hold the index for this run (ingest/shared.py: beside other runs)."""
        return self._index.writing()

    def _ingest_work(self, work: list[WorkItem], report: IngestReport) -> None:
        """Read, embed and store `work` (ingest/shared.py: the part this run claims)."""
        with self._progress_over(work):
            self._ingest(work, report)

    @contextlib.contextmanager
    def _progress_over(self, work: list[WorkItem]) -> Iterator[None]:
        """Progress counts over all of `work`, however many batches it is read in."""
        self._progress.start(len(work), sum(item.file.size for item in work))
        try:
            yield
        finally:
            self._progress.finish()

    def _plan(self, files: list[SourceFile], folders: list[Path]) -> tuple[Plan, list[FileProblem]]:
        plan, unreadable = make_plan(
            self._index.catalog,
            files,
            folders,
            self._salt,
            trust_stat=self._salt_unchanged(),
            last_scan_ns=self._index.last_scan_ns(),
            failed_before=self.memory.failures,
        )
        documents = self._index.catalog.documents() if plan.new else []
        find_moves(plan, documents, self._index.paths() if plan.new else None)
        return plan, unreadable

    def _salt_unchanged(self) -> bool:
        """Whether the settings that shape chunks and vectors are those of the last complete
        run (an index made before they were recorded counts as changed, once)."""
        return self._index.settings_fingerprint() == self._salt

    def _foresee(self, work: list[WorkItem], report: IngestReport) -> None:
        """Dry run: each file the real run would read goes to added or updated, or to
        skipped or failed when opening it (in the reader process, under the same limits)
        shows the real run would skip or fail it."""
        for event in self._read(work, foresee_document):
            item = work[event.item]
            if isinstance(event, DocumentRejected):
                event = lock_file_skipped(event, item.file.source)
                problem = FileProblem(item.file.source, event.reason)
                (report.skipped if event.skipped else report.failed).append(problem)
            elif isinstance(event, DocumentRead):
                (report.updated if item.previous else report.added).append(item.file.source)

    def _ingest(self, work: list[WorkItem], report: IngestReport) -> None:
        self._progress.reading(work[0].file.source, work[0].file.size)
        events = self._read(work)
        # the embedder leaves the reader process a core while it reads
        busy = events.reading if isinstance(events, BackgroundReader) else lambda: False
        writer = BatchWriter(self._index, self._embedder, self._batch, self._progress, busy)
        storing = Storing(work, writer, report, self.memory, self._progress, self._failed_now)
        try:
            for event in events:
                storing.apply(event)
            writer.flush()
        except Exception:
            # keep the documents read in full so far; the error itself is what to report
            with contextlib.suppress(Exception):
                writer.flush()
            raise
        report.embed_seconds = writer.embed_seconds
        report.store_seconds = writer.store_seconds
        report.chunks_written = writer.written
        report.chars_written = writer.chars
        report.script_sample = writer.script_sample

    def _read(self, work: list[WorkItem], read: ReadFunction = read_document) -> Iterable[Event]:
        """Read in a helper process (beside the embedder, under time and memory limits)
        unless the settings say never or the embedder has no fast tokenizer to give it;
        inline, only the loaders' own limits hold (sizes, pages, cells, chunks)."""
        settings = self._settings
        budget = header_budget(self._embedder.max_tokens, settings.chunk_tokens)
        tokenizer = self._embedder.tokenizer_file
        limits = Limits.from_settings(settings)
        if tokenizer and settings.reader_process != "never":
            spec = ChunkerSpec(
                str(tokenizer), settings.chunk_tokens, settings.chunk_overlap_tokens, budget
            )
            return BackgroundReader(work, spec, limits, read, beside_main=self._own_process)
        count = self._embedder.count_tokens
        splitter = TokenSplitter(count, settings.chunk_tokens, settings.chunk_overlap_tokens)
        return read_inline(work, Chunker(splitter, count, budget), limits, read)
