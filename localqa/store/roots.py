"""Paths that make sense on every machine: each folder ingested is a named root, and each
machine says where it mounts a root (the `source_roots` setting).

An index keys a document by its path under its root as the root was first ingested (the
root's `path`): on the machine that ingested it, that is the file's own absolute path, as
it always was, so an index from before roots needs no conversion and nothing is re-keyed
(chunk ids, vector tags and claims stay as they are). The index keeps each root's name
beside that path (the `roots` table of either store). Another machine that mounts the
share elsewhere maps the root's name to its own folder (`source_roots = { policies =
"/mnt/share/policies" }`): `PathMap.stored` turns a path on this machine into the key (so
a re-ingest there finds every file unchanged), and `PathMap.local` turns a key into the
path on this machine (citations, `sources`, `forget`, the chat's `o`). A root without a
mapping is where it was ingested from.

Names: a new root is named after its folder (`policies`), with `-2`, `-3` ... when a root
of that name was ingested from another folder; a folder the settings name is a root of
that name, however the folder is called.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from localqa.schema import IndexedDocument


class Finding(Protocol):
    """What `find_documents` asks of a catalog (base.DocumentCatalog.find)."""

    def find(self, path: str) -> list[IndexedDocument]: ...


def inside(path: str, folder: str) -> bool:
    """Whether `path` is `folder` or under it (whole names only)."""
    folder = folder.rstrip("/") or "/"
    return path == folder or path.startswith(folder if folder == "/" else folder + "/")


def _moved(path: str, old: str, new: str) -> str:
    """`path` (under `old`) with `old` replaced by `new`."""
    rest = path[len(old.rstrip("/")) :].lstrip("/")
    return f"{new.rstrip('/')}/{rest}" if rest else new


@dataclass(frozen=True, slots=True)
class PathMap:
    """The roots an index names (`roots`: (name, the path it was first ingested from))
    and where this machine mounts them (`mounts`: (name, folder), the `source_roots`
    setting). Paths are absolute, "/"-separated strings."""

    roots: tuple[tuple[str, str], ...] = ()
    mounts: tuple[tuple[str, str], ...] = ()
    # roots first ingested by another machine (`this_machine`): where one's folder is not
    # here and no mount is set, its files are out of reach, not gone
    away: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls,
        roots: Mapping[str, tuple[str, str]],
        mounts: Iterable[tuple[str, Path | str]],
        machine: str = "",
    ) -> PathMap:
        """The map of an index's named `roots` (name -> (path, the machine that named it,
        "" unknown)) and the `source_roots` setting's `mounts`, each mount by its real path
        (ingest resolves the folders it is given), as seen from `machine`."""
        real = tuple((n, os.path.realpath(p)) for n, p in mounts)
        away = frozenset(n for n, (_, m) in roots.items() if m and m != machine)
        return cls(tuple(sorted((n, p) for n, (p, _) in roots.items())), real, away)

    def _pairs(self) -> list[tuple[str, str, str]]:
        """(name, stored root path, this machine's folder) of each mapped root, the
        deepest first (a root inside another keeps its own mapping)."""
        named = dict(self.roots)
        pairs = [(n, named[n], m) for n, m in self.mounts if n in named]
        return sorted(pairs, key=lambda p: -len(p[1]))

    def local(self, stored: str) -> str:
        """Where the document keyed `stored` is on this machine."""
        for _, root, mount in self._pairs():
            if inside(stored, root):
                return _moved(stored, root, mount)
        return stored

    def stored(self, local: str) -> str:
        """The key of the file at `local` on this machine (`local` itself when no mapped
        root holds it)."""
        for _, root, mount in sorted(self._pairs(), key=lambda p: -len(p[2])):
            if inside(local, mount):
                return _moved(local, mount, root)
        return local

    def root_of(self, stored: str) -> tuple[str, str] | None:
        """(name, stored path) of the deepest root holding the key `stored`; None when no
        named root does (a document of an older localqa's ingest)."""
        holding = [(n, p) for n, p in self.roots if inside(stored, p)]
        return max(holding, key=lambda r: len(r[1])) if holding else None

    def relative(self, stored: str) -> tuple[str, str] | None:
        """(root name, path under that root, "/"-separated) of the key `stored`: what
        names a document the same way on every machine; None when no named root holds it."""
        found = self.root_of(stored)
        if found is None:
            return None
        name, path = found
        return name, stored[len(path.rstrip("/")) :].lstrip("/")

    def reachable(self, stored: str) -> bool:
        """Whether this machine reaches the root holding the key `stored`: a root mounted
        here (`mounts`) whose folder is there, or one not mounted elsewhere whose folder is
        there or which this machine ingested (its folder gone: its files are gone). A share
        another machine ingested and this one does not mount is out of reach: its files
        can be neither found nor said to be gone."""
        for _, root, mount in self._pairs():  # mounted here: the mount's folder says
            if inside(stored, root):
                return os.path.isdir(mount)
        found = self.root_of(stored)
        if found is None:
            return True  # an older localqa's document: where it was ingested, as ever
        name, path = found
        return name not in self.away or os.path.isdir(path)

    def missing(self, stored: str) -> bool:
        """Whether the file keyed `stored` is gone from a root this machine reaches."""
        return self.reachable(stored) and not os.path.exists(self.local(stored))

    def placed(self, folder: str) -> tuple[str, str, bool]:
        """The root that a folder on this machine belongs to: (name, stored root path, new:
        the index does not name it yet). A folder under a mapped mount belongs to that root
        (named from where this machine mounts it, if the index does not know it yet); else
        one under a root ingested from here; else it is a new root named after it."""
        named = dict(self.roots)
        for name, mount in sorted(self.mounts, key=lambda m: -len(m[1])):
            if inside(folder, mount):
                return name, named.get(name, mount), name not in named
        mapped = {n for n, _ in self.mounts}
        for name, path in sorted(self.roots, key=lambda r: -len(r[1])):
            if name not in mapped and inside(folder, path):
                return name, path, False
        return new_name(folder, set(named) | mapped), folder, True


def this_machine(home: Path) -> str:
    """Who names a root: this host and its LOCALQA_HOME (two homes are two machines)."""
    return f"{socket.gethostname()}:{home.expanduser().resolve()}"


def new_name(folder: str, taken: set[str]) -> str:
    """A root's name from its folder's, unlike any in `taken` ("docs", "docs-2", ...)."""
    base = PurePosixPath(folder).name or "root"
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    return name


def name_roots(folders: Sequence[str], taken: Mapping[str, str]) -> dict[str, str]:
    """Names for the roots of documents from before roots were named (their recorded
    `root`s): each folder not inside another is a root, named after it; `taken` (name ->
    path) are named already. Returns the new names (name -> folder)."""
    named = dict(taken)
    made: dict[str, str] = {}
    for folder in sorted(set(folders), key=lambda f: (len(f), f)):
        if any(inside(folder, path) for path in named.values()):
            continue
        name = new_name(folder, set(named))
        named[name] = made[name] = folder
    return made


def localized(data: Any, paths: PathMap) -> Any:
    """JSON-ready `data` (an answer as `Answer.as_json` gives it, passages) with each
    "abs_path" this machine's path of the document (`PathMap.local`), and beside it, where a
    named root holds it and "root" is not given yet, "root" (its name) and "root_path" (the
    path under it): what a client on another machine maps to its own mount
    (`on_this_desk`)."""
    if isinstance(data, list):
        return [localized(v, paths) for v in data]
    if not isinstance(data, dict):
        return data
    out = {k: localized(v, paths) for k, v in data.items()}
    key = data.get("abs_path")
    if isinstance(key, str):
        out["abs_path"] = paths.local(key)
        if "root" not in data and (found := paths.relative(key)):
            out["root"], out["root_path"] = found
    return out


def on_this_desk(data: Any, mounts: Iterable[tuple[str, Path | str]]) -> Any:
    """JSON-ready `data` from a localqa server (`localized` there): each "abs_path" whose "root"
    this machine mounts (`mounts`, the `source_roots` setting) made this machine's path
    (the mount joined with "root_path"); others as the server gave them."""
    mounted = {name: str(folder) for name, folder in mounts}
    if isinstance(data, list):
        return [on_this_desk(v, mounted.items()) for v in data]
    if not isinstance(data, dict):
        return data
    out = {k: on_this_desk(v, mounted.items()) for k, v in data.items()}
    root, under = data.get("root"), data.get("root_path")
    if isinstance(root, str) and isinstance(under, str) and root in mounted and "abs_path" in data:
        mount = mounted[root]
        out["abs_path"] = f"{mount.rstrip('/')}/{under}" if under else mount
    return out


def find_documents(catalog: Finding, paths: PathMap, name: str) -> list[IndexedDocument]:
    """`DocumentCatalog.find`, a path on this machine (absolute, or relative to the working
    folder) also found under the key its root gives it (`PathMap.stored`)."""
    if found := catalog.find(name):
        return found
    here = os.path.abspath(os.path.expanduser(name))
    keys = {paths.stored(here), paths.stored(os.path.realpath(here))} - {here}
    return [d for key in sorted(keys) for d in catalog.find(key)]


def listed(document: IndexedDocument, paths: PathMap) -> dict[str, Any]:
    """A document as `sources --json` and `GET /v1/sources` list it: its name, last page,
    chunks, when ingested, its path on this machine, its root's name ("" for none) and its
    path under that root, whether this machine reaches that root, and whether its file is
    gone from it."""
    found = paths.relative(document.abs_path)
    reachable = paths.reachable(document.abs_path)
    local = paths.local(document.abs_path)
    return {
        "path": document.source,
        "last_page": document.last_page,
        "chunks": document.chunks,
        "ingested_at": document.ingested_at,
        "abs_path": local,
        "root": found[0] if found else "",
        "root_path": found[1] if found else "",
        "missing": reachable and not os.path.exists(local),
        "reachable": reachable,
    }
