"""Chunk rows of the shared index and their postings (connection.py). Reads join the
visible version; writes add rows invisible, with their postings and the BM25 totals, in one
transaction, and delete orphans.

An orphan (a chunk no document names) is collected only when no other live worker holds a
claim on its document (claims.py): a document being written by another ingest, on this
machine or another, has chunks no document names yet, and they are not orphans."""

from __future__ import annotations

from collections.abc import Sequence

from localqa.schema import Chunk
from localqa.store.chunks import OPENINGS_SQL
from localqa.store.database import CHUNK_COLUMNS, chunk_row, prefixed, to_chunk
from localqa.store.postgres.connection import Database
from localqa.store.postgres.lexical import PgLexicalIndex

VISIBLE = "JOIN documents d ON d.abs_path = c.abs_path AND d.doc_hash = c.doc_hash"
# Chunks no document names, whose document no other live worker claims.
ORPHANS_SQL = """
SELECT c.id FROM chunks c
WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.abs_path = c.abs_path
                  AND d.doc_hash = c.doc_hash)
  AND NOT EXISTS (SELECT 1 FROM claims k WHERE k.abs_path = c.abs_path
                  AND k.state = 'claimed' AND k.worker <> %(worker)s AND k.expires > now())
"""
INSERT_SQL = f"""
INSERT INTO chunks({CHUNK_COLUMNS}, length)
SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::int[], %s::int[],
                     %s::int[], %s::int[], %s::int[], %s::text[], %s::text[], %s::text[],
                     %s::text[], %s::int[])
ON CONFLICT (id) DO NOTHING
RETURNING rowid, id
"""
DELETE_SQL = """
WITH gone AS (DELETE FROM chunks WHERE id = ANY(%s) RETURNING length)
UPDATE lexical_stats SET row_count = row_count - (SELECT count(*) FROM gone),
    token_count = token_count - (SELECT coalesce(sum(length), 0) FROM gone)
"""


class PgChunks:
    """`ChunkReader` over the `chunks` table, plus the writes `PgIndex` makes."""

    def __init__(self, db: Database, lexical: PgLexicalIndex) -> None:
        self._db = db
        self._lexical = lexical

    def count(self) -> int:
        with self._db.read() as conn:
            row = conn.execute(f"SELECT count(*) FROM chunks c {VISIBLE}").fetchone()
        return int(row[0]) if row else 0

    def by_id(self, ids: Sequence[str]) -> dict[str, Chunk]:
        if not ids:
            return {}
        sql = f"SELECT {prefixed()} FROM chunks c {VISIBLE} WHERE c.id = ANY(%s)"
        with self._db.read() as conn:
            return {row[0]: to_chunk(row) for row in conn.execute(sql, (list(ids),))}

    def of_document(self, abs_path: str) -> list[Chunk]:
        sql = f"SELECT {prefixed()} FROM chunks c {VISIBLE} WHERE c.abs_path = %s ORDER BY c.rowid"
        with self._db.read() as conn:
            return [to_chunk(row) for row in conn.execute(sql, (abs_path,))]

    def openings(self, chars: int) -> dict[str, str]:
        with self._db.read() as conn:
            rows = conn.execute(OPENINGS_SQL, (chars,)).fetchall()
        return {str(path): str(text) for path, text in rows if text is not None}

    def neighbours(self, chunk: Chunk) -> tuple[Chunk | None, Chunk | None]:
        found: list[Chunk | None] = []
        with self._db.read() as conn:
            # before: starts earlier; after: reaches further (chunks overlap by a few tokens)
            for test, offset, order in (
                ("c.char_start <", chunk.char_start, "DESC"),
                ("c.char_end >", chunk.char_end, "ASC"),
            ):
                sql = (
                    f"SELECT {prefixed()} FROM chunks c {VISIBLE} WHERE c.abs_path = %s AND "
                    f"c.page = %s AND {test} %s ORDER BY c.char_start {order} LIMIT 1"
                )
                row = conn.execute(sql, (chunk.abs_path, chunk.page, offset)).fetchone()
                found.append(to_chunk(row) if row else None)
        return found[0], found[1]

    # Writing ---------------------------------------------------------------------------

    def add(self, chunks: Sequence[Chunk]) -> None:
        """Store chunks, their postings and the BM25 totals in one transaction, invisible
        until `PgCatalog.commit` names their document hash. A chunk already stored (the
        same id: the same document version, written by an ingest that stopped) is kept."""
        if not chunks:
            return
        counts = self._lexical.postings(chunks)
        columns = list(zip(*(chunk_row(c) for c in chunks), strict=True))
        lengths = [sum(c.values()) for c in counts]
        by_id = {c.id: (n, length) for c, n, length in zip(chunks, counts, lengths, strict=True)}
        with self._db.transaction() as conn:
            stored = conn.execute(INSERT_SQL, [list(col) for col in columns] + [lengths])
            inserted = [(int(rowid), by_id[cid]) for rowid, cid in stored.fetchall()]
            with conn.cursor().copy("COPY postings (term, chunk, tf, dl) FROM STDIN") as copy:
                for rowid, (terms, length) in inserted:
                    for term, tf in terms.items():
                        copy.write_row((term, rowid, tf, length))
            conn.execute(
                "UPDATE lexical_stats SET row_count = row_count + %s, "
                "token_count = token_count + %s",
                (len(inserted), sum(length for _, (_, length) in inserted)),
            )

    def orphan_ids(self, worker: str, abs_path: str | None = None) -> list[str]:
        """Chunks no document names (of one document, or all), but for those of documents
        another live worker claims (`worker`: this one)."""
        with self._db.transaction() as conn:
            if abs_path is None:
                rows = conn.execute(ORPHANS_SQL, {"worker": worker})
            else:
                sql = ORPHANS_SQL + " AND c.abs_path = %(path)s"
                rows = conn.execute(sql, {"worker": worker, "path": abs_path})
            return [row[0] for row in rows]

    def delete(self, ids: Sequence[str]) -> None:
        """Delete these chunks, their postings, and their part of the BM25 totals."""
        for start in range(0, len(ids), 1000):
            with self._db.transaction() as conn:
                conn.execute(DELETE_SQL, (list(ids[start : start + 1000]),))
