"""A search of the shared index (real PostgreSQL, a Chroma server) holds one pooled
connection through it (`IndexReader.reading`): one checkout, no transaction around each
read, one round trip per query. Counted by the server itself (`log_statement = all`), not
timed: a search made 13 statements before (a liveness check, BEGIN and COMMIT around each
of its 4 queries' reads), and makes 5 now."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg

from localqa.builder import Builder
from localqa.config import Settings
from localqa.embedding.embedder import Embedder
from localqa.store.postgres.index import PgIndex
from tests.conftest import SAMPLE_DOCS
from tests.support.postgres import PASSWORD, PostgresServer
from tests.support.servers import shared_settings
from tests.test_shared_index import environment


def _log_statements(server: PostgresServer, setting: str) -> None:
    admin = f"postgresql://postgres:{PASSWORD}@127.0.0.1:{server.port}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"ALTER SYSTEM SET log_statement = '{setting}'")
        conn.execute("SELECT pg_reload_conf()")


def _logged(log: Path, start: int) -> list[str]:
    """The statements logged after byte `start`: their text after `LOG:  `."""
    text = log.read_bytes()[start:].decode("utf-8", "replace")
    return [line.split("LOG:  ", 1)[1] for line in text.splitlines() if "LOG:  " in line]


def test_a_shared_index_search_makes_one_round_trip_per_query(
    settings: Settings,
    postgres: PostgresServer,
    chroma_port: int,
    embedder: Embedder,
    tmp_path: Path,
) -> None:
    shared = shared_settings(settings, postgres, chroma_port)
    env = environment(shared, tmp_path / "machine")
    command = [sys.executable, "-m", "localqa", "ingest", "--quiet", str(SAMPLE_DOCS)]
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=600)
    log = postgres.data.parent / "server.log"
    with PgIndex(shared.store) as index:
        index.lexical.copy.refresh()  # current, as an ingest here leaves it: no thread makes it
        retriever = Builder(shared).retriever(index, embedder)
        assert retriever.search("When is salary paid?").results  # warm: the documents listed
        _log_statements(postgres, "all")
        try:
            start = log.stat().st_size
            probe = "SELECT 'localqa-probe'"
            for _ in range(500):  # until this connection's server process logs statements
                with index.db.read() as conn:
                    conn.execute(probe)
                if any(probe in line for line in _logged(log, start)):
                    break
            start = log.stat().st_size
            found = retriever.search("When is salary paid?")
            sent = _logged(log, start)
        finally:
            _log_statements(postgres, "none")
    assert found.results and found.results[0].chunk.source == "faq.txt"
    assert not [s for s in sent if s.endswith(("BEGIN", "COMMIT"))], sent
    assert [s for s in sent if s == "statement: "] == ["statement: "], sent  # one checkout
    # the catalog's stamp, the dense hits' rows, the postings' generation, the lexical
    # hits' rows (a second lookup only when too few of the best are visible)
    assert 5 <= len(sent) <= 6, sent


def test_a_thread_holding_a_connection_never_waits_for_a_second(postgres: PostgresServer) -> None:
    """Inside `reading`, a transaction (a first search opening the vector store asks for the
    index's id in one) runs on the connection the thread holds: with a pool of one it would
    otherwise wait for itself until the pool's timeout. After the block, the connection is
    the pool's again, as it was (not in autocommit)."""
    from localqa.store.postgres.connection import Database

    db = Database(postgres.url, "held_connection", size=1)
    try:
        with db.reading(), db.read() as read, db.transaction() as written:
            assert written is read
            written.execute("INSERT INTO meta VALUES ('probe', 'held') ON CONFLICT DO NOTHING")
        with db.transaction() as conn:
            assert not conn.autocommit
            row = conn.execute("SELECT value FROM meta WHERE key = 'probe'").fetchone()
        assert row == ("held",)
    finally:
        db.close()
