"""The embedded index's SQLite file (catalog.sqlite): its schema, the visibility rule every
read joins on, and write transactions. One connection serves the catalog of documents
(catalog.py), the chunk rows (chunks.py) and lexical search (fts.py).

WAL mode: readers never block the writer, nor the writer them. A chunk is visible only
while its document's row carries the chunk's document hash (`VISIBLE`). New chunks are
written first, invisible; one transaction then points the document at them. Chunks no
document points at are orphans, collected by `SqliteChunks.orphan_ids` + `delete`. So an
ingest killed at any moment leaves the previous version intact and no half-document.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from localqa.errors import StorageError
from localqa.schema import Chunk
from localqa.store.faults import GuardedConnection, sqlite_fault, storage_faults
from localqa.text import lexical_text

# One tokenizer for the index and for questions: the BM25 arrays look questions' terms up
# in the index's own vocabulary. unicode61 takes an unspaced CJK run as one token, so the
# indexed text is `lexical_text` (CJK runs as spaced bigrams) and questions are `words`:
# both give the same tokens. The chunk text itself is stored as it is.
TOKENIZER = "porter unicode61"
# What the indexed text is (`fts_body`): 2 = `lexical_text` (CJK bigrams); 3 = with the
# full words of abbreviations ("ref." -> "reference"). An index written before has an older
# row or none; `SqliteLexicalIndex.upgrade` re-indexes its stored chunks (no document is
# re-read).
LEXICAL_FORMAT = 3
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS documents(
    abs_path TEXT PRIMARY KEY, source TEXT NOT NULL, root TEXT NOT NULL,
    doc_hash TEXT NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    title TEXT NOT NULL DEFAULT '', page_kind TEXT NOT NULL DEFAULT 'page',
    pages INTEGER NOT NULL DEFAULT 0, chunks INTEGER NOT NULL DEFAULT 0,
    ingested_at TEXT NOT NULL DEFAULT '', ctime_ns INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS chunks(
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, abs_path TEXT NOT NULL,
    source TEXT NOT NULL, page INTEGER NOT NULL, line_start INTEGER NOT NULL,
    line_end INTEGER NOT NULL, char_start INTEGER NOT NULL, char_end INTEGER NOT NULL,
    content_hash TEXT NOT NULL, doc_hash TEXT NOT NULL, title TEXT NOT NULL,
    section TEXT NOT NULL, page_kind TEXT NOT NULL, text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks(abs_path);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(body, tokenize='{TOKENIZER}');
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS roots(
    name TEXT PRIMARY KEY, path TEXT NOT NULL UNIQUE, machine TEXT NOT NULL DEFAULT '');
"""
# The columns a Chunk is read from, in its fields' order. `chunks.content_hash` is not
# among them: nothing read it. The column stays, NOT NULL, so indexes stay readable both
# ways (an older localqa opens a newer index); new rows get '' (`INSERT_CHUNK`).
CHUNK_COLUMNS = (
    "id, text, source, abs_path, page, line_start, line_end, char_start, char_end, "
    "doc_hash, title, section, page_kind"
)
INSERT_CHUNK = (
    f"INSERT OR REPLACE INTO chunks({CHUNK_COLUMNS}, content_hash) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,'')"
)
# Joined by every read of chunks `c`: only chunks of their document's visible version.
VISIBLE = "JOIN documents d ON d.abs_path = c.abs_path AND d.doc_hash = c.doc_hash"
# Bumped by every change to chunks_fts: the stamp of localqa/store/lexical.py's copies.
GENERATION_SQL = "SELECT coalesce(max(value), 0) FROM meta WHERE key = 'lexical_generation'"
BUMP_GENERATION_SQL = (
    "INSERT INTO meta VALUES ('lexical_generation', 1) "
    "ON CONFLICT(key) DO UPDATE SET value = value + 1"
)


def connect(path: Path, read_only: bool = False) -> sqlite3.Connection:
    """Open the catalog at `path`, in autocommit: writes go through `Transaction`. A
    writer creates it (and its folder) if need be; a reader (`read_only`) writes nothing,
    not even its WAL index on a read-only folder (`_open_read_only`). Its errors are one
    line each (faults.GuardedConnection): StorageError, IndexDamaged."""
    if read_only:
        return _open_read_only(path)
    with storage_faults(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=30.0, isolation_level=None, factory=GuardedConnection)
    db.path = path
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(SCHEMA)
    _add_columns(db)
    _name_roots(db)
    return db


