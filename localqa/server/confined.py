"""The index as the server's answering threads see it: every call on it (its catalog,
chunks, lexical search and vectors) runs on the one thread that opened it.

Why: the embedded index's SQLite connection belongs to the thread that opened it, and an
embedded Chroma client keeps the vectors it loaded until every client of its folder in the
process is closed (the engine reopens the index when an ingest beside it committed, so
only one may be open). The store's calls are the short part of an answer (a few ms of
SQL, BM25 arrays and an HNSW query, beside the question's embedding, fusion, sentence
scoring, extraction and the checks, which run on the answering threads at once).

A search's `reading` block (one PostgreSQL connection held through it, IndexReader.reading)
is held on the index's thread for each call alone, never by an answering thread: a
connection held by an answering thread is not the one its calls use (they run on the
index's thread, which took one more from the pool), so 4 questions searching at once held
all 4 of the pool's connections while the index's thread waited 15 s for a fifth.

The index is looked up at every call (`current`), so answerers built over a `Confined`
index keep working when the engine reopens it. `listed` and `found` read the catalog for
/v1/sources and a request's `sources`, on the index's thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any, cast

from localqa.threads import OwnThread

if TYPE_CHECKING:
    from localqa.store.base import IndexReader
    from localqa.store.roots import PathMap

# The index's parts, each confined the same way (localqa/store/base.py IndexReader).
PARTS = frozenset({"catalog", "chunks", "lexical", "vectors"})


class Confined:
    """`current()`'s attributes, read and called on `thread`: a part in PARTS as another
    Confined; a method as a function that runs it there and returns its result (results
    are plain values: lists, dicts, chunks); anything else read there."""

    def __init__(
        self,
        current: Callable[[], Any],
        thread: OwnThread,
        index: Callable[[], IndexReader] | None = None,
    ) -> None:
        self._current = current
        self._thread = thread
        self._index: Callable[[], IndexReader] = index or current  # whose `reading` holds

    @staticmethod
    def index(current: Callable[[], IndexReader], thread: OwnThread) -> IndexReader:
        """The index `current()` returns (on `thread`), as an IndexReader any thread uses."""
        return cast("IndexReader", Confined(current, thread))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if name == "reading":  # held on the index's thread, call by call (`_on_thread`)
            return nullcontext
        if name in PARTS:
            current = self._current
            return Confined(lambda: getattr(current(), name), self._thread, self._index)
        value = self._on_thread(lambda: getattr(self._current(), name))
        if not callable(value):
            return value

        def call(*args: Any, **kwargs: Any) -> Any:
            def method() -> Any:
                return getattr(self._current(), name)(*args, **kwargs)

            return self._on_thread(method, reads=True)

        return call

    def _on_thread(self, fn: Callable[[], Any], reads: bool = False) -> Any:
        """`fn()` on the index's thread; a call that `reads`, inside the index's `reading`
        for that call only (an attribute looked up needs no connection)."""

        def held() -> Any:
            if not reads:
                return fn()
            with self._index().reading():
                return fn()

        if self._thread.owns(threading.current_thread()):
            return held()  # already there (waiting for itself would never end)
        return self._thread.call(held)


def listed(index: IndexReader, paths: PathMap) -> list[dict[str, Any]]:
    """`index`'s documents as `localqa sources --json` lists them, with this machine's
    paths (`paths`; on its thread)."""
    from localqa.store.roots import listed as one

    return [one(d, paths) for d in index.catalog.documents()]


def found(index: IndexReader, paths: PathMap, names: Sequence[str]) -> list[str]:
    """The stored paths of the documents `names` mean in `index` (as `listed`, or paths
    on this machine; on its thread). Raises SourceNotFound naming the first unknown one."""
    from localqa.store.index import SourceNotFound
    from localqa.store.roots import find_documents

    keys: list[str] = []
    for name in names:
        documents = find_documents(index.catalog, paths, name)
        if not documents:
            raise SourceNotFound(f"source {name!r} is not in the index; see /v1/sources")
        keys += [d.abs_path for d in documents]
    return keys
