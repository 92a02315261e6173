"""What an ingest run did, for people (stderr) and scripts (--json)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from localqa.schema import FileProblem

# Seconds of preparing the embedder that the report says even when nothing was first done
# (a loaded machine, a slow disk): below, loading the ONNX model is not worth a line.
PREPARE_SAID_S = 2.0


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    # re-pointed, not read: "NEW NAME (was OLD PATH)" each (ingest/moves.py)
    moved: list[str] = field(default_factory=list)
    moved_embedded: int = 0  # chunks of moved documents embedded again (a file renamed)
    skipped: list[FileProblem] = field(default_factory=list)
    failed: list[FileProblem] = field(default_factory=list)
    warnings: list[FileProblem] = field(default_factory=list)
    # failed as a complete run already reported, unchanged since: not read, not an error
    failed_before: list[FileProblem] = field(default_factory=list)
    chunks: int = 0
    chunks_written: int = 0
    pages: int = 0
    seconds: float = 0.0
    embed_seconds: float = 0.0
    store_seconds: float = 0.0  # SQLite rows, Chroma vectors, commits
    dry_run: bool = False
    chars_written: int = 0  # characters of chunk text written
    script_sample: str = ""  # some text not in Latin script that was written (empty: none)
    notes: list[str] = field(default_factory=list)  # one line each, after the counts
    # Files of this run's plan that other ingest runs, sharing the index, did meanwhile
    # (ingest/shared.py); they are in none of this report's lists.
    by_others: int = 0
    # Before the first file: seconds making the embedder (at its first use with a cache
    # folder: the ONNX export, int8 copy and CPU measurement of embedding/first_use.py),
    # not in `seconds`; `prepared`: what of that was done, in words ("" for nothing).
    prepare_seconds: float = 0.0
    prepared: str = ""

    def stored(self) -> int:
        """Files whose content this run stored or re-pointed (all kept, if it is stopped)."""
        return len(self.added) + len(self.updated) + len(self.moved)

    @property
    def chunks_per_second(self) -> float:
        return self.chunks_written / self.seconds if self.seconds > 0 else 0.0

    @property
    def chars_per_second(self) -> float:
        return self.chars_written / self.seconds if self.seconds > 0 else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "added": len(self.added),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "removed": len(self.removed),
            "moved": len(self.moved),
            "moved_embedded": self.moved_embedded,
            "skipped": [p.as_dict() for p in self.skipped],
            "failed": [p.as_dict() for p in self.failed],
            "failed_before": [p.as_dict() for p in self.failed_before],
            "warnings": [p.as_dict() for p in self.warnings],
            "chunks": self.chunks,
            "chunks_written": self.chunks_written,
            "pages": self.pages,
            "seconds": round(self.seconds, 3),
            "prepare_seconds": round(self.prepare_seconds, 3),
            "prepared": self.prepared,
            "embed_seconds": round(self.embed_seconds, 3),
            "store_seconds": round(self.store_seconds, 3),
            "chunks_per_second": round(self.chunks_per_second, 1),
            "chars_per_second": round(self.chars_per_second, 1),
            "notes": self.notes,
            "dry_run": self.dry_run,
            "by_others": self.by_others,
            "files": {
                "added": self.added,
                "updated": self.updated,
                "removed": self.removed,
                "moved": self.moved,
            },
        }

    def summary_lines(self) -> list[str]:
        before = f" (+{len(self.failed_before)} as before)" if self.failed_before else ""
        counts = (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.moved)} moved, "
            f"{len(self.unchanged)} unchanged, {len(self.removed)} removed, "
            f"{len(self.skipped)} skipped, {len(self.failed)} failed{before}"
        )
        lines = [f"dry run, nothing changed: {counts}" if self.dry_run else counts]
        if self.dry_run:
            lines += [f"  would add: {p}" for p in self.added]
            lines += [f"  would update: {p}" for p in self.updated]
            lines += [f"  would remove: {p}" for p in self.removed]
            lines += [f"  would move: {p}" for p in self.moved]
        else:
            lines.append(
                f"{self.chunks} chunks in the index; {self.chunks_written} written in "
                f"{self.seconds:.1f} s ({self.chunks_per_second:.1f} chunks/s, "
                f"{self.chars_per_second:,.0f} chars/s)"
            )
        if self.prepared or self.prepare_seconds >= PREPARE_SAID_S:
            what = f" ({self.prepared}: once for this cache folder)" if self.prepared else ""
            lines.append(
                f"before that, {self.prepare_seconds:.1f} s preparing the embedding model"
                f"{what}; not in the time above"
            )
        if self.by_others:
            lines.append(f"{self.by_others} more done by other ingest runs sharing the index")
        lines += self.notes
        skip, fail = ("would skip", "would FAIL") if self.dry_run else ("skipped", "FAILED")
        lines += [f"  {skip} {p.path}: {p.reason}" for p in self.skipped]
        lines += [f"  warning {p.path}: {p.reason}" for p in self.warnings]
        lines += [f"  moved {p}" for p in self.moved if not self.dry_run]
        lines += [f"  {fail} {p.path}: {p.reason}" for p in self.failed]
        lines += [
            f"  failed before {p.path}: {p.reason} (unchanged since: not read again; "
            "`--retry-failed` reads it)"
            for p in self.failed_before
        ]
        return lines
