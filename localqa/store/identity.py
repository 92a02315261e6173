"""Which vectors are an index's own: an id made once, kept in the catalog, carried by the
name of the index's collection on a Chroma server.

Two machines (two LOCALQA_HOMEs) with one index name on one server used to write one
collection (`default-chunks`), so one's `forget` deleted vectors the other's catalog still
named. Now each catalog has an id (`index_id`) and its collection on a server is
`{index}-{id}-chunks`; the embedded store keeps `chunks` (its folder is the index's own).
A collection is labelled with the id it was made for (vectors.INDEX_KEY), which `doctor`
checks. An index from before ids gets one at its next write (`upgrade_collection`): the
vectors its own chunks had in the old shared collection are copied into its own
collection; the old collection is left as it is, for any other catalog that uses it.
"""

from __future__ import annotations

import contextlib
import sqlite3
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from localqa.store.database import Transaction
from localqa.store.faults import VectorStoreError
from localqa.store.vectors import COLLECTION, ChromaVectorStore

if TYPE_CHECKING:
    from localqa.sections import StoreSettings

TABLE_SQL = "CREATE TABLE IF NOT EXISTS info(key TEXT PRIMARY KEY, value TEXT NOT NULL)"
COPY_BATCH = 1000


def index_id(db: sqlite3.Connection) -> str:
    """The catalog's id; "" for one from before ids (or a reader's on such a catalog)."""
    try:
        row = db.execute("SELECT value FROM info WHERE key = 'index_id'").fetchone()
    except sqlite3.OperationalError:  # no info table: a catalog from before ids
        return ""
    return str(row[0]) if row else ""


def ensure_index_id(db: sqlite3.Connection) -> tuple[str, bool]:
    """The catalog's id, made now if it has none (a writer's call); (id, made now)."""
    if found := index_id(db):
        return found, False
    with Transaction(db):
        db.execute(TABLE_SQL)
        row = db.execute("SELECT value FROM info WHERE key = 'index_id'").fetchone()
        if row:  # another writer made it meanwhile
            return str(row[0]), False
        made = uuid.uuid4().hex[:16]
        db.execute("INSERT INTO info VALUES ('index_id', ?)", (made,))
    return made, True


def collection_name(index: str, identifier: str, server: bool) -> str:
    """The collection of index `index` with id `identifier`: `chunks` embedded; on a server
    `{index}-{id}-chunks`, or `{index}-chunks` for a catalog from before ids."""
    if not server:
        return COLLECTION
    return f"{index}-{identifier}-{COLLECTION}" if identifier else f"{index}-{COLLECTION}"


def upgrade_collection(
    old: ChromaVectorStore, new: ChromaVectorStore, chunk_ids: Sequence[str]
) -> int:
    """Copy the vectors of `chunk_ids` (the catalog's own chunks) from the shared `old`
    collection into the index's own `new` one; `old` is left as it is. How many were
    copied (ids without a vector there are left for `doctor` to find)."""
    copied = 0
    for start in range(0, len(chunk_ids), COPY_BATCH):
        ids, vectors, docs = old.get(chunk_ids[start : start + COPY_BATCH])
        if ids:
            new.upsert(ids, vectors, docs)
            copied += len(ids)
    return copied


def open_vectors(db: sqlite3.Connection, s: StoreSettings, read_only: bool) -> ChromaVectorStore:
    """The own collection of the index whose catalog is `db`; a writer makes the catalog's
    id if it has none, and copies an old index's vectors from the collection it shared
    (`upgrade_collection`). Raises VectorStoreError, StorageError."""
    made = False
    if read_only:
        ident = index_id(db)
    else:
        ident, made = ensure_index_id(db)
    where = s.index_dir / "chroma"
    name = collection_name(s.index, ident, bool(s.chroma_host))
    store = ChromaVectorStore(where, s.chroma_host, s.chroma_port, name, read_only, ident)
    old_catalog = db.execute("SELECT 1 FROM documents LIMIT 1").fetchone()
    if made and s.chroma_host and old_catalog:
        ids = [row[0] for row in db.execute("SELECT id FROM chunks")]
        legacy = collection_name(s.index, "", server=True)
        with contextlib.suppress(VectorStoreError):  # none there: doctor finds them gone
            old = ChromaVectorStore(where, s.chroma_host, s.chroma_port, legacy, True)
            upgrade_collection(old, store, ids)
    return store
