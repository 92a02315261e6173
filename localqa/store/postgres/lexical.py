"""Lexical search in the shared index: BM25 over a postings table, tokenized by localqa's
own tokenizer, so it ranks exactly as the embedded index does.

Why not PostgreSQL's full-text search: its `english` configuration stems by Snowball and
drops its own stop words (the embedded index stems by Porter through SQLite FTS5's
`porter unicode61`), and `ts_rank` is no BM25 (no inverse document frequency), which the
hybrid fusion was tuned with and which `word_rarity` must give the answerer. Postings made
by the very tokenizer the embedded index uses (FTS5's, run in an in-memory SQLite, over the
same `lexical_text`, CJK bigrams included) give the same terms, the same statistics and so
the same scores: FTS5's bm25() with its constants (localqa/store/lexical.py).

As in FTS5, BM25's statistics (chunks, tokens, chunks holding a term) count every chunk
row, visible or not; results are visible chunks only.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from localqa.schema import Chunk
from localqa.store.database import LEXICAL_FORMAT, TOKENIZER, fts_body, prefixed, to_chunk
from localqa.store.fts import query_words
from localqa.store.lexical import IDF_FLOOR, K1, B, idf
from localqa.store.postgres.arrays import PostingsCopy
from localqa.store.postgres.connection import Database

# Per term of the question (duplicates count twice, as FTS5's phrases do): its idf.
WEIGHTS_CTE = f"""
WITH s AS (
    SELECT row_count::float8 AS n,
           CASE WHEN row_count > 0 THEN token_count::float8 / row_count ELSE 1 END AS avgdl
    FROM lexical_stats),
q AS MATERIALIZED (
    SELECT u.term, (SELECT count(*) FROM postings p WHERE p.term = u.term) AS df
    FROM unnest(%(terms)s::text[]) AS u(term)),
w AS MATERIALIZED (
    SELECT q.term, greatest(ln((s.n - q.df + 0.5) / (q.df + 0.5)), 0) AS raw
    FROM q, s WHERE q.df > 0)
SELECT p.chunk, sum(
    CASE WHEN w.raw > 0 THEN w.raw ELSE {IDF_FLOOR} END
    * (p.tf * {K1 + 1.0}) / (p.tf + {K1} * ({1 - B} + {B} * p.dl / s.avgdl))) AS score
FROM w JOIN postings p ON p.term = w.term
"""
SEARCH_SQL = WEIGHTS_CTE + ", s GROUP BY p.chunk ORDER BY score DESC, p.chunk LIMIT %(limit)s"
WITHIN_SQL = (
    WEIGHTS_CTE + "JOIN chunks c ON c.rowid = p.chunk JOIN documents d ON d.abs_path = c.abs_path "
    "AND d.doc_hash = c.doc_hash, s WHERE c.abs_path = ANY(%(documents)s) "
    "GROUP BY p.chunk ORDER BY score DESC, p.chunk LIMIT %(limit)s"
)
VISIBLE_SQL = (
    f"SELECT c.rowid, {prefixed()} FROM chunks c JOIN documents d ON d.abs_path = c.abs_path "
    "AND d.doc_hash = c.doc_hash WHERE c.rowid = ANY(%s)"
)


class Tokenizer:
    """Text as the embedded index's FTS5 table tokenizes it (case folded, Porter-stemmed,
    unicode61), by that very tokenizer in an in-memory SQLite database. Thread-safe."""

    def __init__(self) -> None:
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.executescript(
            f"CREATE VIRTUAL TABLE texts USING fts5(body, tokenize='{TOKENIZER}');"
            "CREATE VIRTUAL TABLE text_terms USING fts5vocab(texts, instance);"
        )
        self._lock = threading.Lock()

    def counts(self, texts: Sequence[str]) -> list[Counter[str]]:
        """Each text's terms with how often each occurs (their sum: its length in tokens)."""
        found: list[Counter[str]] = [Counter() for _ in texts]
        with self._lock:
            self._db.execute("DELETE FROM texts")
            self._db.executemany("INSERT INTO texts(rowid, body) VALUES (?, ?)", enumerate(texts))
            for row, term in self._db.execute("SELECT doc, term FROM text_terms"):
                found[row][term] += 1
        return found

    def terms(self, words: Sequence[str]) -> list[str] | None:
        """One term per word; None when a word is not exactly one token."""
        counted = self.counts(words)
        if any(sum(c.values()) != 1 for c in counted):
            return None
        return [next(iter(c)) for c in counted]

    def close(self) -> None:
        self._db.close()


