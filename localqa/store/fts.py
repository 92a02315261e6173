"""Lexical search in the embedded index: BM25 over the FTS5 table of catalog.sqlite, or,
when current, over its array copy (localqa/store/lexical.py), which scores the same rows
the same way ten times faster. Only visible chunks are returned (database.VISIBLE)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from localqa.schema import Chunk
from localqa.store.database import (
    BUMP_GENERATION_SQL,
    CHUNK_COLUMNS,
    GENERATION_SQL,
    LEXICAL_FORMAT,
    TOKENIZER,
    VISIBLE,
    Transaction,
    copy_folder,
    fts_body,
    has_chunks,
    prefixed,
    to_chunk,
)
from localqa.text import STOPWORDS, words

if TYPE_CHECKING:
    from localqa.store.lexical import LexicalSnapshot, QuestionTokenizer

FORMAT_SQL = "SELECT coalesce(max(value), 0) FROM meta WHERE key = 'lexical_format'"
SET_FORMAT_SQL = (
    "INSERT INTO meta VALUES ('lexical_format', ?) "
    "ON CONFLICT(key) DO UPDATE SET value = excluded.value"
)
# The question's words tokenized as chunks_fts tokenizes text (case folded, stemmed).
QUESTION_TOKENS_SQL = f"""
CREATE VIRTUAL TABLE IF NOT EXISTS temp.question USING fts5(body, tokenize='{TOKENIZER}');
CREATE VIRTUAL TABLE IF NOT EXISTS temp.question_terms USING fts5vocab(temp, question, instance);
"""


def query_words(question: str) -> list[str]:
    """The question's content words, each once, in order: what the lexical search ORs."""
    return list(dict.fromkeys(w for w in words(question) if w not in STOPWORDS))


def fts_query(question: str) -> str:
    """A safe FTS5 query: the question's content words, quoted, OR-ed."""
    return " OR ".join(f'"{w}"' for w in query_words(question))


