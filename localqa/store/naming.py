"""Which documents a name given on the command line means (`localqa forget NAME`), on any
machine (localqa/store/roots.py).

A name means one document exactly when it is that document's path (its key, or its path
on this machine: absolute, or relative to the working folder) or its root's name and its
path under that root (`policies/leave/annual.txt`): those the index keeps once. Any other
form (its name as `sources` lists it, the end of its path, its file name alone) may fit
several documents, and then means each of them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from localqa.schema import IndexedDocument
from localqa.store.roots import PathMap
from localqa.text import terminal_safe


@dataclass(frozen=True, slots=True)
class Named:
    """The documents a name means; `exact`: by path or root and path (one, as a rule),
    else by the looser forms (any number)."""

    documents: tuple[IndexedDocument, ...]
    exact: bool


def _exactly(document: IndexedDocument, paths: PathMap, wanted: set[str], name: str) -> bool:
    key = document.abs_path
    local = paths.local(key)
    if key in wanted or local in wanted:
        return True
    if name in (terminal_safe(local, one_line=True), terminal_safe(key, one_line=True)):
        return True  # as `sources` prints a path: a control character escaped (\x09)
    rooted = paths.relative(key)
    return rooted is not None and "/".join(rooted) == name.strip("/")


def _loosely(document: IndexedDocument, paths: PathMap, name: str) -> bool:
    if name in (document.source, terminal_safe(document.source, one_line=True)):
        return True
    tail = "/" + name.strip("/")
    return tail != "/" and (
        document.abs_path.endswith(tail) or paths.local(document.abs_path).endswith(tail)
    )


def named_documents(documents: Sequence[IndexedDocument], paths: PathMap, name: str) -> Named:
    """The `documents` that `name` means (see the module docstring), `paths` saying where
    this machine mounts their roots."""
    here = os.path.abspath(os.path.expanduser(name))
    wanted = {name, here, os.path.realpath(here)}
    wanted |= {paths.stored(w) for w in wanted}
    if exact := tuple(d for d in documents if _exactly(d, paths, wanted, name)):
        return Named(exact, exact=True)
    return Named(tuple(d for d in documents if _loosely(d, paths, name)), exact=False)


def shown_name(document: IndexedDocument, paths: PathMap) -> str:
    """A document as a list of candidates shows it: its path on this machine, and its
    root's name and path under it where a root holds it."""
    local = paths.local(document.abs_path)
    rooted = paths.relative(document.abs_path)
    return f"{local} ({'/'.join(rooted)})" if rooted else local