class PgLexicalIndex:
    """`LexicalIndex` over the `postings` table, or this machine's copy of it as arrays
    when the copy is current (arrays.py; kept in `folder`, None: in memory only)."""

    def __init__(self, db: Database, tokenizer: Tokenizer, folder: Path | None = None) -> None:
        self._db = db
        self._tokenizer = tokenizer
        self.copy = PostingsCopy(db, folder)

    def search(self, question: str, limit: int) -> list[tuple[Chunk, float]]:
        terms = self._question_terms(question)
        if not terms or limit <= 0:
            return []
        depth = limit * 2 + 10
        with self._db.read() as conn:
            snapshot = self.copy.current(conn)
            if snapshot is not None:
                scores = snapshot.top(terms, depth)
            else:
                ranked = conn.execute(SEARCH_SQL, {"terms": terms, "limit": depth})
                scores = [(int(r), float(s)) for r, s in ranked]
            # the best `limit` first; deeper ones only if some of those are not visible
            found = _visible(conn, scores[:limit])
            if len(found) < limit:
                found += _visible(conn, scores[limit:])
        return found[:limit]

    def search_documents(
        self, question: str, limit: int, documents: Sequence[str]
    ) -> list[tuple[Chunk, float]]:
        terms = self._question_terms(question)
        if not terms or not documents or limit <= 0:
            return []
        params = {"terms": terms, "limit": limit, "documents": list(documents)}
        with self._db.read() as conn:
            scores = [(int(r), float(s)) for r, s in conn.execute(WITHIN_SQL, params)]
            return _visible(conn, scores)

    def word_rarity(self, words: Sequence[str]) -> dict[str, float] | None:
        terms = self._tokenizer.terms(list(words)) if words else None
        if terms is None:
            return None
        with self._db.read() as conn:
            (rows,) = conn.execute("SELECT row_count FROM lexical_stats").fetchone() or (0,)
            held = dict(
                conn.execute(
                    "SELECT term, count(*) FROM postings WHERE term = ANY(%s) GROUP BY term",
                    (list(set(terms)),),
                ).fetchall()
            )
        return {w: idf(int(rows), int(held.get(t, 0))) for w, t in zip(words, terms, strict=True)}

    def outdated(self) -> bool:
        """Whether the chunks were indexed in an older lexical format: never yet (the
        shared index began at the current one)."""
        return False

    def format(self) -> int:
        return LEXICAL_FORMAT

    def _question_terms(self, question: str) -> list[str]:
        """The question's content words as terms (a word of several tokens gives each)."""
        kept = query_words(question)
        if not kept:
            return []
        return [term for counted in self._tokenizer.counts(kept) for term in counted.elements()]

    # Writing ----------------------------------------------------------------------------

    def postings(self, chunks: Sequence[Chunk]) -> list[Counter[str]]:
        """Each chunk's terms and their counts, as indexed (`fts_body`)."""
        return self._tokenizer.counts([fts_body(c) for c in chunks])


def _visible(conn: Any, ranked: Sequence[tuple[int, float]]) -> list[tuple[Chunk, float]]:
    """The visible chunks among (rowid, score) pairs, in the order given."""
    if not ranked:
        return []
    rows = {row[0]: row[1:] for row in conn.execute(VISIBLE_SQL, ([r for r, _ in ranked],))}
    return [(to_chunk(rows[r]), score) for r, score in ranked if r in rows]
