"""The chunk store: which documents are ingested, their chunks, and BM25 search over them.

One SQLite file per index, in WAL mode so readers never block the writer. A chunk is
visible only while its document's row carries the chunk's document hash. New chunks are
written first, invisible; one transaction then points the document at them. Chunks no
document points at are orphans, collected by `orphan_chunk_ids` + `delete_chunks`. So an
ingest killed at any moment leaves the previous version intact and no half-document.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from localqa.schema import Chunk
from localqa.text import STOPWORDS, lexical_text, words

if TYPE_CHECKING:
    from localqa.store.lexical import LexicalSnapshot, QuestionTokenizer

# One tokenizer for the index and for questions: the BM25 arrays look questions' terms up
# in the index's own vocabulary. unicode61 takes an unspaced CJK run as one token, so the
# indexed text is `lexical_text` (CJK runs as spaced bigrams) and questions are `words`:
# both give the same tokens. The chunk text itself is stored as it is.
TOKENIZER = "porter unicode61"
# What the indexed text is: 2 = `lexical_text` (CJK bigrams); 3 = with the full words of
# abbreviations ("ref." -> "reference"). An index written before has an older row or none;
# `upgrade_lexical` re-indexes its stored chunks (no document is re-read).
LEXICAL_FORMAT = 3
FORMAT_SQL = "SELECT coalesce(max(value), 0) FROM meta WHERE key = 'lexical_format'"
SET_FORMAT_SQL = (
    "INSERT INTO meta VALUES ('lexical_format', ?) "
    "ON CONFLICT(key) DO UPDATE SET value = excluded.value"
)
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS documents(
    abs_path TEXT PRIMARY KEY, source TEXT NOT NULL, root TEXT NOT NULL,
    doc_hash TEXT NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    title TEXT NOT NULL DEFAULT '', page_kind TEXT NOT NULL DEFAULT 'page',
    pages INTEGER NOT NULL DEFAULT 0, chunks INTEGER NOT NULL DEFAULT 0,
    ingested_at TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS chunks(
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, abs_path TEXT NOT NULL,
    source TEXT NOT NULL, page INTEGER NOT NULL, line_start INTEGER NOT NULL,
    line_end INTEGER NOT NULL, char_start INTEGER NOT NULL, char_end INTEGER NOT NULL,
    content_hash TEXT NOT NULL, doc_hash TEXT NOT NULL, title TEXT NOT NULL,
    section TEXT NOT NULL, page_kind TEXT NOT NULL, text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks(abs_path);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(body, tokenize='{TOKENIZER}');
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""
# Bumped by every change to chunks_fts: the stamp of localqa/store/lexical.py's copies.
GENERATION_SQL = "SELECT coalesce(max(value), 0) FROM meta WHERE key = 'lexical_generation'"
BUMP_GENERATION_SQL = (
    "INSERT INTO meta VALUES ('lexical_generation', 1) "
    "ON CONFLICT(key) DO UPDATE SET value = value + 1"
)
# The question's words tokenized as chunks_fts tokenizes text (case folded, stemmed).
QUESTION_TOKENS_SQL = f"""
CREATE VIRTUAL TABLE IF NOT EXISTS temp.question USING fts5(body, tokenize='{TOKENIZER}');
CREATE VIRTUAL TABLE IF NOT EXISTS temp.question_terms USING fts5vocab(temp, question, instance);
"""
CHUNK_COLUMNS = (
    "id, text, source, abs_path, page, line_start, line_end, char_start, char_end, "
    "content_hash, doc_hash, title, section, page_kind"
)
VISIBLE = "JOIN documents d ON d.abs_path = c.abs_path AND d.doc_hash = c.doc_hash"


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    abs_path: str
    source: str
    root: str
    doc_hash: str
    size: int
    mtime_ns: int
    title: str = ""
    page_kind: str = "page"
    last_page: int = 0  # the highest page that produced a chunk (column `pages`)
    chunks: int = 0
    ingested_at: str = ""


def _chunk(row: Sequence[object]) -> Chunk:
    return Chunk(*row)  # type: ignore[arg-type]


def query_words(question: str) -> list[str]:
    """The question's content words, each once, in order: what the lexical search ORs."""
    return list(dict.fromkeys(w for w in words(question) if w not in STOPWORDS))


