"""One named index, embedded: the catalog of documents, the chunk rows and lexical search
in one SQLite file (catalog.py, chunks.py, fts.py over database.py), the vectors in Chroma
(vectors.py), the writer lock and the build record beside them. It satisfies the
protocols of localqa/store/base.py, whose contract its write order keeps (`store`)."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Self

from localqa.errors import LocalqaError, StorageError
from localqa.schema import Chunk, IndexedDocument, Vectors
from localqa.sections import StoreSettings
from localqa.store.catalog import SqliteCatalog
from localqa.store.chunks import SqliteChunks
from localqa.store.database import connect
from localqa.store.faults import storage_faults
from localqa.store.fts import SqliteLexicalIndex
from localqa.store.identity import index_id
from localqa.store.lock import WriterLock
from localqa.store.moving import Embed, repoint_vectors
from localqa.store.record import RecordedBuild, recorded_named_roots

if TYPE_CHECKING:
    from localqa.store.base import IndexWriter
    from localqa.store.roots import PathMap
    from localqa.store.vectors import ChromaVectorStore

CATALOG_FILE = "catalog.sqlite"


class SourceNotFound(LocalqaError):
    """A document asked for by name is not in the index."""


class IndexMissing(LocalqaError):
    """No index has been built yet."""


class Index(RecordedBuild):
    """The embedded `IndexWriter` (and so `IndexReader`), where `settings` (the store
    section) says: `with Index(settings.store) as index:` opens and closes it.
    `catalog`, `chunks` and `lexical` share one SQLite connection, so an Index belongs
    to the thread that opened it. What the build record keeps (embedder, settings, roots,
    last scan) it answers through RecordedBuild (store/record.py)."""

    def __init__(self, settings: StoreSettings, read_only: bool = False) -> None:
        self.settings = settings
        self.path = settings.index_dir
        self.read_only = read_only  # a reader's: nothing of the index is written
        self._db = connect(self.path / CATALOG_FILE, read_only=read_only)
        self.catalog = SqliteCatalog(self._db)
        self.chunks = SqliteChunks(self._db)
        self.lexical = SqliteLexicalIndex(self._db, self.path / "lexical", read_only)
        self._vectors: ChromaVectorStore | None = None
        self._roots: set[str] | None = None

    @staticmethod
    def exists(settings: StoreSettings) -> bool:
        """Whether the configured index has been created (by an ingest)."""
        return (settings.index_dir / CATALOG_FILE).is_file()

    @classmethod
    def open_existing(cls, settings: StoreSettings, read_only: bool = False) -> Index:
        """The configured index (`read_only`: as a reader, writing nothing); raises
        IndexMissing when it was never created, StorageError or IndexDamaged when its
        catalog cannot be opened."""
        if not cls.exists(settings):
            raise IndexMissing(
                f"no index {settings.index!r} in {settings.home}; run `localqa ingest PATH` first"
            )
        return cls(settings, read_only)

    @property
    def vectors(self) -> ChromaVectorStore:
        """The index's own collection (identity.py), opened on first use (chromadb is slow
        to import). Raises VectorStoreError (a reader answers without it) or StorageError."""
        if self._vectors is None:
            from localqa.store.identity import open_vectors

            self._vectors = open_vectors(self._db, self.settings, self.read_only)
        return self._vectors

    def collection_name(self) -> str:
        """The name of the index's vector collection (identity.collection_name)."""
        from localqa.store.identity import collection_name, index_id

        s = self.settings
        return collection_name(s.index, index_id(self._db), bool(s.chroma_host))

    def drop_vectors(self) -> None:
        """Let go of the vector store; the next use opens it again."""
        self._vectors = None

    def all_chunk_ids(self) -> list[str]:
        """Every chunk row's id, orphans included (every one of them has a vector)."""
        return [row[0] for row in self._db.execute("SELECT id FROM chunks")]

    def close(self) -> None:
        """Close the SQLite connection and the vector store's client (its files are let go
        once no other open Index in this process uses the same folder)."""
        self._db.close()
        if self._vectors is not None:
            self._vectors.close()
            self._vectors = None

    def reading(self) -> contextlib.AbstractContextManager[None]:
        """`IndexReader.reading`: SQLite reads cost no round trip; nothing to hold."""
        return contextlib.nullcontext()

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
        if self.read_only:
            raise StorageError(f"{self.path}: opened for reading only; nothing can be written")
        with storage_faults(self.path), self.writer_lock():
            if self.settings.chroma_host and not index_id(self._db):
                self.vectors  # noqa: B018 - an index from before ids is upgraded now (identity.py)
            yield
            try:
                self.lexical.refresh_arrays()
            except (OSError, StorageError) as err:  # what was written stays, only the copy is not
                logging.getLogger("localqa").warning(
                    "could not write the BM25 arrays in %s (%s); searches use SQLite FTS5 "
                    "meanwhile (slower on big indexes): free disk space or fix permissions, "
                    "then run `localqa ingest` again",
                    self.lexical.arrays_dir,
                    err,
                )
            self._notice_missing_vectors()
            self._sync_roots()

    def _sync_roots(self) -> None:
        """Make the build record's roots (and named roots) the catalog's, after a write: an
        index from before the record kept them gets them, a root whose documents were all
        forgotten goes.
        Best effort: the record only helps a repair."""
        roots = sorted({row[0] for row in self._db.execute("SELECT DISTINCT root FROM documents")})
        if roots != self.roots():
            with contextlib.suppress(OSError):
                self._update_record(roots=json.dumps(roots))
                self._roots = set(roots)
        named = self.catalog.named_roots()  # a few rows: their names survive a lost catalog
        if named != recorded_named_roots(self.path):
            with contextlib.suppress(OSError):
                self._update_record(named_roots=json.dumps(named, sort_keys=True))

    def _notice_missing_vectors(self) -> None:
        """After a write that used the vectors: say so when fewer vectors than chunk rows
        are stored (deleted by another program, or a store that lost files)."""
        if self._vectors is None:
            return
        rows = int(self._db.execute("SELECT count(*) FROM chunks").fetchone()[0])
        if (stored := self._vectors.count()) < rows:
            logging.getLogger("localqa").warning(
                "%d of %d chunks have no vector in %s: dense search misses them; run "
                "`localqa index repair` (it re-embeds the stored text)",
                rows - stored,
                rows,
                self._vectors.where,
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
            self._note_root(document.root)
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

    def name_root(self, name: str, path: str) -> None:
        from localqa.store.roots import this_machine

        self.catalog.name_root(name, path, this_machine(self.settings.home))

    def paths(self) -> PathMap:
        """`IndexReader.paths`: the named roots, mounted where `source_roots` says."""
        from localqa.store.roots import PathMap, this_machine

        s = self.settings
        return PathMap.of(self.catalog.named_roots(), s.source_roots, this_machine(s.home))

    def move(self, old: IndexedDocument, new: IndexedDocument, embed: Embed) -> int:
        """Re-point document `old` at `new` (the same content, `doc_hash`, found at another
        path): its chunks keep their rows, ids and vectors; their path and name change.
        Where the chunk header names the file differently (a renamed file:
        `Chunk.embedding_text`), the stored chunk text is embedded again (`embed`: texts
        -> vectors) and lexically re-indexed; nothing is read from the file. How many
        chunks were embedded: for a moved folder none, and the vector store is not even
        opened (searches within a document go by chunk id: base.VectorStore).

        New vectors first, then one transaction moves the rows: a kill in between leaves
        the old entry visible beside vectors of the new header, which the next run's move
        (the file still at its new place) writes again."""
        chunks = self.chunks.of_document(old.abs_path)
        reindex = repoint_vectors(lambda: self.vectors, chunks, new, embed)
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


def _satisfies_the_protocols(index: Index) -> IndexWriter:
    """Never called: mypy checks here that the embedded index, and so each of its parts,
    is what localqa/store/base.py asks of an implementation."""
    return index
