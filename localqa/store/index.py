"""One named index, embedded: the catalog of documents, the chunk rows and lexical search
in one SQLite file (catalog.py, chunks.py, fts.py over database.py), the vectors in Chroma
(vectors.py), the writer lock and the build record beside them. It satisfies the
protocols of localqa/store/base.py, whose contract its write order keeps (`store`)."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from types import TracebackType
from typing import TYPE_CHECKING, Self

from localqa.errors import LocalqaError
from localqa.schema import Chunk, IndexedDocument, Vectors
from localqa.sections import StoreSettings
from localqa.store.catalog import SqliteCatalog
from localqa.store.chunks import SqliteChunks
from localqa.store.database import connect
from localqa.store.fts import SqliteLexicalIndex
from localqa.store.lock import WriterLock

if TYPE_CHECKING:
    from localqa.store.base import IndexWriter
    from localqa.store.vectors import ChromaVectorStore

# Texts to vectors, for the chunks of a renamed file (Index.move).
Embed = Callable[[list[str]], Vectors]
CATALOG_FILE = "catalog.sqlite"
BUILD_FILE = "build.json"  # how the index was made: embedder, precision, settings


class SourceNotFound(LocalqaError):
    """A document asked for by name is not in the index."""


class IndexMissing(LocalqaError):
    """No index has been built yet."""


class Index:
    """The embedded `IndexWriter` (and so `IndexReader`), where `settings` (the store
    section) says: `with Index(settings.store) as index:` opens and closes it.
    `catalog`, `chunks` and `lexical` share one SQLite connection, so an Index belongs
    to the thread that opened it."""

    def __init__(self, settings: StoreSettings) -> None:
        self.settings = settings
        self.path = settings.index_dir
        self._db = connect(self.path / CATALOG_FILE)
        self.catalog = SqliteCatalog(self._db)
        self.chunks = SqliteChunks(self._db)
        self.lexical = SqliteLexicalIndex(self._db, self.path / "lexical")
        self._vectors: ChromaVectorStore | None = None

    @staticmethod
    def exists(settings: StoreSettings) -> bool:
        """Whether the configured index has been created (by an ingest)."""
        return (settings.index_dir / CATALOG_FILE).is_file()

    @classmethod
    def open_existing(cls, settings: StoreSettings) -> Index:
        """The configured index; raises IndexMissing when it was never created."""
        if not cls.exists(settings):
            raise IndexMissing(
                f"no index {settings.index!r} in {settings.home}; run `localqa ingest PATH` first"
            )
        return cls(settings)

    @property
    def vectors(self) -> ChromaVectorStore:
        if self._vectors is None:  # chromadb is slow to import: only when vectors are needed
            from localqa.store.vectors import ChromaVectorStore

            self._vectors = ChromaVectorStore(
                self.path / "chroma",
                host=self.settings.chroma_host,
                port=self.settings.chroma_port,
                namespace=self.settings.index if self.settings.chroma_host else "",
            )
        return self._vectors

    def close(self) -> None:
        """Close the SQLite connection and the vector store's client (its files are let go
        once no other open Index in this process uses the same folder)."""
        self._db.close()
        if self._vectors is not None:
            self._vectors.close()
            self._vectors = None

    def data_version(self) -> int:
        """A stamp that changes whenever another connection (an ingest, a forget, in this
        process or another) has committed to the catalog since the last call: SQLite's
        `PRAGMA data_version`. Only this Index's own stamps compare."""
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # Writing -----------------------------------------------------------------

    def writer_lock(self) -> WriterLock:
        return WriterLock(self.path / "ingest.lock")

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the writer lock; when the writing succeeds, bring the lexical copy up to date
        before letting go, so the next search finds it fresh."""
        with self.writer_lock():
            yield
            try:
                self.lexical.refresh_arrays()
            except OSError as err:  # what was written stays; only the faster copy is missing
                logging.getLogger("localqa").warning(
                    "could not write the BM25 arrays in %s (%s); searches use SQLite FTS5 "
                    "meanwhile (slower on big indexes): free disk space or fix permissions, "
                    "then run `localqa ingest` again",
                    self.lexical.arrays_dir,
                    err,
                )

    def store(
        self,
        chunks: Sequence[Chunk],
        vectors: Vectors,
        complete: Sequence[IndexedDocument] = (),
    ) -> None:
        """Store `chunks` with their `vectors` (one row each), then make the documents in
        `complete` visible, replacing their previous versions.

        The write order is what makes a kill at any moment harmless: chunk rows first
        (invisible: no document points at them yet), then their vectors (each then has a
        row, so orphans are findable), then one transaction per document that points it
        at its new chunks, and only then the old version's chunks are collected. A
        document's chunks may span several calls; pass its entry with the last of them.
        """
        if chunks:
            self.chunks.add(chunks)
            self.vectors.upsert([c.id for c in chunks], vectors, [c.abs_path for c in chunks])
        for document in complete:
            self.catalog.commit(document)
            self.collect_orphans(document.abs_path)  # the replaced version

    def discard(self, abs_path: str) -> None:
        """Drop what was stored of a document that then failed; its previous version, if
        any, stays visible."""
        self.collect_orphans(abs_path)

    def forget(self, document: IndexedDocument) -> None:
        self.catalog.remove(document.abs_path)
        self.collect_orphans(document.abs_path)

    def touch(self, abs_path: str, size: int, mtime_ns: int, ctime_ns: int = 0) -> None:
        self.catalog.touch(abs_path, size, mtime_ns, ctime_ns)

    def move(self, old: IndexedDocument, new: IndexedDocument, embed: Embed) -> int:
        """Re-point document `old` at `new` (the same content, `doc_hash`, found at another
        path): its chunks keep their rows, ids and vectors; their path and name change,
        and the vectors' document tag. Where the chunk header names the file differently
        (a renamed file: `Chunk.embedding_text`), the stored chunk text is embedded again
        (`embed`: texts -> vectors) and lexically re-indexed; nothing is read from the
        file. How many chunks were embedded (0 for a moved folder).

        Vectors first, then one transaction moves the rows: a kill in between leaves the
        old entry visible with vectors tagged for the new path, which the next run's
        move (the file still at its new place) tags again."""
        chunks = self.chunks.of_document(old.abs_path)
        moved = [replace(c, abs_path=new.abs_path, source=new.source) for c in chunks]
        reindex = [
            m
            for c, m in zip(chunks, moved, strict=True)
            if c.embedding_text() != m.embedding_text()
        ]
        renamed = {c.id for c in reindex}
        if reindex:
            vectors = embed([c.embedding_text() for c in reindex])
            self.vectors.upsert([c.id for c in reindex], vectors, [new.abs_path] * len(reindex))
        self.vectors.retag([c.id for c in moved if c.id not in renamed], new.abs_path)
        self.catalog.move(old, new, reindex)
        return len(reindex)

    def collect_orphans(self, abs_path: str | None = None) -> int:
        """Delete chunks (and their vectors) that no document points at. Vectors go first:
        a crash in between leaves rows that the next call collects again."""
        ids = self.chunks.orphan_ids(abs_path)
        if ids:
            self.vectors.delete(ids)
            self.chunks.delete(ids)
        return len(ids)

    def upgrade_lexical(self) -> int:
        return self.lexical.upgrade()

    # The build record ----------------------------------------------------------

    def _record(self) -> dict[str, str]:
        try:
            record = json.loads((self.path / BUILD_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return (
            {k: v for k, v in record.items() if isinstance(v, str)}
            if isinstance(record, dict)
            else {}
        )

    def _update_record(self, **fields: str) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        tmp = self.path / (BUILD_FILE + ".tmp")
        tmp.write_text(json.dumps({**self._record(), **fields}), encoding="utf-8")
        os.replace(tmp, self.path / BUILD_FILE)  # atomic: readers see old or new

    def note_embedder(self, name: str, precision: str) -> None:
        """Record which model and precision make this index's vectors, so questions are
        embedded the same way (`embedder_precision`)."""
        self._update_record(embedder=name, precision=precision)

    def embedder_precision(self) -> str:
        """How the vectors were made, "int8" or "fp32"; "fp32" for indexes from before the
        record existed (torch made those)."""
        return "int8" if self._record().get("precision") == "int8" else "fp32"

    def note_settings(self, fingerprint: str) -> None:
        """Record the settings that shaped every document's chunks and vectors, once a run
        has brought them all up to date."""
        self._update_record(settings=fingerprint)

    def settings_fingerprint(self) -> str | None:
        """What `note_settings` last recorded; None for an index that never recorded it."""
        return self._record().get("settings")

    def note_scan(self, started_ns: int) -> None:
        self._update_record(scanned_ns=str(started_ns))

    def last_scan_ns(self) -> int:
        try:
            return int(self._record().get("scanned_ns", "0"))
        except ValueError:
            return 0


def _satisfies_the_protocols(index: Index) -> IndexWriter:
    """Never called: mypy checks here that the embedded index, and so each of its parts,
    is what localqa/store/base.py asks of an implementation."""
    return index
