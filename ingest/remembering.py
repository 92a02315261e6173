"""What a run takes from, and leaves to, the ingest memory (ingest/failures.py): the
warnings and failures earlier runs met, into this run's report; this run's, after it."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from localqa.ingest.failures import IngestMemory, Remembered
from localqa.ingest.report import IngestReport
from localqa.ingest.scan import Plan, SourceFile, WorkItem
from localqa.schema import FileProblem


def remembered(item: WorkItem, reason: str, skipped: bool) -> Remembered:
    """The failure (or skip) of `item`'s file as it is now."""
    file = item.file
    return Remembered(
        file.abs_path,
        file.source,
        file.size,
        file.mtime_ns,
        file.ctime_ns,
        item.doc_hash,
        reason,
        skipped,
    )


def recall(memory: IngestMemory, plan: Plan, report: IngestReport) -> None:
    """What earlier runs knew, into `report`: the warnings of unchanged documents that no
    complete run has reported (one was interrupted), and the failures of files unchanged
    since. A failure a complete run reported is listed, not a new error (`failed_before`);
    one none did (an interrupted run's) is still an error."""
    for file in plan.unchanged:
        for warning in memory.unreported_warnings(file.abs_path):
            report.warnings.append(FileProblem(file.source, warning))
    for file, failure in plan.failed_before:
        problem = FileProblem(file.source, failure.reason)
        if failure.skipped:
            report.skipped.append(problem)
        else:
            (report.failed_before if failure.reported else report.failed).append(problem)
        if failure.abs_path != file.abs_path:  # moved with its file
            memory.failures.pop(failure.abs_path, None)
        if failure.stat() != file.stat() or failure.abs_path != file.abs_path:
            memory.failures[file.abs_path] = dataclasses.replace(
                failure,
                abs_path=file.abs_path,
                source=file.source,
                size=file.size,
                mtime_ns=file.mtime_ns,
                ctime_ns=file.ctime_ns,
            )


def settle(
    memory: IngestMemory,
    plan: Plan,
    files: list[SourceFile],
    folders: list[Path],
    failed_now: set[str],
) -> None:
    """A run is complete: what it met is reported; what is gone is forgotten; moved
    documents keep their warnings. `failed_now`: absolute paths that failed in it."""
    for file, old in plan.moved:
        if (noted := memory.warnings.pop(old.abs_path, None)) is not None:
            memory.warnings[file.abs_path] = noted
    kept = {f.abs_path for f, _ in plan.failed_before} | failed_now
    scanned = [f"{folder}{os.sep}" for folder in folders] + [f.abs_path for f in files]
    memory.settle(kept, scanned, {d.abs_path for d in plan.removed})
