"""Finding the files to ingest and deciding what changed since the last run."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from localqa.ingest.excludes import excluded
from localqa.ingest.failures import Remembered
from localqa.schema import FileProblem, IndexedDocument
from localqa.store.base import DocumentCatalog


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


def escape_undecodable(name: str) -> str:
    """`name` with the bytes that are not UTF-8 (held as surrogates since os.fsdecode)
    written as \\xNN: SQLite, Chroma and the tokenizer take only valid text."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        pass
    try:
        return os.fsencode(name).decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a lone surrogate from elsewhere than a file name
        return name.encode("utf-8", "backslashreplace").decode("utf-8")


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


OWN_FOLDER = "localqa's own folder (LOCALQA_HOME or the cache): never ingested"


class _Walker:
    """Files under `root` in a stable order: what `exclude` names is left out and reported
    skipped, then hidden entries (a name starting with a dot) silently. Links that stay in
    the folder are followed, folders once each (a link loop ends there); links that
    leave it only with `follow_outside`."""

    def __init__(
        self,
        root: Path,
        follow_outside: bool,
        out: Scan,
        exclude: Sequence[str] = (),
        never: Sequence[str] = (),
    ) -> None:
        self.never = never  # localqa's own folders (real paths): never read, linked or not
        self.root = root
        self.real_root = os.path.realpath(root)
        self.follow_outside = follow_outside
        self.out = out
        self.exclude = exclude
        self.seen_folders: set[tuple[int, int]] = set()

    def walk(self) -> Iterator[Path]:
        stack = [self.root]
        while stack:
            folder = stack.pop()
            if not self._first_visit(folder):
                continue
            subfolders: list[Path] = []
            linked: list[Path] = []
            for entry in self._entries(folder):
                path = Path(entry.path)
                kind = self._kind(entry, path)
                if kind == "folder":
                    (linked if entry.is_symlink() else subfolders).append(path)
                elif kind == "file":
                    yield path
            # linked folders last: a folder reached both ways is read at its own place
            stack.extend(reversed(subfolders + linked))

    def _first_visit(self, folder: Path) -> bool:
        try:
            stat = folder.stat()
        except OSError:
            return False
        identity = (stat.st_dev, stat.st_ino)
        if any(_inside(os.path.realpath(folder), own) for own in self.never):
            self._skip(folder, OWN_FOLDER)
            return False
        if identity in self.seen_folders:
            self._skip(
                folder,
                "linked folder already read (a loop, or a second way in); each folder is read once",
            )
            return False
        self.seen_folders.add(identity)
        return True

    def _entries(self, folder: Path) -> list[os.DirEntry[str]]:
        try:
            with os.scandir(folder) as entries:
                found = sorted(entries, key=lambda e: e.name)
        except OSError as err:
            self._fail(folder, f"cannot list folder: {err.strerror}; check its permissions")
            return []
        kept: list[os.DirEntry[str]] = []
        for entry in found:
            source = self._source(Path(entry.path))
            if why := excluded(entry.name, source, self.exclude):
                self._skip(Path(entry.path), why)
            elif not entry.name.startswith("."):
                kept.append(entry)
        return kept

    def _kind(self, entry: os.DirEntry[str], path: Path) -> str:
        """ "file", "folder", or "" for what is reported (or hidden) instead."""
        try:
            if entry.is_symlink():
                return self._link(path)
            if entry.is_dir(follow_symlinks=False):
                return "folder"
            if entry.is_file(follow_symlinks=False):
                return "file"
        except OSError as err:
            self._fail(path, f"cannot read: {err.strerror}; check its permissions")
            return ""
        self._skip(path, "not a regular file (a device, pipe or socket); nothing to read")
        return ""

    def _link(self, path: Path) -> str:
        target = os.path.realpath(path)
        shown = escape_undecodable(target)
        if not os.path.exists(target):
            self.out.failed.append(
                FileProblem(
                    self._source(path), f"broken symbolic link (to {shown}); fix it or remove it"
                )
            )
            return ""
        kind = "folder" if os.path.isdir(target) else "file" if os.path.isfile(target) else ""
        if not kind:
            self._skip(path, f"link to {shown}, not a regular file; nothing to read")
        elif not _inside(target, self.real_root):
            if not self.follow_outside:
                self._skip(
                    path,
                    f"symbolic link to {shown}, outside the folder: not followed; "
                    "set follow_outside_links = true to read it",
                )
                return ""
            self.out.notes.append(
                FileProblem(
                    self._source(path), f"symbolic link to {shown}, outside the folder: followed"
                )
            )
        return kind

    def _fail(self, path: Path, reason: str) -> None:
        self.out.failed.append(FileProblem(self._source(path), reason))

    def _skip(self, path: Path, reason: str) -> None:
        self.out.skipped.append(FileProblem(self._source(path), reason))

    def _source(self, path: Path) -> str:
        return escape_undecodable(path.relative_to(self.root).as_posix())


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
        if any(_inside(str(path), folder) for folder in own):
            found.skipped.append(FileProblem(escape_undecodable(str(given)), OWN_FOLDER))
        elif path.is_dir():
            found.folders.append(path)
            for file in _Walker(path, follow_outside_links, found, exclude, own).walk():
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