def fts_query(question: str) -> str:
    """A safe FTS5 query: the question's content words, quoted, OR-ed."""
    return " OR ".join(f'"{w}"' for w in query_words(question))


class ChunkStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=30.0, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        if not self._db.execute(FORMAT_SQL).fetchone()[0] and not self._has_chunks():
            self._db.execute(SET_FORMAT_SQL, (LEXICAL_FORMAT,))  # new: all it gets is current
        self.lexical_dir = path.parent / "lexical"
        self._lexical: LexicalSnapshot | None = None
        self._tokenizer: QuestionTokenizer | None = None

    def close(self) -> None:
        self._db.close()

    # Reading -----------------------------------------------------------------

    def documents(self) -> list[DocumentRecord]:
        rows = self._db.execute("SELECT * FROM documents ORDER BY source, abs_path").fetchall()
        return [DocumentRecord(*row) for row in rows]

    def document(self, abs_path: str) -> DocumentRecord | None:
        row = self._db.execute("SELECT * FROM documents WHERE abs_path = ?", (abs_path,)).fetchone()
        return DocumentRecord(*row) if row else None

    def chunk_count(self) -> int:
        return int(self._db.execute(f"SELECT count(*) FROM chunks c {VISIBLE}").fetchone()[0])

    def chunks_by_id(self, ids: Sequence[str]) -> dict[str, Chunk]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        sql = f"SELECT {_prefixed()} FROM chunks c {VISIBLE} WHERE c.id IN ({marks})"
        return {row[0]: _chunk(row) for row in self._db.execute(sql, list(ids))}

    def chunks_of(self, abs_path: str) -> list[Chunk]:
        sql = f"SELECT {_prefixed()} FROM chunks c {VISIBLE} WHERE c.abs_path = ? ORDER BY c.rowid"
        return [_chunk(row) for row in self._db.execute(sql, (abs_path,))]

    def neighbours(self, chunk: Chunk) -> tuple[Chunk | None, Chunk | None]:
        """The visible chunks just before and just after `chunk` (or a run of joined
        chunks: packing.joined_chunks) on its page; None where there is none."""
        found: list[Chunk | None] = []
        # before: starts earlier; after: reaches further (chunks overlap by a few tokens)
        for test, offset, order in (("c.char_start <", chunk.char_start, "DESC"),
                                    ("c.char_end >", chunk.char_end, "ASC")):  # fmt: skip
            sql = (
                f"SELECT {_prefixed()} FROM chunks c {VISIBLE} WHERE c.abs_path = ? AND "
                f"c.page = ? AND {test} ? ORDER BY c.char_start {order} LIMIT 1"
            )
            row = self._db.execute(sql, (chunk.abs_path, chunk.page, offset)).fetchone()
            found.append(_chunk(row) if row else None)
        return found[0], found[1]

    def lexical_search(self, question: str, limit: int) -> list[tuple[Chunk, float]]:
        """BM25 over title, section and text; higher score is better."""
        kept = query_words(question)
        if not kept:
            return []
        snapshot = self.fresh_lexical()
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
        snapshot = self.fresh_lexical()
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
        sql = f"SELECT c.rowid, {_prefixed()} FROM chunks c {VISIBLE} WHERE c.rowid IN ({marks})"
        rows = {row[0]: row[1:] for row in self._db.execute(sql, [r for r, _ in ranked])}
        return [(_chunk(rows[r]), score) for r, score in ranked if r in rows]

    def search_documents(
        self, question: str, limit: int, documents: Sequence[str]
    ) -> list[tuple[Chunk, float]]:
        """`lexical_search` within some documents (absolute paths): FTS5 ranks their rows
        only, so a document whose chunks rank low overall still gets its best ones."""
        query = fts_query(question)
        if not query or not documents:
            return []
        marks = ",".join("?" * len(documents))
        sql = (
            f"SELECT {_prefixed()}, -bm25(chunks_fts) AS score FROM chunks_fts "
            f"JOIN chunks c ON c.rowid = chunks_fts.rowid {VISIBLE} "
            f"WHERE chunks_fts MATCH ? AND c.abs_path IN ({marks}) "
            "ORDER BY bm25(chunks_fts) LIMIT ?"
        )
        rows = self._db.execute(sql, (query, *documents, limit)).fetchall()
        return [(_chunk(row[:-1]), float(row[-1])) for row in rows]

    def fts5_search(self, question: str, limit: int) -> list[tuple[Chunk, float]]:
        """`lexical_search` by FTS5 alone: what answers while the array copy is stale."""
        query = fts_query(question)
        if not query:
            return []
        # Rank inside FTS5 first and join only the winners: joining every matching row
        # before sorting cost 79 ms at 100k chunks, this 31 ms (docs/BENCHMARKS.md).
        sql = (
            f"SELECT {_prefixed()}, f.score FROM (SELECT rowid, -bm25(chunks_fts) AS score "
            "FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY bm25(chunks_fts) LIMIT ?) f "
            f"JOIN chunks c ON c.rowid = f.rowid {VISIBLE} ORDER BY f.score DESC LIMIT ?"
        )
        rows = self._db.execute(sql, (query, _depth(limit), limit)).fetchall()
        return [(_chunk(row[:-1]), float(row[-1])) for row in rows]

    def lexical_outdated(self) -> bool:
        """Whether the chunks were indexed in an older lexical format (before CJK bigrams,
        or before abbreviations' words): Chinese, Japanese and Korean questions find
        nothing lexically, and "reference" does not find "ref.", until a re-ingest."""
        if int(self._db.execute(FORMAT_SQL).fetchone()[0]) >= LEXICAL_FORMAT:
            return False
        return self._has_chunks()

    def _has_chunks(self) -> bool:
        return self._db.execute("SELECT 1 FROM chunks LIMIT 1").fetchone() is not None

    def upgrade_lexical(self) -> int:
        """Re-index every stored chunk in the current lexical format, in one transaction
        (the writer lock must be held); how many chunks were re-indexed (0: none needed).
        Only the FTS5 rows change: chunk text, vectors and documents stay as they are."""
        if not self.lexical_outdated():
            return 0
        with self._transaction():
            rows = self._db.execute(f"SELECT rowid, {CHUNK_COLUMNS} FROM chunks").fetchall()
            self._db.execute("DELETE FROM chunks_fts")
            self._db.executemany(
                "INSERT INTO chunks_fts(rowid, body) VALUES (?, ?)",
                ((row[0], lexical_text(_chunk(row[1:]).embedding_text())) for row in rows),
            )
            self._db.execute(SET_FORMAT_SQL, (LEXICAL_FORMAT,))
            self._db.execute(BUMP_GENERATION_SQL)
        return len(rows)

    def lexical_generation(self) -> int:
        return int(self._db.execute(GENERATION_SQL).fetchone()[0])

    def read_lexical_snapshot(self) -> LexicalSnapshot:
        from localqa.store.lexical import read_snapshot

        return read_snapshot(self._db, GENERATION_SQL)

    def _question_tokens(self) -> QuestionTokenizer:
        if self._tokenizer is None:
            from localqa.store.lexical import QuestionTokenizer

            self._tokenizer = QuestionTokenizer(self._db, QUESTION_TOKENS_SQL)
        return self._tokenizer

    def fresh_lexical(self) -> LexicalSnapshot | None:
        """The array copy of the FTS5 index if one matches the index as it is now. While
        none does, each search looks again (one file open): a writer may have written it."""
        generation = self.lexical_generation()
        if self._lexical is None or self._lexical.generation != generation:
            from localqa.store.lexical import load

            self._lexical = load(self.lexical_dir, generation)
        return self._lexical

    # Writing -----------------------------------------------------------------

    def add_chunks(self, chunks: Iterable[Chunk]) -> None:
        """Store chunks, invisible until `commit_document` names their document hash."""
        with self._transaction():
            for chunk in chunks:
                cursor = self._db.execute(
                    f"INSERT OR REPLACE INTO chunks({CHUNK_COLUMNS}) VALUES "
                    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        chunk.id, chunk.text, chunk.source, chunk.abs_path, chunk.page,
                        chunk.line_start, chunk.line_end, chunk.char_start, chunk.char_end,
                        chunk.content_hash, chunk.doc_hash, chunk.title, chunk.section,
                        chunk.page_kind,
                    ),
                )  # fmt: skip
                self._db.execute(
                    "INSERT INTO chunks_fts(rowid, body) VALUES (?, ?)",
                    (cursor.lastrowid, lexical_text(chunk.embedding_text())),
                )
            self._db.execute(BUMP_GENERATION_SQL)

    def commit_document(self, record: DocumentRecord) -> None:
        """Make the chunks with `record.doc_hash` the document's visible version."""
        with self._transaction():
            count = self._db.execute(
                "SELECT count(*) FROM chunks WHERE abs_path = ? AND doc_hash = ?",
                (record.abs_path, record.doc_hash),
            ).fetchone()[0]
            self._db.execute(
                "INSERT OR REPLACE INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    record.abs_path, record.source, record.root, record.doc_hash, record.size,
                    record.mtime_ns, record.title, record.page_kind, record.last_page, count,
                    record.ingested_at,
                ),
            )  # fmt: skip

    def touch(self, abs_path: str, size: int, mtime_ns: int) -> None:
        """Record a new size/mtime for a file whose content did not change."""
        with self._transaction():
            self._db.execute(
                "UPDATE documents SET size = ?, mtime_ns = ? WHERE abs_path = ?",
                (size, mtime_ns, abs_path),
            )

    def remove_document(self, abs_path: str) -> None:
        """Forget a document; its chunks become orphans for `delete_chunks`."""
        with self._transaction():
            self._db.execute("DELETE FROM documents WHERE abs_path = ?", (abs_path,))

    def orphan_chunk_ids(self, abs_path: str | None = None) -> list[str]:
        """Chunks no document points at: leftovers of replaced, removed or interrupted work."""
        sql = (
            "SELECT c.id FROM chunks c WHERE NOT EXISTS (SELECT 1 FROM documents d "
            "WHERE d.abs_path = c.abs_path AND d.doc_hash = c.doc_hash)"
        )
        if abs_path is None:
            return [row[0] for row in self._db.execute(sql)]
        return [row[0] for row in self._db.execute(sql + " AND c.abs_path = ?", (abs_path,))]

    def delete_chunks(self, ids: Sequence[str]) -> None:
        with self._transaction():
            for start in range(0, len(ids), 500):
                batch = list(ids[start : start + 500])
                marks = ",".join("?" * len(batch))
                self._db.execute(
                    "DELETE FROM chunks_fts WHERE rowid IN "
                    f"(SELECT rowid FROM chunks WHERE id IN ({marks}))",
                    batch,
                )
                self._db.execute(f"DELETE FROM chunks WHERE id IN ({marks})", batch)
            self._db.execute(BUMP_GENERATION_SQL)

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


def _depth(limit: int) -> int:
    """Lexical hits ranked to return `limit`: the margin covers rows not visible yet."""
    return limit * 2 + 10


def _prefixed() -> str:
    return ", ".join(f"c.{name.strip()}" for name in CHUNK_COLUMNS.split(","))


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on error (the connection is in autocommit)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")
