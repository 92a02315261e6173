"""BM25 over numpy arrays that hold FTS5's own postings.

FTS5's bm25() scores every row holding any question word, and common words are held by a
fifth of all chunks: ~20 ms a search at 100k chunks. The same scores from arrays take about
two milliseconds (docs/BENCHMARKS-LOG.md). The arrays are a copy of the FTS5 index, written when
a write to the index finishes (`Index.writing`), in a folder named for the catalog's lexical
generation, which every change to the FTS5 table bumps. A search uses only the copy of the
current generation; while there is none it asks FTS5, so results are always those of the
current index.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from localqa.store.database import copy_folder

# bm25()'s constants and idf floor in SQLite's ext/fts5/fts5_aux.c, so scores agree exactly.
K1 = 1.2
B = 0.75
IDF_FLOOR = 1e-6
ARRAYS = ("starts", "rows", "counts", "rowids", "lengths")
SIZES = "sizes.json"
TERMS = "terms.txt"
# group_concat lists are parsed in batches of about this many characters (bounded memory).
PARSE_BATCH_CHARS = 8_000_000

Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class LexicalSnapshot:
    """The FTS5 index as arrays. Term t's postings are positions starts[t]:starts[t + 1]
    of `rows` (row positions) and `counts` (its occurrences there); a row position maps to
    its FTS5 rowid through `rowids` and to its length in tokens through `lengths`."""

    generation: int
    row_count: int
    token_count: int
    terms: dict[str, int]
    starts: Ints
    rows: npt.NDArray[np.int32]
    counts: npt.NDArray[Any]
    rowids: Ints
    lengths: npt.NDArray[np.float64]

    def idf(self, term: str) -> float:
        """BM25's inverse document frequency of `term` over all rows (as `top` weighs it)."""
        t = self.terms.get(term)
        return idf(self.row_count, 0 if t is None else int(self.starts[t + 1] - self.starts[t]))

    def top(self, phrases: Sequence[str], limit: int) -> list[tuple[int, float]]:
        """(rowid, score) of the `limit` best rows for terms OR-ed, best first; the score is
        FTS5's -bm25() for the same query, the same floating-point operations in the same
        order (a term appearing twice counts twice, as two FTS5 phrases do)."""
        scores = np.zeros(len(self.rowids))
        avgdl = self.token_count / self.row_count if self.row_count else 1.0
        for term in phrases:
            t = self.terms.get(term)
            if t is None:
                continue
            start, end = int(self.starts[t]), int(self.starts[t + 1])
            rows = self.rows[start:end]
            freq = self.counts[start:end].astype(np.float64)
            idf = math.log((self.row_count - (end - start) + 0.5) / (end - start + 0.5))
            idf = idf if idf > 0.0 else IDF_FLOOR
            denom = freq + K1 * (1 - B + B * self.lengths[rows] / avgdl)
            scores[rows] += idf * ((freq * (K1 + 1.0)) / denom)
        hits = np.flatnonzero(scores)
        if len(hits) > limit:
            hits = hits[np.argpartition(-scores[hits], limit - 1)[:limit]]
        ordered = hits[np.lexsort((self.rowids[hits], -scores[hits]))]
        return [(int(self.rowids[i]), float(scores[i])) for i in ordered]


def idf(rows: int, held: int) -> float:
    """BM25's inverse document frequency of a term held by `held` of `rows` rows."""
    value = math.log((rows - held + 0.5) / (held + 0.5))
    return value if value > 0.0 else IDF_FLOOR


def vocabulary_counts(db: sqlite3.Connection, terms: Sequence[str]) -> tuple[int, dict[str, int]]:
    """(rows of `chunks_fts`, rows holding each of `terms`) from FTS5's own vocabulary."""
    db.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.chunks_fts_rows "
        "USING fts5vocab(main, chunks_fts, row)"
    )
    rows = int(db.execute("SELECT count(*) FROM chunks_fts").fetchone()[0])
    held = {
        term: int(count)
        for term in dict.fromkeys(terms)
        for (count,) in db.execute("SELECT doc FROM temp.chunks_fts_rows WHERE term = ?", (term,))
    }
    return rows, held


class QuestionTokenizer:
    """A question's words as FTS5 indexes them (case folded, stemmed), by FTS5's own
    tokenizer: a scratch FTS5 table in the connection's temp schema, made by `setup_sql`."""

    def __init__(self, db: sqlite3.Connection, setup_sql: str) -> None:
        self._db = db
        db.executescript(setup_sql)

    def terms(self, words: Sequence[str]) -> list[str] | None:
        """One term per word; None when a word is not exactly one token (FTS5 searches
        such a word as a phrase, which the arrays cannot)."""
        self._db.execute("DELETE FROM temp.question")
        self._db.executemany(
            "INSERT INTO temp.question(rowid, body) VALUES (?, ?)", enumerate(words)
        )
        tokens: dict[int, list[str]] = {}
        for row, term in self._db.execute("SELECT doc, term FROM temp.question_terms"):
            tokens.setdefault(row, []).append(term)
        if any(len(tokens.get(i, ())) != 1 for i in range(len(words))):
            return None
        return [tokens[i][0] for i in range(len(words))]


