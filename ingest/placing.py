"""The files a scan found, keyed as the index keys them on every machine (localqa/store/
roots.py): each folder ingested is a named root, and a file under a root that this machine
mounts elsewhere than where it was first ingested from gets its key there, the path to
read it staying this machine's own (`SourceFile.fs_path`). So a second machine's re-ingest
of a share finds every file unchanged, not moved or new."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from localqa.ingest.scan import SourceFile
from localqa.schema import FileProblem
from localqa.store.base import IndexWriter
from localqa.store.roots import PathMap


def place(
    index: IndexWriter,
    files: Sequence[SourceFile],
    folders: Sequence[Path],
    name: bool,
    notes: list[FileProblem] | None = None,
) -> tuple[list[SourceFile], list[Path]]:
    """`files` and `folders` (this machine's paths) as the index keys them (`folders` also
    as they are here, where that differs: what is stored under them and not found is gone
    from them). `name`: name
    the roots the index does not name yet (a writer's run; a dry run names none); a root
    named otherwise than its folder, whose name another folder has, is noted in `notes`
    (it may be that folder, mounted here elsewhere)."""
    paths = index.paths()
    if name:
        for folder in sorted({f.root for f in files} | {str(f) for f in folders}):
            root, path, new = paths.placed(folder)
            if new:
                index.name_root(root, path)
                if notes is not None and (said := _renamed(paths, root, folder)):
                    notes.append(said)
                paths = index.paths()  # the next folder may be inside this one
    # a folder by its key and, where that differs, by its path here: documents keyed under
    # the latter (stored before a mapping made it a known root's) are this folder's too
    keys = [Path(paths.stored(str(f))) for f in folders]
    return [keyed(f, paths) for f in files], keys + [f for f in folders if f not in keys]


def _renamed(paths: PathMap, root: str, folder: str) -> FileProblem | None:
    base = PurePosixPath(folder).name
    other = dict(paths.roots).get(base)
    if root == base or other is None:
        return None
    return FileProblem(
        folder,
        f"named root {root!r}: root {base!r} is {other}; if that is this folder mounted "
        f'elsewhere, set source_roots = {{ {base} = "{folder}" }} and ingest it again '
        f"(its documents are then kept once, under {base!r})",
    )


def keyed(file: SourceFile, paths: PathMap) -> SourceFile:
    """`file` keyed as the index keys it; read from where it is here."""
    key = paths.stored(file.abs_path)
    if key == file.abs_path:
        return file
    return dataclasses.replace(
        file, abs_path=key, root=paths.stored(file.root), fs_path=file.disk_path
    )
