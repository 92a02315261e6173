"""The embedded index's ways back, cheapest first (localqa/ingest/repair.py runs them):
the lexical index and BM25 arrays rebuilt from the stored chunk text; vectors re-embedded
from it (no file re-read); a catalog that cannot be read set aside for a re-ingest.

Nothing is deleted that is not kept aside first: a damaged file or folder is moved into
`<index>/set-aside/<UTC time>/` (`set_aside`), a collection on a Chroma server is renamed.
What can be derived again (BM25 arrays, FTS5 rows of a readable catalog) is rebuilt in
place after the catalog's file was copied aside.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from localqa.errors import IndexDamaged, LocalqaError
from localqa.store.database import (
    BUMP_GENERATION_SQL,
    CHUNK_COLUMNS,
    LEXICAL_FORMAT,
    TOKENIZER,
    Transaction,
    connect,
    fts_body,
    to_chunk,
)
from localqa.store.faults import storage_faults
from localqa.store.fts import SET_FORMAT_SQL

if TYPE_CHECKING:
    from localqa.schema import Vectors
    from localqa.store.index import Index

SET_ASIDE = "set-aside"
CATALOG_FILES = ("catalog.sqlite", "catalog.sqlite-wal", "catalog.sqlite-shm")
EMBED_BATCH = 256  # chunks re-embedded per call


def set_aside(index_dir: Path, names: Sequence[str], copy: Sequence[str] = ()) -> Path:
    """Move `names` (files or folders in `index_dir`; absent ones are skipped) and copy
    `copy` into a new `set-aside/<UTC time>` folder there; that folder."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    target = index_dir / SET_ASIDE / stamp
    n = 1
    while target.exists():
        n += 1
        target = index_dir / SET_ASIDE / f"{stamp}-{n}"
    if "chroma" in names:
        _forget_embedded_clients()  # this process may have the store open
    with storage_faults(target):
        target.mkdir(parents=True)
        for name in copy:
            if (index_dir / name).is_file():
                shutil.copy2(index_dir / name, target / name)
        for name in names:
            if (index_dir / name).exists():
                (index_dir / name).rename(target / name)
    return target


def catalog_unreadable(path: Path) -> str | None:
    """Why the catalog at `path` cannot serve as it is (it cannot be opened, SQLite's
    integrity_check finds faults, or a row of documents or chunks cannot be read); None
    when it can."""
    try:
        db = connect(path, read_only=True)
    except LocalqaError as err:
        return str(err.__cause__ or err)
    try:
        problems = [row[0] for row in db.execute("PRAGMA integrity_check(3)")]
        if problems != ["ok"]:
            return "integrity_check: " + "; ".join(problems)
        for table in ("documents", "chunks"):
            db.execute(f"SELECT * FROM {table}").fetchall()
    except (LocalqaError, sqlite3.Error) as err:
        return str(err.__cause__ or err)
    finally:
        db.close()
    return None


def salvage_roots(path: Path) -> list[str]:
    """The ingest roots a damaged catalog still yields (its documents table may be
    readable though other pages are not); [] when none."""
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)
        try:
            return sorted({row[0] for row in db.execute("SELECT DISTINCT root FROM documents")})
        finally:
            db.close()
    except sqlite3.Error:
        return []


def salvage_named_roots(path: Path) -> dict[str, tuple[str, str]]:
    """The named roots (name -> (path, machine)) a damaged catalog still yields; {} when
    none."""
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)
        try:
            rows = db.execute("SELECT name, path, machine FROM roots").fetchall()
        finally:
            db.close()
    except sqlite3.Error:
        return {}
    return {str(name): (str(root), str(machine)) for name, root, machine in rows}


def salvage_catalog(
    damaged: Path, target: Path, named: Mapping[str, tuple[str, str]] = MappingProxyType({})
) -> tuple[int, int] | None:
    """A new catalog at `target` from the rows of the `damaged` one, when every document
    row and every chunk row still reads and each document has all its chunks (SQLite's
    integrity_check may fail on an index or the FTS5 tables alone); its FTS5 index is made
    anew from the chunk text, its id kept (so its vectors stay its own), its roots `named`
    as before (name -> (path, machine): other machines map them by name). (documents,
    chunks), or None when rows are lost: then only a re-ingest rebuilds it."""
    try:
        old = connect(damaged, read_only=True)
    except LocalqaError:
        return None
    try:
        documents = old.execute("SELECT * FROM documents").fetchall()
        chunks = old.execute(f"SELECT rowid, {CHUNK_COLUMNS} FROM chunks").fetchall()
        meta = old.execute("SELECT key, value FROM meta").fetchall()
        info = old.execute("SELECT key, value FROM info").fetchall() if _has_info(old) else []
    except (LocalqaError, sqlite3.Error):
        return None
    finally:
        old.close()
    held: dict[tuple[str, str], int] = {}
    for row in chunks:
        key = (row[4], row[10])  # abs_path, doc_hash (CHUNK_COLUMNS after the rowid)
        held[key] = held.get(key, 0) + 1
    if any(held.get((d[0], d[3]), 0) != d[9] for d in documents):
        return None
    _write_salvaged(target, documents, chunks, meta, info, named)
    return len(documents), len(chunks)


