"""One named index, shared: the catalog, the chunk text and lexical search in PostgreSQL
(`database_url`), the vectors in Chroma (a server when `chroma_host` is set, so nothing
of the index is on this machine). It satisfies the protocols of localqa/store/base.py,
with the same write order as the embedded index (`store`), and those of
localqa/store/sharing.py: several ingest runs at once, each writing the documents it
claims (claims.py).

Writers: `writing()` holds the index alone (an exclusive advisory lock, on a connection of
its own: the server lets it go when the process dies, however it dies); `sharing()` holds it
with other ingest runs (the same lock, shared). Readers take no lock.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from localqa.schema import Chunk, IndexedDocument, Vectors
from localqa.sections import StoreSettings
from localqa.store.lock import IndexBusy
from localqa.store.postgres.catalog import PgCatalog
from localqa.store.postgres.chunks import PgChunks
from localqa.store.postgres.claims import Claims, Heartbeat
from localqa.store.postgres.connection import Database, DatabaseError, explain, server_name
from localqa.store.postgres.lexical import PgLexicalIndex, Tokenizer
from localqa.store.postgres.meta import PgMeta

if TYPE_CHECKING:
    from localqa.store.roots import PathMap
    from localqa.store.sharing import SharedIndexWriter
    from localqa.store.vectors import ChromaVectorStore


class PgIndex(PgMeta):
    """The shared `IndexWriter` (and `SharedIndexWriter`) named by `settings` (the store
    section, with `database_url` set): `with PgIndex(settings) as index:` opens and closes
    it. Raises DatabaseError (one line, exit 1) when the server cannot be reached. Its
    build record and id are in the `meta` table (`PgMeta`, meta.py)."""

    def __init__(self, settings: StoreSettings, *, create: bool = True) -> None:
        self.settings = settings
        self.url = settings.database_url.get_secret_value()
        self.db = Database(self.url, settings.index, create=create)
        self._tokenizer = Tokenizer()
        self.catalog = PgCatalog(self.db)
        # decided at opening, before any chunk is written: an index holding chunks and no
        # id is one from before ids (`_index_id`)
        self._ident = self._index_id()
        # this machine's folder for this shared index: caches only (the BM25 copy, ingest
        # memory), apart from an embedded index of the same name in the same home, and from
        # a shared one of that name on another server (its generations mean other rows)
        self.memory_folder = settings.index_dir / "shared" / (self._ident or "before-ids")
        self.lexical = PgLexicalIndex(self.db, self._tokenizer, self.memory_folder / "lexical")
        self.chunks = PgChunks(self.db, self.lexical)
        self._vectors: ChromaVectorStore | None = None
        # who writes, as claims and orphan collection name it: unique per open index
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._lock_key = int.from_bytes(
            hashlib.sha1(self.db.schema.encode()).digest()[:8], "big", signed=True
        )

    @property
    def vectors(self) -> ChromaVectorStore:
        if self._vectors is None:
            from localqa.store.identity import collection_name
            from localqa.store.vectors import ChromaVectorStore

            s = self.settings
            ident = self._ident
            self._vectors = ChromaVectorStore(
                s.index_dir / "chroma",
                s.chroma_host,
                s.chroma_port,
                collection_name(s.index, ident, bool(s.chroma_host)),
                index_id=ident,
            )
        return self._vectors

    @property
    def poll_s(self) -> float:
        return min(1.0, self.settings.claim_lease_s / 4)

    def close(self) -> None:
        self.db.close()
        self._tokenizer.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # Writers ---------------------------------------------------------------------------

    @contextmanager
    def _locked(self, shared: bool) -> Iterator[None]:
        import psycopg

        try:
            conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        except psycopg.Error as err:
            raise explain(self.url, err) from err
        with conn:
            how = "pg_try_advisory_lock_shared" if shared else "pg_try_advisory_lock"
            row = conn.execute(f"SELECT {how}(%s)", (self._lock_key,)).fetchone()
            if not row or not row[0]:
                raise IndexBusy(
                    f"index {self.settings.index!r} on {server_name(self.url)} is being "
                    "written by another localqa; wait for it to finish and run again"
                )
            yield  # the lock goes with the connection

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the index alone; readers go on reading meanwhile. When the writing
        succeeds, this machine's copy of the postings is brought up to date."""
        with self._locked(shared=False):
            before = self._lexical_generation()
            yield
            self._refresh_copy(before)

    @contextmanager
    def sharing(self) -> Iterator[Claims]:
        """Write beside other ingest runs: this run's claims, renewed until the block ends,
        then settled."""
        with self._locked(shared=True):
            claims = Claims(self.db, self.worker, self.settings.claim_lease_s)
            beat = Heartbeat(claims)
            beat.start()
            before = self._lexical_generation()
            try:
                yield claims
                self._refresh_copy(before)
            finally:
                beat.stop()
                try:
                    claims.settle()
                except Exception as err:  # noqa: BLE001 - the leases run out instead
                    logging.getLogger("localqa").warning("claims not settled: %s", err)

    def _lexical_generation(self) -> int:
        from localqa.store.postgres.arrays import generation

        with self.db.transaction() as conn:
            return generation(conn)

    def _refresh_copy(self, before: int) -> None:
        """After a write that changed the postings (generation `before` no more), make
        this machine's copy of them now, so the next search here finds it current (as the
        embedded index does); a failure costs only the copy."""
        try:
            if self._lexical_generation() != before:
                self.lexical.copy.refresh()
        except DatabaseError as err:
            logging.getLogger("localqa").warning(
                "BM25 copy not made (%s): searches ask %s", err, server_name(self.url)
            )

    def store(
        self,
        chunks: Sequence[Chunk],
        vectors: Vectors,
        complete: Sequence[IndexedDocument] = (),
    ) -> None:
        """Chunk rows first (invisible), then their vectors, then one transaction per
        document that points it at its new chunks (and settles its claim), then the old
        version's chunks are collected: a kill in between leaves orphans only."""
        if chunks:
            self.chunks.add(chunks)
            self.vectors.upsert([c.id for c in chunks], vectors, [c.abs_path for c in chunks])
        for document in complete:
            if self.catalog.commit(document, self.worker):
                self.collect_orphans(document.abs_path)
            else:
                logging.getLogger("localqa").warning(
                    "%s: another ingest took it over (this run's claim ran out); "
                    "its commit is theirs",
                    document.source,
                )

    def move(
        self,
        old: IndexedDocument,
        new: IndexedDocument,
        embed: Callable[[list[str]], Vectors],
    ) -> int:
        """`IndexWriter.move`: new vectors first (where the chunk header names the file
        anew; else the vector store is not opened), then one transaction moves the rows."""
        from localqa.store.moving import repoint_vectors
        from localqa.store.postgres.moving import move_rows

        chunks = self.chunks.of_document(old.abs_path)
        reindex = repoint_vectors(lambda: self.vectors, chunks, new, embed)
        move_rows(self.db, self.lexical, old, new, reindex)
        return len(reindex)

    def discard(self, abs_path: str) -> None:
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

    def collect_orphans(self, abs_path: str | None = None) -> int:
        """Delete chunks (and their vectors) no document names, but for those of documents
        another live run claims. Vectors first: a crash in between leaves rows that the
        next call collects again."""
        ids = self.chunks.orphan_ids(self.worker, abs_path)
        if ids:
            self.vectors.delete(ids)
            self.chunks.delete(ids)
        return len(ids)

    def upgrade_lexical(self) -> int:
        return 0  # the shared index began at the current lexical format

    def reading(self) -> AbstractContextManager[None]:
        """`IndexReader.reading`: one PostgreSQL connection for the block's reads."""
        return self.db.reading()

    def data_version(self) -> int:
        """`IndexReader.data_version`: the catalog's row count and its newest row version
        (`xmin`: every insert and update writes a new one), as one number."""
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT count(*), coalesce(max(xmin::text::bigint), 0) FROM documents"
            ).fetchone()
        count, newest = (int(row[0]), int(row[1])) if row else (0, 0)
        return newest * 1_000_003 + count

    def describe(self) -> dict[str, Any]:
        """What `doctor` says of it: the server, the schema, documents and chunks."""
        return {
            "server": server_name(self.url),
            "schema": self.db.schema,
            "documents": len(self.catalog.documents()),
            "chunks": self.chunks.count(),
        }


def _satisfies_the_protocols(index: PgIndex) -> SharedIndexWriter:
    """Never called: mypy checks that the shared index is what base.py and sharing.py ask."""
    return index
