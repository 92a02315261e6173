"""Finding the files to ingest and deciding what changed since the last run."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from localqa.ingest.excludes import excluded
from localqa.ingest.failures import Remembered
from localqa.ingest.walker import OWN_FOLDER, Walker, escape_undecodable, is_within
from localqa.schema import FileProblem, IndexedDocument
from localqa.store.base import DocumentCatalog

# OWN_FOLDER and escape_undecodable live in ingest/walker.py; imported from here as before.
__all__ = [
    "OWN_FOLDER",
    "STAT_TICK_NS",
    "Plan",
    "Scan",
    "SourceFile",
    "WorkItem",
    "escape_undecodable",
    "file_hash",
    "make_plan",
    "scan",
]


@dataclass(frozen=True, slots=True)
class SourceFile:
    abs_path: str  # identity and display: a name's bytes that are not UTF-8 as \\xNN
    source: str
    root: str
    size: int
    mtime_ns: int
    fs_path: str = ""  # the path to open, where it differs from abs_path
    ctime_ns: int = 0  # inode change time: every write changes it

    def stat(self) -> tuple[int, int, int]:
        """(size, mtime_ns, ctime_ns): what a catalog entry is compared with."""
        return self.size, self.mtime_ns, self.ctime_ns

    @property
    def disk_path(self) -> str:
        return self.fs_path or self.abs_path


@dataclass(frozen=True, slots=True)
class WorkItem:
    file: SourceFile
    doc_hash: str
    previous: IndexedDocument | None


@dataclass
class Plan:
    new: list[WorkItem] = field(default_factory=list)
    changed: list[WorkItem] = field(default_factory=list)
    unchanged: list[SourceFile] = field(default_factory=list)
    # unchanged files whose size or time changed: the catalog should record the new ones
    touched: list[SourceFile] = field(default_factory=list)
    removed: list[IndexedDocument] = field(default_factory=list)
    # files that failed (or were skipped) when last read and have not changed since:
    # listed, not read again; each as it is now, with what is remembered
    failed_before: list[tuple[SourceFile, Remembered]] = field(default_factory=list)
    # new files whose content is that of an indexed document whose file is gone: re-pointed
    moved: list[tuple[SourceFile, IndexedDocument]] = field(default_factory=list)


@dataclass
class Scan:
    """The files found, the folders scanned whole, and what a report must say: paths that
    fail (missing, broken links), entries skipped with their reason (links not followed,
    special files), and notes on what was done (links followed out of the folder)."""

    files: list[SourceFile] = field(default_factory=list)
    folders: list[Path] = field(default_factory=list)
    failed: list[FileProblem] = field(default_factory=list)
    skipped: list[FileProblem] = field(default_factory=list)
    notes: list[FileProblem] = field(default_factory=list)


def _source_file(path: Path, root: Path) -> SourceFile:
    stat = path.stat()
    disk = str(path)
    shown = escape_undecodable(disk)
    return SourceFile(
        abs_path=shown,
        source=escape_undecodable(path.relative_to(root).as_posix()),
        root=escape_undecodable(str(root)),
        size=stat.st_size,
        mtime_ns=stat.st_mtime_ns,
        fs_path="" if shown == disk else disk,
        ctime_ns=stat.st_ctime_ns,
    )


def _add(found: Scan, seen: set[str], path: Path, root: Path) -> None:
    if str(path) in seen:
        return
    seen.add(str(path))
    try:
        found.files.append(_source_file(path, root))
    except OSError as err:
        source = escape_undecodable(path.relative_to(root).as_posix())
        found.failed.append(
            FileProblem(source, f"cannot read: {err.strerror}; check its permissions")
        )


def scan(
    paths: Sequence[Path],
    follow_outside_links: bool = False,
    exclude: Sequence[str] = (),
    never: Sequence[Path] = (),
) -> Scan:
    """The files under `paths` (folders whole, less what `exclude` names; files as given)
    and what to report. Nothing inside `never` (localqa's home and cache folders) is read,
    however it is reached."""
    found = Scan()
    seen: set[str] = set()
    own = [os.path.realpath(folder) for folder in never]
    for given in paths:
        path = given.expanduser().resolve()
        if any(is_within(str(path), folder) for folder in own):
            found.skipped.append(FileProblem(escape_undecodable(str(given)), OWN_FOLDER))
        elif path.is_dir():
            found.folders.append(path)
            for file in Walker(path, follow_outside_links, found, exclude, own).walk():
                _add(found, seen, file, path)
        elif path.is_file() and (why := excluded(path.name, path.name, exclude)):
            found.skipped.append(FileProblem(escape_undecodable(path.name), why))
        elif path.is_file():
            _add(found, seen, path, path.parent)
        else:
            found.failed.append(
                FileProblem(
                    escape_undecodable(str(given)), "no such file or folder; check the path"
                )
            )
    return found


# A write that keeps a file's size and restores its modification time (`cp -p`, `rsync
# -t`, an unpacked archive, a sync tool) still changes its inode change time, so size,
# mtime and ctime together say whether a file changed; but a file system's clock may be
# coarse (FAT keeps 2 s), so a write within a tick of the run that read the file can leave
# all three as they were. Files changed that close to (or after) the last run are hashed.
STAT_TICK_NS = 2_000_000_000


def file_hash(path: str, salt: str) -> str:
    """Content hash of a file, salted with the settings that shape its chunks."""
    digest = hashlib.sha256(salt.encode())
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:32]


def make_plan(
    catalog: DocumentCatalog,
    files: list[SourceFile],
    folders: list[Path],
    salt: str,
    trust_stat: bool = True,
    last_scan_ns: int = 0,
    failed_before: Mapping[str, Remembered] | None = None,
) -> tuple[Plan, list[FileProblem]]:
    """What to add, replace, keep and remove. A file is trusted unchanged without reading
    it only when its size, modification time and inode change time are those recorded
    and it was last changed before the previous run looked (`last_scan_ns`, less a clock
    tick: STAT_TICK_NS); any other is hashed. A file whose stat changed but whose content
    did not is kept, and listed in `touched` (for its new stat). `trust_stat` False: the
    salt changed since the last complete run, so every file is hashed again.
    `failed_before`: remembered failures by absolute path (ingest/failures.py); a file
    that is one, unchanged by the same rules (or by its content hash), goes to
    `plan.failed_before` and is not read."""
    plan = Plan()
    failed_before = failed_before or {}
    unreadable: list[FileProblem] = []
    known = {d.abs_path: d for d in catalog.documents()}
    settled = last_scan_ns - STAT_TICK_NS
    for file in files:
        previous = known.get(file.abs_path)
        same_stat = previous is not None and _stat(previous) == file.stat()
        if same_stat and trust_stat and max(file.mtime_ns, file.ctime_ns) < settled:
            plan.unchanged.append(file)
            continue
        failure = failed_before.get(file.abs_path)
        settled_stat = trust_stat and max(file.mtime_ns, file.ctime_ns) < settled
        if failure is not None and failure.stat() == file.stat() and settled_stat:
            plan.failed_before.append((file, failure))
            continue
        try:
            digest = file_hash(file.disk_path, salt)
        except OSError as err:
            unreadable.append(
                FileProblem(file.source, f"cannot read file: {err.strerror}; check its permissions")
            )
            continue
        if previous and previous.doc_hash == digest:
            plan.unchanged.append(file)
            if not same_stat:
                plan.touched.append(file)
        elif failure is not None and failure.digest == digest:
            plan.failed_before.append((file, failure))
        elif (moved := _moved_failure(failed_before, digest, previous)) is not None:
            plan.failed_before.append((file, moved))
        else:
            (plan.changed if previous else plan.new).append(WorkItem(file, digest, previous))
    seen = {f.abs_path for f in files}
    for doc in known.values():
        inside = any(doc.abs_path.startswith(str(folder) + os.sep) for folder in folders)
        if inside and doc.abs_path not in seen:
            plan.removed.append(doc)
    return plan, unreadable


def _moved_failure(
    failed_before: Mapping[str, Remembered], digest: str, previous: IndexedDocument | None
) -> Remembered | None:
    """The remembered failure of a new file's content at a path that is gone (its file or
    folder moved or renamed), if any."""
    if previous is not None:
        return None
    for failure in failed_before.values():
        if failure.digest == digest and not os.path.lexists(failure.abs_path):
            return failure
    return None


def _stat(document: IndexedDocument) -> tuple[int, int, int]:
    return document.size, document.mtime_ns, document.ctime_ns
