"""The tables of one shared index, in a PostgreSQL schema of its own, and their upgrade
in place from an older version of localqa.

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

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg

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
# Serialises schema creation and upgrades between processes starting at once.
SCHEMA_LOCK = 4_242_000_001


def create_or_upgrade(conn: psycopg.Connection[Any], schema: str) -> None:
    """Create the index's `schema` (its name), or bring an older one to SCHEMA_VERSION,
    in `conn`'s transaction."""
    from psycopg import sql

    conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
    conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
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