def _has_info(db: sqlite3.Connection) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE name = 'info'").fetchone() is not None


def _write_salvaged(
    target: Path,
    documents: list[Any],
    chunks: list[Any],
    meta: list[Any],
    info: list[Any],
    named: Mapping[str, tuple[str, str]],
) -> None:
    db = connect(target)
    try:
        with Transaction(db):  # the roots with the documents: no opening names them anew
            db.executemany(
                "INSERT OR IGNORE INTO roots VALUES (?, ?, ?)",
                ((n, p, m) for n, (p, m) in named.items()),
            )
            for d in documents:  # a catalog from before ctime_ns has one column less
                db.execute("INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", (*d, 0)[:12])
            db.executemany(
                f"INSERT INTO chunks(rowid, {CHUNK_COLUMNS}, content_hash) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,'')",
                chunks,
            )
            db.executemany(
                "INSERT INTO chunks_fts(rowid, body) VALUES (?, ?)",
                ((row[0], fts_body(to_chunk(row[1:]))) for row in chunks),
            )
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta)
            db.execute(SET_FORMAT_SQL, (LEXICAL_FORMAT,))
            db.execute(BUMP_GENERATION_SQL)
            if info:
                db.execute("CREATE TABLE IF NOT EXISTS info(key TEXT PRIMARY KEY, value TEXT)")
                db.executemany("INSERT OR REPLACE INTO info VALUES (?, ?)", info)
    finally:
        db.close()


def rebuild_lexical(index: Index) -> int:
    """Re-index every stored chunk's text in FTS5 (a damaged FTS5 table is dropped and
    made anew: the catalog's file was copied aside first), in the current lexical format;
    how many chunks. The writer lock must be held; `Index.writing` then writes the BM25
    arrays."""
    db = index._db
    with Transaction(db):
        rows = db.execute(f"SELECT rowid, {CHUNK_COLUMNS} FROM chunks").fetchall()
        try:
            db.execute("DELETE FROM chunks_fts")
        except IndexDamaged:
            db.execute("DROP TABLE chunks_fts")
            db.execute(f"CREATE VIRTUAL TABLE chunks_fts USING fts5(body, tokenize='{TOKENIZER}')")
        db.executemany(
            "INSERT INTO chunks_fts(rowid, body) VALUES (?, ?)",
            ((row[0], fts_body(to_chunk(row[1:]))) for row in rows),
        )
        db.execute(SET_FORMAT_SQL, (LEXICAL_FORMAT,))
        db.execute(BUMP_GENERATION_SQL)
    return len(rows)


def reembed(
    index: Index, embed: Callable[[list[str]], Vectors], ids: Sequence[str] | None = None
) -> int:
    """Embed the stored text of the chunks `ids` (None: every chunk row) again and store
    their vectors; no file is read. How many."""
    db = index._db
    wanted = list(ids) if ids is not None else [r[0] for r in db.execute("SELECT id FROM chunks")]
    for start in range(0, len(wanted), EMBED_BATCH):
        batch = wanted[start : start + EMBED_BATCH]
        marks = ",".join("?" * len(batch))
        sql = f"SELECT {CHUNK_COLUMNS} FROM chunks WHERE id IN ({marks})"
        chunks = [to_chunk(row) for row in db.execute(sql, batch)]
        if chunks:
            vectors = embed([c.embedding_text() for c in chunks])
            index.vectors.upsert([c.id for c in chunks], vectors, [c.abs_path for c in chunks])
    return len(wanted)


def set_vectors_aside(index: Index) -> str:
    """Put the index's vector store out of the way, kept: the embedded store's folder into
    `set-aside/`, a server's collection renamed; the next use opens a new, empty one.
    What was done, in a few words."""
    s = index.settings
    index.drop_vectors()
    if s.chroma_host:
        from localqa.store.vectors import open_client

        client = open_client(index.path, s.chroma_host, s.chroma_port)
        name = index.collection_name()
        kept = f"{name}-set-aside-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}"
        try:
            client.get_collection(name=name).modify(name=kept)
        except Exception as err:  # noqa: BLE001 - none there (deleted): nothing to keep
            return f"collection {name} could not be kept ({err}); a new one is made"
        return f"collection {name} renamed {kept} on the server"
    where = set_aside(index.path, ["chroma"])
    return f"{index.path / 'chroma'} moved to {where}"


def _forget_embedded_clients() -> None:
    """chromadb keeps one client per folder for the process: let it go, so the folder
    made next is opened afresh."""
    try:
        from chromadb.api.shared_system_client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
    except Exception:  # noqa: BLE001 - an older chromadb: no cache to clear
        pass
