"""The doctor's index sections: the embedded index's size and state, and whether it is
whole, part by part (a shared index's are under "servers")."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from localqa.errors import LocalqaError
from localqa.store.index import Index
from localqa.store.open import shared

if TYPE_CHECKING:
    from localqa.builder import Builder


def index_state(builder: Builder) -> dict[str, Any]:
    if shared(builder.settings.store):  # PostgreSQL: checked under "servers"
        return {"shared": "in PostgreSQL (database_url): see servers"}
    path = builder.settings.index_dir
    if not Index.exists(builder.settings.store):
        return {"path": str(path), "state": "not built yet: run `localqa ingest PATH`"}
    try:
        return _index_facts(builder)
    except LocalqaError as err:  # the integrity section says what to do
        return {"path": str(path), "state": f"cannot be read: {err}"}


def integrity(builder: Builder) -> dict[str, Any]:
    """Whether the index is whole, part by part, and what repairs it (store/integrity.py)."""
    from localqa.store.integrity import check

    if shared(builder.settings.store):
        return {
            "verdict": "a shared index: PostgreSQL checks its own (see servers)",
            "exit_code": 0,
        }
    if not Index.exists(builder.settings.store):
        return {"verdict": "no index yet", "exit_code": 0}
    found = check(builder.settings.store)
    return {**found.as_dict(), "exit_code": found.exit_code}


def _index_facts(builder: Builder) -> dict[str, Any]:
    path = builder.settings.index_dir
    # the embedded index's own facts (a shared one's are under "servers")
    with Index.open_existing(builder.settings.store, read_only=True) as index:
        info = builder.describe(index)
        fresh = index.lexical.fresh_arrays() is not None
    return {
        "path": str(path),
        "documents": info.documents,
        "chunks": info.chunks,
        "bm25_arrays": "current"
        if fresh
        else "none yet: FTS5 answers (slower on big indexes); the next ingest writes them",
    }
