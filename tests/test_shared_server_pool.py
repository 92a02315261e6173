"""The server over a shared index (real PostgreSQL) with more questions searching at once
than its pool has connections: an answering thread's `reading` block holds none (its calls
run on the index's thread, which holds one per call), so none waits for the pool; and a
wait that does time out says the pool's connections were busy, not that the server
cannot be reached."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from localqa.config import Settings
from localqa.server.confined import Confined
from localqa.store.postgres.connection import Database, DatabaseError
from localqa.store.postgres.index import PgIndex
from localqa.threads import OwnThread
from tests.support.postgres import PostgresServer
from tests.support.servers import shared_settings


def test_more_searches_at_once_than_pooled_connections_all_read(
    settings: Settings, postgres: PostgresServer
) -> None:
    """Every answering thread is inside its `reading` block at once (a barrier), then
    reads. Before: each held one of the pool's 4 connections there, and the 5th and 6th
    (and the index's thread, for the reads) waited 15 s for one, then failed."""
    shared = shared_settings(settings, postgres, chroma=0)  # no vectors are read here
    thread = OwnThread()
    pg = thread.call(lambda: PgIndex(shared.store))
    try:
        index = Confined.index(lambda: pg, thread)
        answering = pg.db.pool.max_size + 2
        inside = threading.Barrier(answering, timeout=120)

        def search() -> int:
            try:
                with index.reading():
                    inside.wait()
                    return len(index.catalog.documents())
            except BaseException:
                inside.abort()  # the others stop waiting for this one
                raise

        with ThreadPoolExecutor(answering) as pool:
            read = list(pool.map(lambda _: search(), range(answering)))
        assert read == [0] * answering
    finally:
        thread.call(pg.close)
        thread.close()


def test_a_pool_wait_that_times_out_says_the_connections_were_busy(
    postgres: PostgresServer,
) -> None:
    db = Database(postgres.url, "busy_pool", size=1, wait_s=0.2)
    try:
        # the pool's one connection, held by this thread while another asks for one
        with (
            db.reading(),
            ThreadPoolExecutor(1) as other,
            pytest.raises(DatabaseError) as raised,
        ):
            other.submit(db.exists).result()
        message = str(raised.value)
        assert "all 1 of this process's connections" in message, message
        assert "busy" in message and "cannot be reached" not in message, message
        assert "\n" not in message
    finally:
        db.close()
