"""Moved and renamed files: recognised by their content hash, re-pointed, not read again.

A new file (no catalog entry at its path) whose salted content hash is that of an
indexed document whose file is gone is that document moved: a renamed file, or a file
in a renamed or moved folder. Its catalog entry, its chunks' paths and names and its
vectors' document tag are re-pointed (`IndexWriter.move`); nothing is read, and nothing
is embedded unless the file's own name changed, which the chunk header holds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from localqa.ingest.scan import Plan, SourceFile, WorkItem
from localqa.schema import IndexedDocument, Vectors
from localqa.store.base import IndexWriter
from localqa.store.roots import PathMap


def find_moves(
    plan: Plan, documents: Sequence[IndexedDocument], paths: PathMap | None = None
) -> None:
    """Move each new file of `plan` whose content hash is that of one of `documents` (the
    catalog) not seen by this scan and whose file is gone from `plan.new` to `plan.moved`,
    and that document out of `plan.removed`. Only documents whose hash matches a new file
    are looked for on disk: a run without new files asks the file system nothing more.
    `paths`: where each document is on this machine (a root this machine does not reach
    has no file gone)."""
    if not plan.new:
        return
    seen = {f.abs_path for f in plan.unchanged}
    seen |= {i.file.abs_path for i in plan.changed}
    seen |= {f.abs_path for f, _ in plan.failed_before}
    by_hash: dict[str, list[IndexedDocument]] = {}
    for doc in documents:
        if doc.abs_path not in seen:
            by_hash.setdefault(doc.doc_hash, []).append(doc)
    still_new: list[WorkItem] = []
    moved: set[str] = set()
    for item in plan.new:
        gone = [d for d in by_hash.get(item.doc_hash, []) if _gone(d, paths)]
        if gone:
            by_hash[item.doc_hash].remove(gone[0])
            plan.moved.append((item.file, gone[0]))
            moved.add(gone[0].abs_path)
        else:
            still_new.append(item)
    plan.new = still_new
    plan.removed = [d for d in plan.removed if d.abs_path not in moved]


def _gone(document: IndexedDocument, paths: PathMap | None) -> bool:
    if paths is None:
        return document.file_missing()
    return paths.missing(document.abs_path)


def moved_record(file: SourceFile, old: IndexedDocument) -> IndexedDocument:
    """`old`'s catalog entry at `file`'s place: path, name, folder and stat."""
    return replace(
        old,
        abs_path=file.abs_path,
        source=file.source,
        root=file.root,
        size=file.size,
        mtime_ns=file.mtime_ns,
        ctime_ns=file.ctime_ns,
        ingested_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def apply_moves(
    index: IndexWriter,
    moved: Sequence[tuple[SourceFile, IndexedDocument]],
    embed: Callable[[list[str]], Vectors],
) -> tuple[list[str], int]:
    """Re-point every moved document; ("NEW NAME (was OLD PATH)" for each, chunks
    embedded again because a file's own name changed)."""
    lines: list[str] = []
    embedded = 0
    for file, old in moved:
        embedded += index.move(old, moved_record(file, old), embed)
        lines.append(f"{file.source} (was {old.abs_path})")
    return lines, embedded
