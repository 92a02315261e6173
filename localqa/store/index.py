"""One named index, embedded: the catalog of documents, the chunk rows and lexical search
in one SQLite file (catalog.py, chunks.py, fts.py over database.py), the vectors in Chroma
(vectors.py), the writer lock and the build record beside them. It satisfies the
protocols of localqa/store/base.py, whose contract its write order keeps (`store`)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Self

from localqa.errors import LocalqaError, StorageError
from localqa.schema import Chunk, IndexedDocument, Vectors
from localqa.sections import StoreSettings
from localqa.store.catalog import SqliteCatalog
from localqa.store.chunks import SqliteChunks
from localqa.store.database import connect
from localqa.store.faults import VectorStoreError, storage_faults
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
            self._vectors = self._open_vectors()
        return self._vectors

    def _open_vectors(self) -> ChromaVectorStore:
        from localqa.store.identity import (
            collection_name,
            ensure_index_id,
            index_id,
            upgrade_collection,
        )
        from localqa.store.vectors import ChromaVectorStore

        s = self.settings
        made = False
        if self.read_only:
            ident = index_id(self._db)
        else:
            ident, made = ensure_index_id(self._db)
        where = self.path / "chroma"
        store = ChromaVectorStore(
            where,
            s.chroma_host,
            s.chroma_port,
            collection_name(s.index, ident, bool(s.chroma_host)),
            self.read_only,
            ident,
        )
        old_catalog = self._db.execute("SELECT 1 FROM documents LIMIT 1").fetchone()
        if made and s.chroma_host and old_catalog and (ids := self.all_chunk_ids()):
            # an index from before ids: its vectors are in the collection it shared
            legacy = collection_name(s.index, "", server=True)
            with contextlib.suppress(VectorStoreError):  # none there: doctor finds them gone
                old = ChromaVectorStore(where, s.chroma_host, s.chroma_port, legacy, True)
                upgrade_collection(old, store, ids)
        return store

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
        return read_record(self.path)

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

    def _note_root(self, root: str) -> None:
        """Keep the folders (or files) ingest was given in the build record, beside the
        catalog: what `localqa index repair` re-ingests when the catalog is lost."""
        if self._roots is None:
            self._roots = set(self.roots())
        if root not in self._roots:
            self._roots.add(root)
            self._update_record(roots=json.dumps(sorted(self._roots)))

    def roots(self) -> list[str]:
        """The folders and files given to ingest (`_note_root`); [] where none were kept."""
        return recorded_roots(self.path)

    def note_scan(self, started_ns: int) -> None:
        self._update_record(scanned_ns=str(started_ns))

    def last_scan_ns(self) -> int:
        try:
            return int(self._record().get("scanned_ns", "0"))
        except ValueError:
            return 0


def read_record(index_dir: Path) -> dict[str, str]:
    """The build record of the index in `index_dir` ({} where there is none, or it cannot
    be read): a file beside the catalog, readable when the catalog is not."""
    try:
        record = json.loads((index_dir / BUILD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return (
        {k: v for k, v in record.items() if isinstance(v, str)} if isinstance(record, dict) else {}
    )


def recorded_roots(index_dir: Path) -> list[str]:
    """The folders and files ingest was given, as the build record keeps them."""
    try:
        roots = json.loads(read_record(index_dir).get("roots", "[]"))
    except ValueError:
        return []
    return [r for r in roots if isinstance(r, str)] if isinstance(roots, list) else []


def _satisfies_the_protocols(index: Index) -> IndexWriter:
    """Never called: mypy checks here that the embedded index, and so each of its parts,
    is what localqa/store/base.py asks of an implementation."""
    return index
