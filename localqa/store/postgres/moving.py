"""A moved file in the shared index (`IndexWriter.move`): its chunks re-pointed at the new
path in one transaction, the lexical rows of those whose header names the file anew
rewritten, nothing read from the file."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from localqa.schema import Chunk, IndexedDocument
from localqa.store.postgres.catalog import COMMIT_SQL, commit_params
from localqa.store.postgres.connection import Database
from localqa.store.postgres.lexical import PgLexicalIndex


def move_rows(
    db: Database,
    lexical: PgLexicalIndex,
    old: IndexedDocument,
    new: IndexedDocument,
    reindex: Sequence[Chunk],
) -> None:
    """In one transaction: `old`'s visible chunks and its entry now belong to `new`'s path
    and name; the chunks in `reindex` (already re-pointed) get their postings again, and
    the BM25 totals follow their new lengths."""
    counts = lexical.postings(reindex)
    with db.transaction() as conn:
        conn.execute(
            "UPDATE chunks SET abs_path = %s, source = %s WHERE abs_path = %s AND doc_hash = %s",
            (new.abs_path, new.source, old.abs_path, old.doc_hash),
        )
        change = sum(
            _repost(conn, chunk.id, terms) for chunk, terms in zip(reindex, counts, strict=True)
        )
        if reindex:  # a new row version even when the total is the same: a new generation
            conn.execute("UPDATE lexical_stats SET token_count = token_count + %s", (change,))
        conn.execute("DELETE FROM documents WHERE abs_path = %s", (old.abs_path,))
        conn.execute(COMMIT_SQL, commit_params(new))


def _repost(conn: Any, chunk_id: str, terms: Counter[str]) -> int:
    """Replace one chunk's postings; how much its length (tokens) changed."""
    row = conn.execute("SELECT rowid, length FROM chunks WHERE id = %s", (chunk_id,)).fetchone()
    if row is None:
        return 0
    rowid, before = int(row[0]), int(row[1] or 0)
    conn.execute("DELETE FROM postings WHERE chunk = %s", (rowid,))
    length = int(sum(terms.values()))
    conn.execute("UPDATE chunks SET length = %s WHERE rowid = %s", (length, rowid))
    with conn.cursor().copy("COPY postings (term, chunk, tf, dl) FROM STDIN") as copy:
        for term, tf in terms.items():
            copy.write_row((term, rowid, tf, length))
    return length - before
