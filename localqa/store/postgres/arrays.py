"""The shared index's BM25 postings copied to this machine as arrays (the embedded index's
`LexicalSnapshot`, localqa/store/lexical.py), so that a search scores them in memory: in
PostgreSQL, BM25 aggregates every posting of the question's terms (common words are held by
a fifth of all chunks), ~130 ms at 100,000 chunks; the arrays take a few milliseconds
(docs/BENCHMARKS-LOG.md). The scores are the arrays' FTS5 arithmetic, so the ranking is the
embedded index's.

A copy belongs to one lexical generation: the row version (`xmin`) of `lexical_stats`, which
every transaction that changes the postings also updates (chunks.py, moving.py), so the
generation changes with every change to the postings and with nothing else. A search reads
the generation (one row) and uses the copy only when it is that generation's; otherwise
PostgreSQL answers. The copy is made by a write on this machine when it ends (PgIndex), or
by a thread once a process has searched a stale copy STALE_SEARCHES times (a server, a chat,
an evaluation; a one-question `ask` would not live to finish the read, which costs the
server ~2.5 s per million postings). Copies are kept in the machine's LOCALQA_HOME (a cache,
like the embedded index's own copy), so the next process on this machine finds the current
one without reading the postings again.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from localqa.store.lexical import LexicalSnapshot, PostingsBuilder, load, save
from localqa.store.postgres.connection import Database

if TYPE_CHECKING:
    import psycopg

GENERATION_SQL = "SELECT xmin::text::bigint, row_count FROM lexical_stats"
ROWIDS_SQL = "SELECT rowid FROM chunks ORDER BY rowid"
# Per term, the chunk of each occurrence (a chunk holding the term three times: three
# times, each followed by a comma): what FTS5's instance vocabulary gives the embedded
# index's copy. Read in one pass (a sequential scan hashed by term: 2.3 s a million
# postings at load 15, where the primary key's order took 7 s); PostingsBuilder sorts.
OCCURRENCES_SQL = (
    "SELECT term, string_agg(repeat(chunk::text || ',', tf), '') FROM postings GROUP BY term"
)
ONE_PASS = (
    "SET LOCAL work_mem = '64MB'",
    "SET LOCAL enable_indexscan = off",
    "SET LOCAL enable_indexonlyscan = off",
    "SET LOCAL enable_bitmapscan = off",
)
FETCH_ROWS = 2000  # terms fetched at a time (bounded memory)
STALE_SEARCHES = 3


def generation(conn: psycopg.Connection[Any]) -> int:
    """The postings' generation as `conn` sees them: the `lexical_stats` row's version and
    its chunk count, as one number (the count guards against a wrapped-around `xmin`)."""
    row = conn.execute(GENERATION_SQL).fetchone()
    return (int(row[0]) << 32) | (int(row[1]) & 0xFFFFFFFF) if row else 0


def read_snapshot(db: Database) -> LexicalSnapshot:
    """The postings as arrays, read in one REPEATABLE READ transaction, so that the copy
    and its generation belong together. Raises DatabaseError."""
    with db.transaction() as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        stamp = generation(conn)
        rowids = np.array([r for (r,) in conn.execute(ROWIDS_SQL)], dtype=np.int64)
        builder = PostingsBuilder(rowids)
        for setting in ONE_PASS:
            conn.execute(setting)
        with conn.cursor(name="localqa_postings") as cursor:
            cursor.itersize = FETCH_ROWS
            cursor.execute(OCCURRENCES_SQL)
            for term, occurrences in cursor:
                builder.add(term, occurrences.rstrip(","))
    return builder.snapshot(stamp)


class PostingsCopy:
    """This machine's copy of the postings of `db` (module docstring), kept in `folder`
    (None: in memory only). Thread-safe."""

    def __init__(self, db: Database, folder: Path | None) -> None:
        self._db = db
        self._folder = folder
        self._snapshot: LexicalSnapshot | None = None
        self._lock = threading.Lock()
        self._building: threading.Thread | None = None
        self._stale_searches = 0

    def current(self, conn: psycopg.Connection[Any]) -> LexicalSnapshot | None:
        """The copy of the generation `conn` sees, or None while there is none (after
        STALE_SEARCHES such searches a thread starts making it)."""
        stamp = generation(conn)
        snapshot = self._snapshot
        if snapshot is not None and snapshot.generation == stamp:
            return snapshot
        if self._folder is not None and (snapshot := load(self._folder, stamp)) is not None:
            self._snapshot = snapshot
            return snapshot
        self._stale_searches += 1
        if self._stale_searches >= STALE_SEARCHES:
            self._start_building()
        return None

    def refresh(self) -> LexicalSnapshot:
        """Make the copy of the generation now and keep it (in memory, and in the folder
        when it can be written). Raises DatabaseError."""
        snapshot = read_snapshot(self._db)
        self._snapshot = snapshot
        self._stale_searches = 0
        if self._folder is not None:
            try:
                save(snapshot, self._folder)
            except OSError as err:  # a cache: this process keeps its copy in memory
                logging.getLogger("localqa").debug("BM25 copy not saved: %s", err)
        return snapshot

    def wait(self) -> None:
        """Until the copy being made, if any, is done (tests, benchmarks)."""
        building = self._building
        if building is not None:
            building.join()

    def _start_building(self) -> None:
        with self._lock:
            if self._building is not None and self._building.is_alive():
                return
            self._building = threading.Thread(
                target=self._build, name="localqa-bm25-copy", daemon=True
            )
            self._building.start()

    def _build(self) -> None:
        try:
            self.refresh()
        except Exception as err:  # noqa: BLE001 - the server answers searches meanwhile
            logging.getLogger("localqa").debug("BM25 copy not made: %s", err)
