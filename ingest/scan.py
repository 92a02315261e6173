"""Finding the files to ingest and deciding what changed since the last run."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from localqa.schema import FileProblem
from localqa.store.chunkstore import ChunkStore, DocumentRecord


@dataclass(frozen=True, slots=True)
class SourceFile:
    abs_path: str
    source: str
    root: str
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class WorkItem:
    file: SourceFile
    doc_hash: str
    previous: DocumentRecord | None


@dataclass
class Plan:
    new: list[WorkItem] = field(default_factory=list)
    changed: list[WorkItem] = field(default_factory=list)
    unchanged: list[SourceFile] = field(default_factory=list)
    removed: list[DocumentRecord] = field(default_factory=list)


def _walk(root: Path) -> Iterator[Path]:
    """Files under root in a stable order, hidden files and folders left out."""
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(folder) / name


def _source_file(path: Path, root: Path) -> SourceFile:
    stat = path.stat()
    return SourceFile(
        abs_path=str(path),
        source=path.relative_to(root).as_posix(),
        root=str(root),
        size=stat.st_size,
        mtime_ns=stat.st_mtime_ns,
    )


def scan(paths: Sequence[Path]) -> tuple[list[SourceFile], list[Path], list[FileProblem]]:
    """(files, folders scanned whole, problems with the given paths)."""
    files: dict[str, SourceFile] = {}
    folders: list[Path] = []
    problems: list[FileProblem] = []
    for given in paths:
        path = given.expanduser().resolve()
        if path.is_dir():
            folders.append(path)
            for file in _walk(path):
                files.setdefault(str(file), _source_file(file, path))
        elif path.is_file():
            files.setdefault(str(path), _source_file(path, path.parent))
        else:
            problems.append(FileProblem(str(given), "no such file or folder; check the path"))
    return list(files.values()), folders, problems


def file_hash(path: str, salt: str) -> str:
    """Content hash of a file, salted with the settings that shape its chunks."""
    digest = hashlib.sha256(salt.encode())
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:32]


def make_plan(
    chunk_store: ChunkStore,
    files: list[SourceFile],
    folders: list[Path],
    salt: str,
    dry_run: bool = False,
) -> tuple[Plan, list[FileProblem]]:
    """What to add, replace, keep and remove. A file whose size or time changed but whose
    content did not is kept, and its new size and time stored (unless `dry_run`)."""
    plan = Plan()
    unreadable: list[FileProblem] = []
    known = {d.abs_path: d for d in chunk_store.documents()}
    for file in files:
        previous = known.get(file.abs_path)
        if previous and (previous.size, previous.mtime_ns) == (file.size, file.mtime_ns):
            plan.unchanged.append(file)
            continue
        try:
            digest = file_hash(file.abs_path, salt)
        except OSError as err:
            unreadable.append(FileProblem(file.source, f"cannot read file: {err.strerror}; "
                                                       "check its permissions"))  # fmt: skip
            continue
        if previous and previous.doc_hash == digest:
            if not dry_run:
                chunk_store.touch(file.abs_path, file.size, file.mtime_ns)
            plan.unchanged.append(file)
        else:
            (plan.changed if previous else plan.new).append(WorkItem(file, digest, previous))
    seen = {f.abs_path for f in files}
    for doc in known.values():
        inside = any(doc.abs_path.startswith(str(folder) + os.sep) for folder in folders)
        if inside and doc.abs_path not in seen:
            plan.removed.append(doc)
    return plan, unreadable
