"""The catalog of documents in the embedded index: the `documents` table of catalog.sqlite
(localqa/store/database.py). A row names its document's visible version (`doc_hash`);
committing a row is what makes a version's chunks visible."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from localqa.schema import Chunk, IndexedDocument
from localqa.store.database import (
    BUMP_GENERATION_SQL,
    Transaction,
    fts_body,
    named_roots,
    unnamed_roots,
)
from localqa.text import terminal_safe


class SqliteCatalog:
    """`DocumentCatalog` over the `documents` table, plus the writes `Index` makes."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def documents(self) -> list[IndexedDocument]:
        rows = self._db.execute("SELECT * FROM documents ORDER BY source, abs_path").fetchall()
        return [IndexedDocument(*row) for row in rows]

    def document(self, abs_path: str) -> IndexedDocument | None:
        row = self._db.execute("SELECT * FROM documents WHERE abs_path = ?", (abs_path,)).fetchone()
        return IndexedDocument(*row) if row else None

    def find(self, path: str) -> list[IndexedDocument]:
        """Documents matching a path as given, the first rule that matches any: the one at
        that absolute path (or relative to cwd); those listed under that name (copies of
        one folder ingested under two names share names); those whose path ends with it
        ("docx/handbook.docx"), whole names only, so also its file name alone."""
        wanted = {path, str(Path(path).expanduser().resolve())}
        documents = self.documents()
        tail = "/" + path.strip("/")
        rules = (
            lambda d: d.abs_path in wanted,
            lambda d: d.source in wanted,
            lambda d: d.abs_path.endswith(tail),
        )
        for rule in rules:
            if found := [d for d in documents if rule(d)]:
                return found
        return _as_shown(documents, path)  # as `sources` prints it: \x09 for a tab

    def missing(self) -> list[IndexedDocument]:
        """Documents whose file is no longer where it was ingested from."""
        return [d for d in self.documents() if d.file_missing()]

    def named_roots(self) -> dict[str, tuple[str, str]]:
        """The roots (name -> (the path first ingested from, the machine that named it):
        localqa/store/roots.py); those of a catalog from before roots, opened for reading,
        as its next writer will name them."""
        if named := named_roots(self._db):
            return named
        return {name: (path, "") for name, path in unnamed_roots(self._db).items()}

    # Writing (the writer lock held: Index.writing) ------------------------------------

    def commit(self, document: IndexedDocument) -> None:
        """Make the chunks with `document.doc_hash` the document's visible version, in one
        transaction; the row's chunk count is counted here."""
        with Transaction(self._db):
            self._write_row(document)

    def _write_row(self, document: IndexedDocument) -> None:
        """Insert or replace `document`'s row, its chunk count counted (in a transaction)."""
        count = self._db.execute(
            "SELECT count(*) FROM chunks WHERE abs_path = ? AND doc_hash = ?",
            (document.abs_path, document.doc_hash),
        ).fetchone()[0]
        d = document
        self._db.execute(
            "INSERT OR REPLACE INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                d.abs_path,
                d.source,
                d.root,
                d.doc_hash,
                d.size,
                d.mtime_ns,
                d.title,
                d.page_kind,
                d.last_page,
                count,
                d.ingested_at,
                d.ctime_ns,
            ),
        )

    def move(
        self, old: IndexedDocument, new: IndexedDocument, reindex: Sequence[Chunk] = ()
    ) -> None:
        """In one transaction: `old`'s chunks (its visible version, which `new.doc_hash`
        names too) and its entry now belong to `new`'s path and name; the chunks in
        `reindex` (already so re-pointed) get their lexical rows again."""
        with Transaction(self._db):
            self._db.execute(
                "UPDATE chunks SET abs_path = ?, source = ? WHERE abs_path = ? AND doc_hash = ?",
                (new.abs_path, new.source, old.abs_path, old.doc_hash),
            )
            for chunk in reindex:
                (rowid,) = self._db.execute(
                    "SELECT rowid FROM chunks WHERE id = ?", (chunk.id,)
                ).fetchone()
                self._db.execute("DELETE FROM chunks_fts WHERE rowid = ?", (rowid,))
                self._db.execute(
                    "INSERT INTO chunks_fts(rowid, body) VALUES (?, ?)", (rowid, fts_body(chunk))
                )
            if reindex:
                self._db.execute(BUMP_GENERATION_SQL)
            self._db.execute("DELETE FROM documents WHERE abs_path = ?", (old.abs_path,))
            self._write_row(new)

    def touch(self, abs_path: str, size: int, mtime_ns: int, ctime_ns: int = 0) -> None:
        """Record a new size, mtime and ctime for a file whose content did not change."""
        with Transaction(self._db):
            self._db.execute(
                "UPDATE documents SET size = ?, mtime_ns = ?, ctime_ns = ? WHERE abs_path = ?",
                (size, mtime_ns, ctime_ns, abs_path),
            )

    def name_root(self, name: str, path: str, machine: str) -> None:
        """Name a root that `machine` ingested from `path` (kept when `name` or `path` is
        named already)."""
        with Transaction(self._db):
            self._db.execute("INSERT OR IGNORE INTO roots VALUES (?, ?, ?)", (name, path, machine))

    def remove(self, abs_path: str) -> None:
        """Forget a document; its chunks become orphans (`SqliteChunks.orphan_ids`)."""
        with Transaction(self._db):
            self._db.execute("DELETE FROM documents WHERE abs_path = ?", (abs_path,))


def _as_shown(documents: list[IndexedDocument], path: str) -> list[IndexedDocument]:
    """Documents whose name or path `localqa sources` prints as `path`: a control
    character in a file name is shown escaped (\\x09), and pasted back so."""
    shown = [d for d in documents if terminal_safe(d.abs_path, one_line=True) == path]
    return shown or [d for d in documents if terminal_safe(d.source, one_line=True) == path]