def _open_read_only(path: Path) -> sqlite3.Connection:
    """`mode=ro`; where that cannot open a WAL catalog (a read-only folder: no -shm file
    can be made), `immutable=1`, which reads the file as it is and takes no locks (a
    writer on a read-only folder is impossible anyway)."""
    last: Exception | None = None
    for flag in ("mode=ro", "immutable=1"):
        uri = f"{path.resolve().as_uri()}?{flag}"
        try:
            db = sqlite3.connect(
                uri, uri=True, timeout=30.0, isolation_level=None, factory=GuardedConnection
            )
        except sqlite3.Error as err:
            last = sqlite_fault(err, path) or err
            continue
        db.path = path
        try:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except StorageError as err:  # cannot open (the WAL index): try the next way
            db.close()
            last = err
            continue
        return db
    assert last is not None
    raise last


def _add_columns(db: sqlite3.Connection) -> None:
    """Upgrade a catalog written before a column was added, in place: `ctime_ns` (0 = not
    recorded, so each such document is hashed once by the next ingest, ingest/scan.py)."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(documents)")}
    if "ctime_ns" not in columns:
        with Transaction(db):
            columns = {row[1] for row in db.execute("PRAGMA table_info(documents)")}
            if "ctime_ns" not in columns:  # another process may have added it meanwhile
                db.execute("ALTER TABLE documents ADD COLUMN ctime_ns INTEGER NOT NULL DEFAULT 0")


def _name_roots(db: sqlite3.Connection) -> None:
    """Name the roots of the documents of an index from before roots were named
    (localqa/store/roots.py), in place; nothing is re-keyed. An index that names some
    roots already is left as it is (a document no named root holds is where it was
    ingested from), so the catalog is not scanned on every opening."""
    if db.execute("SELECT 1 FROM roots LIMIT 1").fetchone():
        return
    made = unnamed_roots(db)
    if made:
        with Transaction(db):
            db.executemany("INSERT OR IGNORE INTO roots(name, path) VALUES (?, ?)", made.items())


def unnamed_roots(db: sqlite3.Connection) -> dict[str, str]:
    """Names (name -> folder) for the recorded roots of documents no named root holds."""
    from localqa.store.roots import name_roots

    folders = [row[0] for row in db.execute("SELECT DISTINCT root FROM documents")]
    named = {name: path for name, (path, _) in named_roots(db).items()}
    return name_roots(folders, named) if folders else {}


def named_roots(db: sqlite3.Connection) -> dict[str, tuple[str, str]]:
    """The named roots (name -> (the path first ingested from, the machine that named
    it)); {} for a catalog from before roots, opened for reading."""
    try:
        rows = db.execute("SELECT name, path, machine FROM roots").fetchall()
        return {name: (path, machine) for name, path, machine in rows}
    except sqlite3.OperationalError:  # no roots table: read-only, from before roots
        return {}


def chunk_row(chunk: Chunk) -> tuple[object, ...]:
    """The values of `INSERT_CHUNK` for `chunk`."""
    return (
        chunk.id,
        chunk.text,
        chunk.source,
        chunk.abs_path,
        chunk.page,
        chunk.line_start,
        chunk.line_end,
        chunk.char_start,
        chunk.char_end,
        chunk.doc_hash,
        chunk.title,
        chunk.section,
        chunk.page_kind,
    )


def to_chunk(row: Sequence[object]) -> Chunk:
    """A Chunk from the `CHUNK_COLUMNS` of a row."""
    return Chunk(*row)  # type: ignore[arg-type]


def prefixed() -> str:
    """`CHUNK_COLUMNS` of the chunks table aliased `c`."""
    return ", ".join(f"c.{name.strip()}" for name in CHUNK_COLUMNS.split(","))


def fts_body(chunk: Chunk) -> str:
    """What chunks_fts indexes for a chunk, in `LEXICAL_FORMAT`."""
    return lexical_text(chunk.embedding_text())


def has_chunks(db: sqlite3.Connection) -> bool:
    return db.execute("SELECT 1 FROM chunks LIMIT 1").fetchone() is not None


class Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on error (the connection is in autocommit)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")


def copy_folder(folder: Path, generation: int) -> Path:
    """Where the lexical array copy of `generation` lives (lexical.py; here, so that
    seeing it is current loads no numpy): the name is the stamp, so a reader that knows
    the catalog's generation opens that copy or none, never a copy being swapped."""
    return folder / f"generation-{generation}"
