"""The shared index's PostgreSQL database: a connection pool (psycopg 3, psycopg_pool), the
schema of one named index (a PostgreSQL schema of its own, so one database holds several
indexes; its tables and their upgrade in place: schema.py), and one-line errors that name
the server, never the password.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from localqa.errors import LocalqaError
from localqa.store.postgres.schema import SCHEMA, SCHEMA_VERSION, create_or_upgrade

if TYPE_CHECKING:
    import psycopg
    from psycopg_pool import ConnectionPool

# SCHEMA and SCHEMA_VERSION are schema.py's, importable from here as before.
__all__ = ["SCHEMA", "SCHEMA_VERSION", "Database", "DatabaseError", "explain", "server_name"]

CONNECT_TIMEOUT_S = 10
POOL_TIMEOUT_S = 15.0  # the longest a statement waits for one of the pool's connections


class DatabaseError(LocalqaError):
    """The PostgreSQL server of `database_url` cannot be reached, refuses the credentials,
    or fails a statement: one line naming the server (never the password)."""

    http_status = 503


def server_name(url: str) -> str:
    """`url` without its password: postgresql://user@host:port/database."""
    parts = urlsplit(url)
    user = f"{parts.username}@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    host = parts.hostname or "localhost"
    return f"{parts.scheme}://{user}{host}{port}{parts.path}"


def explain(url: str, err: BaseException, pool_size: int | None = None) -> DatabaseError:
    """One line for what went wrong talking to the server of `url`, and what to do;
    `pool_size`: the connections of the pool that timed out, if it was a pool's wait."""
    import psycopg
    from psycopg_pool import PoolTimeout

    where = f"PostgreSQL server {server_name(url)}"
    if isinstance(err, PoolTimeout) and pool_size is not None:
        # the server is up: this process's connections to it were all in use meanwhile
        return DatabaseError(
            f"all {pool_size} of this process's connections to {where} were busy ({err}); "
            "ask fewer questions at once, then run again"
        )
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

    def __init__(
        self,
        url: str,
        index: str,
        *,
        create: bool = True,
        size: int = 4,
        wait_s: float = POOL_TIMEOUT_S,
    ) -> None:
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
        probe(url)
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
            timeout=wait_s,
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
            raise self._explained(err) from err

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
            raise self._explained(err) from err

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

    def _explained(self, err: BaseException) -> DatabaseError:
        """`explain`, for the pool's timeout too: the server down (asked at once, on a
        connection of its own) is said as such; else all the pool's connections were busy."""
        from psycopg_pool import PoolTimeout

        if isinstance(err, PoolTimeout):
            try:
                probe(self.url, connect_timeout=3)
            except DatabaseError as down:
                return down
        return explain(self.url, err, self.pool.max_size)

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
        with self.transaction() as conn:
            create_or_upgrade(conn, self.schema)

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


def probe(url: str, connect_timeout: int = CONNECT_TIMEOUT_S) -> None:
    """Connect once and let go; raises DatabaseError naming what the server said."""
    import psycopg

    try:
        psycopg.connect(url, connect_timeout=connect_timeout).close()
    except psycopg.Error as err:
        raise explain(url, err) from err
