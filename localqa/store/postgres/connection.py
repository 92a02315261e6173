"""The shared index's PostgreSQL database: a connection pool (psycopg 3, psycopg_pool), the
schema of one named index (a PostgreSQL schema of its own, so one database holds several
indexes), its upgrade in place, and one-line errors that name the server, never the
password.

Tables (the embedded catalog's, plus what sharing needs):
- documents: one row per document, naming its visible version (`doc_hash`).
- chunks: chunk text and provenance; `length` = its tokens as the lexical index counts them.
- postings: (term, chunk, tf) of every chunk, for BM25 (lexical.py).
- lexical_stats: one row: how many chunks and tokens `postings` covers (BM25's N, avgdl).
- claims: which ingest worker holds which document, until when (claims.py).
- meta: the build record (embedder, settings, scan time) and `schema_version`.
- roots: each folder ingested, by name, with the path it was first ingested from
  (localqa/store/roots.py: what other machines map to their own mounts).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from localqa.errors import LocalqaError

if TYPE_CHECKING:
    import psycopg
    from psycopg_pool import ConnectionPool

# 1: the first. 2: `chunks.length` and `claims.finished` (upgraded in place below).
# 3: `roots` (created by SCHEMA; the roots of documents already there named in place).
SCHEMA_VERSION = 3
SCHEMA = """
CREATE TABLE IF NOT EXISTS documents(
    abs_path TEXT PRIMARY KEY, source TEXT NOT NULL, root TEXT NOT NULL,
    doc_hash TEXT NOT NULL, size BIGINT NOT NULL, mtime_ns BIGINT NOT NULL,
    title TEXT NOT NULL DEFAULT '', page_kind TEXT NOT NULL DEFAULT 'page',
    pages INTEGER NOT NULL DEFAULT 0, chunks INTEGER NOT NULL DEFAULT 0,
    ingested_at TEXT NOT NULL DEFAULT '', ctime_ns BIGINT NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS chunks(
    rowid BIGSERIAL PRIMARY KEY, id TEXT NOT NULL UNIQUE, abs_path TEXT NOT NULL,
    source TEXT NOT NULL, page INTEGER NOT NULL, line_start INTEGER NOT NULL,
    line_end INTEGER NOT NULL, char_start INTEGER NOT NULL, char_end INTEGER NOT NULL,
    doc_hash TEXT NOT NULL, title TEXT NOT NULL, section TEXT NOT NULL,
    page_kind TEXT NOT NULL, text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks(abs_path, doc_hash);
CREATE TABLE IF NOT EXISTS postings(
    term TEXT NOT NULL, chunk BIGINT NOT NULL REFERENCES chunks(rowid) ON DELETE CASCADE,
    tf INTEGER NOT NULL, dl INTEGER NOT NULL, PRIMARY KEY (term, chunk));
CREATE INDEX IF NOT EXISTS postings_by_chunk ON postings(chunk);
CREATE TABLE IF NOT EXISTS lexical_stats(
    one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one), row_count BIGINT NOT NULL,
    token_count BIGINT NOT NULL);
INSERT INTO lexical_stats VALUES (TRUE, 0, 0) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS claims(
    abs_path TEXT PRIMARY KEY, doc_hash TEXT NOT NULL, worker TEXT NOT NULL,
    expires TIMESTAMPTZ NOT NULL, state TEXT NOT NULL DEFAULT 'claimed');
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS roots(
    name TEXT PRIMARY KEY, path TEXT NOT NULL UNIQUE, machine TEXT NOT NULL DEFAULT '');
"""
# Each step brings a schema of the version before it to its own (run in order, in the
# transaction that records the new version).
UPGRADES = {
    2: """
ALTER TABLE chunks ADD COLUMN IF NOT EXISTS length INTEGER NOT NULL DEFAULT 0;
ALTER TABLE claims ADD COLUMN IF NOT EXISTS finished TIMESTAMPTZ;
""",
}
CONNECT_TIMEOUT_S = 10
# Serialises schema creation and upgrades between processes starting at once.
SCHEMA_LOCK = 4_242_000_001


class DatabaseError(LocalqaError):
    """The PostgreSQL server of `database_url` cannot be reached, refuses the credentials,
    or fails a statement: one line naming the server (never the password)."""


def server_name(url: str) -> str:
    """`url` without its password: postgresql://user@host:port/database."""
    parts = urlsplit(url)
    user = f"{parts.username}@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    host = parts.hostname or "localhost"
    return f"{parts.scheme}://{user}{host}{port}{parts.path}"


def explain(url: str, err: BaseException) -> DatabaseError:
    """One line for what went wrong talking to the server of `url`, and what to do."""
    import psycopg

    where = f"PostgreSQL server {server_name(url)}"
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    text = text.replace(url, server_name(url))
    sqlstate = getattr(err, "sqlstate", None) or ""
    if sqlstate == "28P01" or "password authentication failed" in text:
        return DatabaseError(
            f"{where} refused the credentials: check the user and password in database_url"
        )
    if sqlstate == "3D000":
        return DatabaseError(f"{where}: {text}; create the database or fix database_url")
    if sqlstate.startswith("53") or "No space left" in text:
        return DatabaseError(
            f"{where} is out of space or resources ({text}); free disk space "
            "on the server, then run again: nothing stored is lost"
        )
    if isinstance(err, psycopg.OperationalError | TimeoutError):
        return DatabaseError(
            f"{where} cannot be reached ({text}); start it or fix database_url, then run again"
        )
    return DatabaseError(f"{where}: {text}")


def schema_name(index: str) -> str:
    """The PostgreSQL schema of the named index (index names: config.INDEX_NAME)."""
    return f"localqa_{index}"[:63]


class Database:
    """A pool of connections to `url`, each working in the schema of `index`. Raises
    DatabaseError (one line) when the server cannot be reached or refuses."""

    def __init__(self, url: str, index: str, *, create: bool = True, size: int = 4) -> None:
        from psycopg import sql
        from psycopg_pool import ConnectionPool

        self.url = url
        self.schema = schema_name(index)
        self._held = threading.local()  # the connection `reading` holds, per thread
        path = sql.SQL("SET search_path TO {}").format(sql.Identifier(self.schema))

        def configure(conn: psycopg.Connection[Any]) -> None:
            conn.execute(path)
            conn.commit()

        # the server's own reason for refusing, at once (the pool would retry it for its
        # whole timeout, logging each try)
        _probe(url)
        logging.getLogger("psycopg.pool").setLevel(logging.ERROR)
        self.pool: ConnectionPool[Any] = ConnectionPool(
            url,
            min_size=1,
            max_size=size,
            open=False,
            configure=configure,
            # a connection broken meanwhile (the server restarted) is replaced, not used
            check=ConnectionPool.check_connection,
            kwargs={"connect_timeout": CONNECT_TIMEOUT_S, "application_name": "localqa"},
            timeout=15,
        )
        try:
            self.pool.open(wait=True, timeout=15)
        except Exception as err:  # the pool's timeout, whatever the cause
            self.pool.close()
            raise explain(url, err) from err
        if create:
            self.ensure_schema()

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection inside one transaction (committed when the block ends,
        rolled back on error); the one this thread holds (`reading`), if any. Raises
        DatabaseError for the server's failures."""
        import psycopg

        held = getattr(self._held, "conn", None)  # a thread never waits for a second one
        try:
            if held is not None:
                with held.transaction():
                    yield held
                return
            with self.pool.connection() as conn, conn.transaction():
                yield conn
        except (psycopg.Error, TimeoutError) as err:
            raise explain(self.url, err) from err

    @contextmanager
    def reading(self) -> Iterator[None]:
        """One pooled connection held by this thread for the block, in autocommit: each
        `read` in it takes it as it is, each statement its own snapshot, so a search costs
        one checkout (the pool's liveness check) and one round trip per statement, where a
        transaction each cost three more (check, BEGIN, COMMIT). Nested: the outer block's.
        Raises DatabaseError."""
        import psycopg

        if getattr(self._held, "conn", None) is not None:
            yield
            return
        try:
            with self.pool.connection() as conn:
                conn.autocommit = True  # on the client alone: the connection is idle
                self._held.conn = conn
                try:
                    yield
                finally:
                    self._held.conn = None
                    with suppress(psycopg.Error):  # a broken one: the pool drops it
                        conn.autocommit = False
        except (psycopg.Error, TimeoutError) as err:
            raise explain(self.url, err) from err

    @contextmanager
    def read(self) -> Iterator[psycopg.Connection[Any]]:
        """A connection for reads: the one this thread holds (`reading`), else a pooled one
        in a transaction of its own (`transaction`). Raises DatabaseError."""
        import psycopg

        held = getattr(self._held, "conn", None)
        if held is None:
            with self.transaction() as conn:
                yield conn
            return
        try:
            yield held
        except (psycopg.Error, TimeoutError) as err:
            raise explain(self.url, err) from err

    def exists(self) -> bool:
        """Whether the index's schema has been created (by an ingest)."""
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = %s "
                "AND table_name = 'meta'",
                (self.schema,),
            ).fetchone()
        return row is not None

    def ensure_schema(self) -> None:
        """Create the index's schema, or upgrade an older one in place."""
        from psycopg import sql

        with self.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            conn.execute(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.schema))
            )
            conn.execute(SCHEMA)
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            version = int(row[0]) if row else (1 if _has_rows(conn) else 0)
            for step in sorted(UPGRADES):
                if version < step:
                    conn.execute(UPGRADES[step])
            _name_roots(conn)
            if version < SCHEMA_VERSION:
                conn.execute(
                    "INSERT INTO meta VALUES ('schema_version', %s) ON CONFLICT (key) "
                    "DO UPDATE SET value = excluded.value",
                    (str(SCHEMA_VERSION),),
                )

    def describe(self) -> dict[str, str | int]:
        """The server's version, and the index's schema: its version, documents, chunks
        (or that it is not built yet)."""
        with self.transaction() as conn:
            row = conn.execute("SHOW server_version").fetchone()
            facts: dict[str, str | int] = {"server_version": str(row[0]) if row else "?"}
        if not self.exists():
            facts["index"] = f"schema {self.schema} not built yet: run `localqa ingest PATH`"
            return facts
        with self.transaction() as conn:
            version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'")
            found = version.fetchone()
            counts = conn.execute(
                "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM chunks c "
                "JOIN documents d ON d.abs_path = c.abs_path AND d.doc_hash = c.doc_hash)"
            ).fetchone()
        stored = int(found[0]) if found else 1
        facts["schema"] = self.schema
        facts["schema_version"] = (
            f"{stored} (current)"
            if stored >= SCHEMA_VERSION
            else f"{stored}: upgraded in place to {SCHEMA_VERSION} by the next ingest"
        )
        if counts:
            facts["documents"], facts["chunks"] = int(counts[0]), int(counts[1])
        return facts

    def close(self) -> None:
        self.pool.close()


def _probe(url: str) -> None:
    """Connect once and let go; raises DatabaseError naming what the server said."""
    import psycopg

    try:
        psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S).close()
    except psycopg.Error as err:
        raise explain(url, err) from err


def _name_roots(conn: psycopg.Connection[Any]) -> None:
    """Name the roots of the documents of a schema from before roots, in place; nothing
    is re-keyed. A schema that names some roots already is left as it is, so the catalog
    is not scanned on every opening."""
    from localqa.store.roots import name_roots

    if conn.execute("SELECT 1 FROM roots LIMIT 1").fetchone():
        return
    folders = [row[0] for row in conn.execute("SELECT DISTINCT root FROM documents")]
    if not folders:
        return
    named = dict(conn.execute("SELECT name, path FROM roots").fetchall())
    for name, path in name_roots(folders, named).items():
        conn.execute(
            "INSERT INTO roots(name, path) VALUES (%s, %s) ON CONFLICT DO NOTHING", (name, path)
        )


def _has_rows(conn: psycopg.Connection[Any]) -> bool:
    """Whether the tables hold anything: a schema without a version that does was written
    by the first version (before it recorded one)."""
    return conn.execute("SELECT EXISTS (SELECT 1 FROM documents)").fetchone() == (True,)
