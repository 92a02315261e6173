"""Chunk rows of the embedded index: the `chunks` table of catalog.sqlite and its FTS5
rows (localqa/store/database.py). Reads join `VISIBLE`, so they see only chunks of their
document's committed version; writes add rows invisible, and delete orphans."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

from localqa.schema import Chunk
from localqa.store.database import (
    BUMP_GENERATION_SQL,
    INSERT_CHUNK,
    VISIBLE,
    Transaction,
    chunk_row,
    fts_body,
    prefixed,
    to_chunk,
)

# Each document's first visible chunk, cut (base.ChunkReader.openings); chunks_by_doc
# finds a document's chunks.
OPENINGS_SQL = """
SELECT d.abs_path, (SELECT substr(c.text, 1, %s) FROM chunks c
                    WHERE c.abs_path = d.abs_path AND c.doc_hash = d.doc_hash
                    ORDER BY c.rowid LIMIT 1)
FROM documents d
"""
# Ids per DELETE: well under SQLite's limit on bound parameters.
DELETE_BATCH = 500


class SqliteChunks:
    """`ChunkReader` over the `chunks` table, plus the writes `Index` makes."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def count(self) -> int:
        return int(self._db.execute(f"SELECT count(*) FROM chunks c {VISIBLE}").fetchone()[0])

    def by_id(self, ids: Sequence[str]) -> dict[str, Chunk]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        sql = f"SELECT {prefixed()} FROM chunks c {VISIBLE} WHERE c.id IN ({marks})"
        return {row[0]: to_chunk(row) for row in self._db.execute(sql, list(ids))}

    def of_document(self, abs_path: str) -> list[Chunk]:
        sql = f"SELECT {prefixed()} FROM chunks c {VISIBLE} WHERE c.abs_path = ? ORDER BY c.rowid"
        return [to_chunk(row) for row in self._db.execute(sql, (abs_path,))]

    def openings(self, chars: int) -> dict[str, str]:
        rows = self._db.execute(OPENINGS_SQL.replace("%s", "?"), (chars,))
        return {path: text for path, text in rows if text is not None}

    def neighbours(self, chunk: Chunk) -> tuple[Chunk | None, Chunk | None]:
        """The visible chunks just before and just after `chunk` (or a run of joined
        chunks: packing.joined_chunks) on its page; None where there is none."""
        found: list[Chunk | None] = []
        # before: starts earlier; after: reaches further (chunks overlap by a few tokens)
        for test, offset, order in (
            ("c.char_start <", chunk.char_start, "DESC"),
            ("c.char_end >", chunk.char_end, "ASC"),
        ):
            sql = (
                f"SELECT {prefixed()} FROM chunks c {VISIBLE} WHERE c.abs_path = ? AND "
                f"c.page = ? AND {test} ? ORDER BY c.char_start {order} LIMIT 1"
            )
            row = self._db.execute(sql, (chunk.abs_path, chunk.page, offset)).fetchone()
            found.append(to_chunk(row) if row else None)
        return found[0], found[1]

    # Writing (the writer lock held: Index.writing) ------------------------------------

    def add(self, chunks: Iterable[Chunk]) -> None:
        """Store chunks and their FTS5 rows, invisible until `SqliteCatalog.commit` names
        their document hash."""
        with Transaction(self._db):
            for chunk in chunks:
                cursor = self._db.execute(INSERT_CHUNK, chunk_row(chunk))
                self._db.execute(
                    "INSERT INTO chunks_fts(rowid, body) VALUES (?, ?)",
                    (cursor.lastrowid, fts_body(chunk)),
                )
            self._db.execute(BUMP_GENERATION_SQL)

    def orphan_ids(self, abs_path: str | None = None) -> list[str]:
        """Chunks no document points at: leftovers of replaced, removed or interrupted work
        (of one document, or all)."""
        sql = (
            "SELECT c.id FROM chunks c WHERE NOT EXISTS (SELECT 1 FROM documents d "
            "WHERE d.abs_path = c.abs_path AND d.doc_hash = c.doc_hash)"
        )
        if abs_path is None:
            return [row[0] for row in self._db.execute(sql)]
        return [row[0] for row in self._db.execute(sql + " AND c.abs_path = ?", (abs_path,))]

    def delete(self, ids: Sequence[str]) -> None:
        """Delete these chunks and their FTS5 rows."""
        with Transaction(self._db):
            for start in range(0, len(ids), DELETE_BATCH):
                batch = list(ids[start : start + DELETE_BATCH])
                marks = ",".join("?" * len(batch))
                self._db.execute(
                    "DELETE FROM chunks_fts WHERE rowid IN "
                    f"(SELECT rowid FROM chunks WHERE id IN ({marks}))",
                    batch,
                )
                self._db.execute(f"DELETE FROM chunks WHERE id IN ({marks})", batch)
            self._db.execute(BUMP_GENERATION_SQL)
