"""BM25 over numpy arrays that hold FTS5's own postings.

FTS5's bm25() scores every row holding any question word, and common words are held by a
fifth of all chunks: ~20 ms a search at 100k chunks. The same scores from arrays take about
a millisecond (docs/BENCHMARKS.md). The arrays are a copy of the FTS5 index, written when a
write to the index finishes (`Index.writing`) and stamped with the catalog's lexical
generation, which every change to the FTS5 table bumps. A copy with another stamp is never
used: the search falls back to FTS5, so results are always those of the current index.
"""

from __future__ import annotations

import json
import math
import shutil
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

# bm25()'s constants and idf floor in SQLite's ext/fts5/fts5_aux.c, so scores agree exactly.
K1 = 1.2
B = 0.75
IDF_FLOOR = 1e-6
ARRAYS = ("starts", "rows", "counts", "rowids", "lengths")
STAMP = "stamp.json"
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
        postings = _PostingsBuilder(np.array(rowids, dtype=np.int64))
        # fts5vocab yields terms in order and, within a term, rowids in ascending order
        sql = "SELECT term, group_concat(doc) FROM temp.chunks_fts_instances GROUP BY term"
        for term, docs in db.execute(sql):
            postings.add(term, docs)
    finally:
        db.execute("COMMIT")
    return postings.snapshot(generation)


class _PostingsBuilder:
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
    """Write into a fresh folder, then swap it in: a reader sees the old copy, no copy (and
    uses FTS5), or the new one, never half of one."""
    fresh = folder.with_name(folder.name + ".new")
    stale = folder.with_name(folder.name + ".old")
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir(parents=True)
    for name in ARRAYS:
        np.save(fresh / f"{name}.npy", getattr(snapshot, name))
    (fresh / TERMS).write_text("\n".join(snapshot.terms), encoding="utf-8")
    stamp = {
        "generation": snapshot.generation,
        "row_count": snapshot.row_count,
        "token_count": snapshot.token_count,
    }
    (fresh / STAMP).write_text(json.dumps(stamp), encoding="utf-8")
    shutil.rmtree(stale, ignore_errors=True)
    if folder.exists():
        folder.rename(stale)
    fresh.rename(folder)
    shutil.rmtree(stale, ignore_errors=True)


def saved_generation(folder: Path) -> int | None:
    """The generation of the copy in `folder`, if there is a readable one."""
    try:
        return int(json.loads((folder / STAMP).read_text(encoding="utf-8"))["generation"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def load(folder: Path, generation: int) -> LexicalSnapshot | None:
    """The copy in `folder` if it is of `generation`, memory-mapped; else None."""
    try:
        stamp = json.loads((folder / STAMP).read_text(encoding="utf-8"))
        if stamp["generation"] != generation:
            return None
        text = (folder / TERMS).read_text(encoding="utf-8")
        arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="r") for name in ARRAYS}
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing, half-swapped or damaged: FTS5 answers instead
    terms = text.split("\n") if text else []
    return LexicalSnapshot(
        generation=generation,
        row_count=int(stamp["row_count"]),
        token_count=int(stamp["token_count"]),
        terms={term: i for i, term in enumerate(terms)},
        **arrays,
    )