class SqliteLexicalIndex:
    """`LexicalIndex` over chunks_fts and its array copy in `arrays_dir`, plus what the
    embedded index needs to keep them current (`refresh_arrays`, `upgrade`)."""

    def __init__(self, db: sqlite3.Connection, arrays_dir: Path, read_only: bool = False) -> None:
        self._db = db
        self.arrays_dir = arrays_dir
        if read_only:
            pass  # a reader writes nothing; an empty index has nothing to search anyway
        elif not db.execute(FORMAT_SQL).fetchone()[0] and not has_chunks(db):
            db.execute(SET_FORMAT_SQL, (LEXICAL_FORMAT,))  # new: all it gets is current
        self._arrays: LexicalSnapshot | None = None
        self._tokenizer: QuestionTokenizer | None = None

    def search(self, question: str, limit: int) -> list[tuple[Chunk, float]]:
        """BM25 over title, section and text; higher score is better."""
        kept = query_words(question)
        if not kept:
            return []
        snapshot = self.fresh_arrays()
        terms = self._question_tokens().terms(kept) if snapshot else None
        if snapshot is None or terms is None:
            return self.fts5_search(question, limit)
        ranked = snapshot.top(terms, _depth(limit))
        # The best `limit` rows first; deeper ones only if some of those are not visible.
        found = self._visible_rows(ranked[:limit])
        if len(found) < limit:
            found += self._visible_rows(ranked[limit:])
        return found[:limit]

    def word_rarity(self, words: Sequence[str]) -> dict[str, float] | None:
        """Each word's BM25 idf over every chunk of the index (the word as FTS5 indexes
        it: stemmed), from the array copy or else from FTS5's vocabulary; None when a word
        is not one token."""
        terms = self._question_tokens().terms(list(words)) if words else None
        if terms is None:
            return None
        snapshot = self.fresh_arrays()
        if snapshot is not None:
            return {word: snapshot.idf(term) for word, term in zip(words, terms, strict=True)}
        from localqa.store.lexical import idf, vocabulary_counts

        rows, held = vocabulary_counts(self._db, terms)
        return {w: idf(rows, held.get(t, 0)) for w, t in zip(words, terms, strict=True)}

    def _visible_rows(self, ranked: Sequence[tuple[int, float]]) -> list[tuple[Chunk, float]]:
        """The visible chunks among (rowid, score) pairs, in the order given."""
        if not ranked:
            return []
        marks = ",".join("?" * len(ranked))
        sql = f"SELECT c.rowid, {prefixed()} FROM chunks c {VISIBLE} WHERE c.rowid IN ({marks})"
        rows = {row[0]: row[1:] for row in self._db.execute(sql, [r for r, _ in ranked])}
        return [(to_chunk(rows[r]), score) for r, score in ranked if r in rows]

    def search_documents(
        self, question: str, limit: int, documents: Sequence[str]
    ) -> list[tuple[Chunk, float]]:
        """`search` within some documents (absolute paths): FTS5 ranks their rows only, so
        a document whose chunks rank low overall still gets its best ones."""
        query = fts_query(question)
        if not query or not documents:
            return []
        marks = ",".join("?" * len(documents))
        sql = (
            f"SELECT {prefixed()}, -bm25(chunks_fts) AS score FROM chunks_fts "
            f"JOIN chunks c ON c.rowid = chunks_fts.rowid {VISIBLE} "
            f"WHERE chunks_fts MATCH ? AND c.abs_path IN ({marks}) "
            "ORDER BY bm25(chunks_fts) LIMIT ?"
        )
        rows = self._db.execute(sql, (query, *documents, limit)).fetchall()
        return [(to_chunk(row[:-1]), float(row[-1])) for row in rows]

    def fts5_search(self, question: str, limit: int) -> list[tuple[Chunk, float]]:
        """`search` by FTS5 alone: what answers while the array copy is stale."""
        query = fts_query(question)
        if not query:
            return []
        # Rank inside FTS5 first and join only the winners: joining every matching row
        # before sorting cost 79 ms at 100k chunks, this 31 ms (docs/BENCHMARKS-LOG.md).
        sql = (
            f"SELECT {prefixed()}, f.score FROM (SELECT rowid, -bm25(chunks_fts) AS score "
            "FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY bm25(chunks_fts) LIMIT ?) f "
            f"JOIN chunks c ON c.rowid = f.rowid {VISIBLE} ORDER BY f.score DESC LIMIT ?"
        )
        rows = self._db.execute(sql, (query, _depth(limit), limit)).fetchall()
        return [(to_chunk(row[:-1]), float(row[-1])) for row in rows]

    # The lexical format --------------------------------------------------------------

    def outdated(self) -> bool:
        """Whether the chunks were indexed in an older lexical format (before CJK bigrams,
        or before abbreviations' words): Chinese, Japanese and Korean questions find
        nothing lexically, and "reference" does not find "ref.", until a re-ingest."""
        if int(self._db.execute(FORMAT_SQL).fetchone()[0]) >= LEXICAL_FORMAT:
            return False
        return has_chunks(self._db)

    def upgrade(self) -> int:
        """Re-index every stored chunk in the current lexical format, in one transaction
        (the writer lock must be held); how many chunks were re-indexed (0: none needed).
        Only the FTS5 rows change: chunk text, vectors and documents stay as they are."""
        if not self.outdated():
            return 0
        with Transaction(self._db):
            rows = self._db.execute(f"SELECT rowid, {CHUNK_COLUMNS} FROM chunks").fetchall()
            self._db.execute("DELETE FROM chunks_fts")
            self._db.executemany(
                "INSERT INTO chunks_fts(rowid, body) VALUES (?, ?)",
                ((row[0], fts_body(to_chunk(row[1:]))) for row in rows),
            )
            self._db.execute(SET_FORMAT_SQL, (LEXICAL_FORMAT,))
            self._db.execute(BUMP_GENERATION_SQL)
        return len(rows)

    # The array copy ------------------------------------------------------------------

    def generation(self) -> int:
        """The FTS5 table's generation: bumped by every change to it."""
        return int(self._db.execute(GENERATION_SQL).fetchone()[0])

    def read_snapshot(self) -> LexicalSnapshot:
        """The FTS5 table as arrays, with the generation they belong to."""
        from localqa.store.lexical import read_snapshot

        return read_snapshot(self._db, GENERATION_SQL)

    def fresh_arrays(self) -> LexicalSnapshot | None:
        """The array copy of the FTS5 index if one matches the index as it is now. While
        none does, each search looks again (one file open): a writer may have written it."""
        generation = self.generation()
        if self._arrays is None or self._arrays.generation != generation:
            from localqa.store.lexical import load

            self._arrays = load(self.arrays_dir, generation)
        return self._arrays

    def refresh_arrays(self) -> bool:
        """Rewrite the array copy if the FTS5 table has changed since it was written (the
        writer lock must be held); True if it was rewritten. Raises OSError."""
        if copy_folder(self.arrays_dir, self.generation()).is_dir():
            return False  # lexical.py (numpy) not even imported: a run that changed no text
        from localqa.store.lexical import save

        save(self.read_snapshot(), self.arrays_dir)
        return True

    def _question_tokens(self) -> QuestionTokenizer:
        if self._tokenizer is None:
            from localqa.store.lexical import QuestionTokenizer

            self._tokenizer = QuestionTokenizer(self._db, QUESTION_TOKENS_SQL)
        return self._tokenizer


def _depth(limit: int) -> int:
    """Lexical hits ranked to return `limit`: the margin covers rows not visible yet."""
    return limit * 2 + 10