def read_snapshot(db: sqlite3.Connection, generation_sql: str) -> LexicalSnapshot:
    """Copy the FTS5 table `chunks_fts` into arrays, in one read transaction, so the copy
    and the generation that `generation_sql` reads belong together."""
    db.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.chunks_fts_instances "
        "USING fts5vocab(main, chunks_fts, instance)"
    )
    db.execute("BEGIN")
    try:
        generation = int(db.execute(generation_sql).fetchone()[0])
        rowids = [rowid for (rowid,) in db.execute("SELECT rowid FROM chunks_fts ORDER BY rowid")]
        postings = PostingsBuilder(np.array(rowids, dtype=np.int64))
        # fts5vocab yields terms in order and, within a term, rowids in ascending order
        sql = "SELECT term, group_concat(doc) FROM temp.chunks_fts_instances GROUP BY term"
        for term, docs in db.execute(sql):
            postings.add(term, docs)
    finally:
        db.execute("COMMIT")
    return postings.snapshot(generation)


class PostingsBuilder:
    """Turns each term's list of occurrences (one rowid per occurrence) into postings of
    (row position, count), a batch of terms at a time so memory stays bounded."""

    def __init__(self, rowids: Ints) -> None:
        self._rowids = rowids
        self._terms: list[str] = []
        self._batch: list[str] = []
        self._batch_chars = 0
        self._rows: list[npt.NDArray[np.int32]] = []
        self._counts: list[Ints] = []
        self._per_term: list[Ints] = []

    def add(self, term: str, occurrences: str) -> None:
        """`occurrences`: the rowid of each occurrence of `term`, comma-separated."""
        self._terms.append(term)
        self._batch.append(occurrences)
        self._batch_chars += len(occurrences)
        if self._batch_chars >= PARSE_BATCH_CHARS:
            self._flush()

    def _flush(self) -> None:
        if not self._batch:
            return
        per_term = np.array([docs.count(",") + 1 for docs in self._batch], dtype=np.int64)
        found = np.fromstring(",".join(self._batch), dtype=np.int64, sep=",")
        width = max(len(self._rowids), 1)
        term = np.repeat(np.arange(len(per_term), dtype=np.int64), per_term)
        keys = term * width + np.searchsorted(self._rowids, found)
        if len(keys) > 1 and bool(np.any(keys[1:] < keys[:-1])):
            keys.sort()  # the order is documented; this only guards against a change
        firsts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        self._rows.append((keys[firsts] % width).astype(np.int32))
        self._counts.append(np.diff(np.append(firsts, len(keys))))
        self._per_term.append(np.bincount(keys[firsts] // width, minlength=len(per_term)))
        self._batch, self._batch_chars = [], 0

    def snapshot(self, generation: int) -> LexicalSnapshot:
        self._flush()
        rows = np.concatenate(self._rows) if self._rows else np.zeros(0, np.int32)
        counts = np.concatenate(self._counts) if self._counts else np.zeros(0, np.int64)
        per_term = np.concatenate(self._per_term) if self._per_term else np.zeros(0, np.int64)
        return LexicalSnapshot(
            generation=generation,
            row_count=len(self._rowids),
            token_count=int(counts.sum()),
            terms={term: i for i, term in enumerate(self._terms)},
            starts=np.concatenate(([0], np.cumsum(per_term))).astype(np.int64),
            rows=rows,
            counts=counts.astype(np.uint16 if len(counts) and counts.max() < 2**16 else np.int64),
            rowids=self._rowids,
            lengths=np.bincount(rows, weights=counts, minlength=len(self._rowids)).astype(
                np.float64
            ),
        )


def save(snapshot: LexicalSnapshot, folder: Path) -> None:
    """Write into a scratch folder, rename it into place whole, then delete older copies
    (a reader that has them mapped keeps reading them)."""
    scratch = folder / f".writing-{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    for name in ARRAYS:
        np.save(scratch / f"{name}.npy", getattr(snapshot, name))
    (scratch / TERMS).write_text("\n".join(snapshot.terms), encoding="utf-8")
    sizes = {"row_count": snapshot.row_count, "token_count": snapshot.token_count}
    (scratch / SIZES).write_text(json.dumps(sizes), encoding="utf-8")
    target = copy_folder(folder, snapshot.generation)
    shutil.rmtree(target, ignore_errors=True)
    scratch.rename(target)
    for other in folder.iterdir():
        if other != target:
            shutil.rmtree(other, ignore_errors=True)


def load(folder: Path, generation: int) -> LexicalSnapshot | None:
    """The copy of `generation`, memory-mapped; None if there is none."""
    where = copy_folder(folder, generation)
    try:
        sizes = json.loads((where / SIZES).read_text(encoding="utf-8"))
        text = (where / TERMS).read_text(encoding="utf-8")
        arrays = {name: np.load(where / f"{name}.npy", mmap_mode="r") for name in ARRAYS}
        row_count, token_count = int(sizes["row_count"]), int(sizes["token_count"])
    except (OSError, ValueError, KeyError, TypeError):
        return None  # none, being deleted, or damaged: FTS5 answers instead
    terms = text.split("\n") if text else []
    return LexicalSnapshot(
        generation=generation,
        row_count=row_count,
        token_count=token_count,
        terms={term: i for i, term in enumerate(terms)},
        **arrays,
    )
