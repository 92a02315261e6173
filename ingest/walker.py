"""Walking one folder for `scan` (ingest/scan.py): the order files come in, what is left
out (excluded, hidden, localqa's own folders), and how symbolic links are treated (followed
inside the folder, each folder once; outside it only when asked). Apart from scan.py
because this is the one part that reads the file system tree and decides about links and
loops; scan.py turns what it yields into SourceFiles and plans what changed."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Protocol

from localqa.ingest.excludes import excluded
from localqa.schema import FileProblem


class Problems(Protocol):
    """Where the walker reports: a Scan (ingest/scan.py) is one."""

    failed: list[FileProblem]
    skipped: list[FileProblem]
    notes: list[FileProblem]


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


def is_within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


OWN_FOLDER = "localqa's own folder (LOCALQA_HOME or the cache): never ingested"


class Walker:
    """Files under `root` in a stable order: what `exclude` names is left out and reported
    skipped, then hidden entries (a name starting with a dot) silently. Links that stay in
    the folder are followed, folders once each (a link loop ends there); links that
    leave it only with `follow_outside`."""

    def __init__(
        self,
        root: Path,
        follow_outside: bool,
        out: Problems,
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
        if any(is_within(os.path.realpath(folder), own) for own in self.never):
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
        elif not is_within(target, self.real_root):
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
