"""Ingest into a shared index beside other runs (localqa/store/sharing.py): any number of
`localqa ingest` runs, on one machine or several, over the same folder or different ones.

Each run plans as a lone run does (what is new, changed, unchanged, gone), then takes its
work a few documents at a time, each claimed for it alone, and reads, embeds and commits
them as a lone run does. A document another run holds is left to it; once nothing is left
to claim, the run waits for the documents others still hold: done by them, or given up
(a run that dies stops renewing its claims, and they run out: this run then takes them).
So every document is written once, and the run's report lists the files it did and counts
those the others did (`IngestReport.by_others`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import cast

from localqa.embedding.embedder import Embedder
from localqa.ingest.pipeline import Ingestor
from localqa.ingest.progress import Progress
from localqa.ingest.report import IngestReport
from localqa.ingest.scan import WorkItem
from localqa.sections import IngestSettings
from localqa.store.base import IndexWriter
from localqa.store.sharing import SharedIndexWriter, WorkClaims

# Documents claimed at a time: a quarter of what is left, so that runs starting together
# share even a small folder, between MIN_BATCH and MAX_BATCH: each batch starts a reader
# process (about a second, several on a loaded machine), so a few files go in one.
MIN_BATCH = 4
MAX_BATCH = 16


class SharedIngestor(Ingestor):
    """`Ingestor` for a store several runs write at once."""

    def __init__(
        self,
        index: SharedIndexWriter,
        embedder: Embedder,
        settings: IngestSettings,
        progress: Progress | None = None,
        *,
        own_process: bool = False,
        retry_failed: bool = False,
        never: Sequence[Path] = (),
    ) -> None:
        super().__init__(
            index,
            embedder,
            settings,
            progress,
            own_process=own_process,
            retry_failed=retry_failed,
            never=never,
        )
        self._shared = index
        self._claims: WorkClaims | None = None

    @contextmanager
    def _writing(self) -> Iterator[object]:
        with self._shared.sharing() as claims:
            self._claims = claims
            try:
                yield claims
            finally:
                self._claims = None

    def _ingest_work(self, work: list[WorkItem], report: IngestReport) -> None:
        claims = self._claims
        assert claims is not None, "inside _writing only"
        remaining = {item.file.abs_path: item for item in work}
        with self._progress_over(work):
            self._claim_and_ingest(claims, remaining, report)
        report.by_others = claims.done_elsewhere([item.file.abs_path for item in work])

    def _claim_and_ingest(
        self, claims: WorkClaims, remaining: dict[str, WorkItem], report: IngestReport
    ) -> None:
        """Claim batches of `remaining` and ingest them until every file is done here or
        by another run."""
        while remaining:
            limit = min(MAX_BATCH, max(MIN_BATCH, len(remaining) // 4))
            mine = claims.claim([(p, i.doc_hash) for p, i in remaining.items()], limit)
            if mine:
                self._ingest_counted([remaining.pop(path) for path in mine], report)
                claims.settle()  # those it failed or skipped: the next run tries them
                continue
            held = claims.held_elsewhere(list(remaining))
            remaining = {p: i for p, i in remaining.items() if p in held}
            if remaining:
                time.sleep(self._shared.poll_s)

    def _ingest_counted(self, batch: list[WorkItem], report: IngestReport) -> None:
        """`_ingest` of one batch, its counts added to those of the batches before."""
        before = (report.embed_seconds, report.store_seconds, report.chunks_written)
        chars, sample = report.chars_written, report.script_sample
        self._ingest(batch, report)
        report.embed_seconds += before[0]
        report.store_seconds += before[1]
        report.chunks_written += before[2]
        report.chars_written += chars
        report.script_sample = sample or report.script_sample


def make_ingestor(
    index: IndexWriter,
    embedder: Embedder,
    settings: IngestSettings,
    progress: Progress | None = None,
    *,
    own_process: bool = False,
    retry_failed: bool = False,
    never: Sequence[Path] = (),
) -> Ingestor:
    """The ingestor for `index`: one that shares the work with other runs where the store
    allows several at once, else the lone `Ingestor`."""
    if callable(getattr(type(index), "sharing", None)):  # the type's: no property is run
        shared = cast(SharedIndexWriter, index)
        return SharedIngestor(
            shared,
            embedder,
            settings,
            progress,
            own_process=own_process,
            retry_failed=retry_failed,
            never=never,
        )
    return Ingestor(
        index,
        embedder,
        settings,
        progress,
        own_process=own_process,
        retry_failed=retry_failed,
        never=never,
    )
