"""Whether an embedded index is whole: its catalog (SQLite `integrity_check`), the lexical
index (FTS5 rows against chunk rows), the BM25 arrays (against FTS5) and the vectors
(against chunk rows, id by id; the collection the index's own), each part found `ok` or
said exactly what is wrong, with the command that repairs it. `localqa doctor` shows it;
`localqa index repair` (repair.py) acts on the same findings. Reads only.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from localqa.errors import IndexDamaged, LocalqaError, StorageError
from localqa.store.faults import REPAIR, VectorStoreError

if TYPE_CHECKING:
    from localqa.sections import StoreSettings
    from localqa.store.index import Index

REPAIR_COMMAND = "localqa index repair"
SHOWN_IDS = 3  # ids named in a finding; the rest are counted


@dataclass(frozen=True)
class Finding:
    """One part of the index: `ok`, or what is wrong (`detail`) and the `repair` command."""

    part: str  # "catalog", "lexical_index", "bm25_arrays", "vectors"
    ok: bool
    detail: str
    repair: str = ""


@dataclass(frozen=True)
class Integrity:
    """Every part's finding; `exit_code`: 0 whole, 4 damaged, 3 storage, 1 a server down."""

    findings: tuple[Finding, ...]
    exit_code: int = 0
    missing_vectors: tuple[str, ...] = field(default=(), repr=False)
    extra_vectors: tuple[str, ...] = field(default=(), repr=False)

    @property
    def damaged(self) -> bool:
        return any(not f.ok for f in self.findings)

    def part(self, name: str) -> Finding | None:
        return next((f for f in self.findings if f.part == name), None)

    def as_dict(self) -> dict[str, str]:
        """Doctor's lines: each part, then the verdict."""
        lines = {f.part: "ok: " + f.detail if f.ok else f.detail for f in self.findings}
        lines["verdict"] = (
            "whole"
            if not self.damaged
            else f"damaged: run `{REPAIR_COMMAND}`"
            if self.exit_code == IndexDamaged.exit_code
            else "not checked through: see above"
        )
        return lines


def check(settings: StoreSettings) -> Integrity:
    """Check the index of `settings` (which must exist), reading only."""
    from localqa.store.index import Index

    try:
        index = Index.open_existing(settings, read_only=True)
    except (IndexDamaged, StorageError) as err:
        return Integrity((_catalog_failure(err),), err.exit_code)
    with index:
        try:
            return _check_open(index)
        except (IndexDamaged, StorageError) as err:
            return Integrity((_catalog_failure(err),), err.exit_code)


def _catalog_failure(err: LocalqaError) -> Finding:
    repair = REPAIR_COMMAND if isinstance(err, IndexDamaged) else ""
    return Finding("catalog", False, str(err), repair)


def _check_open(index: Index) -> Integrity:
    db = index._db
    problems = [row[0] for row in db.execute("PRAGMA integrity_check(5)")]
    if problems != ["ok"]:
        detail = f"{index.path / 'catalog.sqlite'}: SQLite integrity_check: {'; '.join(problems)}"
        return Integrity((Finding("catalog", False, detail + f"; {REPAIR}", REPAIR_COMMAND),), 4)
    findings = [_catalog_counts(index), _lexical(index), _arrays(index)]
    vectors, missing, extra = _vectors(index)
    findings.append(vectors)
    code = 0
    if any(not f.ok and f.repair for f in findings):
        code = IndexDamaged.exit_code
    elif not vectors.ok:
        code = 1  # a server down, or a store that cannot be opened: one line says which
    return Integrity(tuple(findings), code, tuple(missing), tuple(extra))


def _catalog_counts(index: Index) -> Finding:
    """Each document's recorded chunk count against its visible chunk rows."""
    sql = (
        "SELECT d.source, d.chunks, (SELECT count(*) FROM chunks c WHERE c.abs_path = "
        "d.abs_path AND c.doc_hash = d.doc_hash) FROM documents d"
    )
    rows = index._db.execute(sql).fetchall()
    wrong = [f"{name} ({held} of {said} chunks)" for name, said, held in rows if said != held]
    if wrong:
        detail = f"{len(wrong)} document(s) lack chunk rows: {_few(wrong)}"
        return Finding("catalog", False, detail, REPAIR_COMMAND)
    chunks = sum(held for _, _, held in rows)
    detail = f"integrity_check passed, {len(rows)} documents, {chunks} chunks"
    return Finding("catalog", True, detail)


def _lexical(index: Index) -> Finding:
    """FTS5's rows against the chunk rows, one for one, and FTS5's own check."""
    db = index._db
    unindexed = db.execute(
        "SELECT count(*) FROM chunks c WHERE NOT EXISTS "
        "(SELECT 1 FROM chunks_fts f WHERE f.rowid = c.rowid)"
    ).fetchone()[0]
    stray = db.execute(
        "SELECT count(*) FROM chunks_fts f WHERE NOT EXISTS "
        "(SELECT 1 FROM chunks c WHERE c.rowid = f.rowid)"
    ).fetchone()[0]
    if unindexed or stray:
        detail = f"{unindexed} chunk(s) not in the FTS5 index, {stray} FTS5 row(s) without a chunk"
        return Finding("lexical_index", False, detail, REPAIR_COMMAND)
    if index.lexical.outdated():
        return Finding("lexical_index", True, "outdated format: `localqa ingest` re-indexes it")
    return Finding("lexical_index", True, "every chunk indexed")


def _arrays(index: Index) -> Finding:
    """The BM25 arrays of the current generation, row for row FTS5's."""
    snapshot = index.lexical.fresh_arrays()
    if snapshot is None:
        detail = (
            f"none current in {index.lexical.arrays_dir}: FTS5 answers meanwhile (slower "
            "on big indexes)"
        )
        return Finding("bm25_arrays", False, detail, REPAIR_COMMAND)
    rowids = [r[0] for r in index._db.execute("SELECT rowid FROM chunks_fts ORDER BY rowid")]
    if [int(r) for r in snapshot.rowids] != rowids:
        detail = f"{len(snapshot.rowids)} rows against FTS5's {len(rowids)}"
        return Finding("bm25_arrays", False, detail, REPAIR_COMMAND)
    return Finding("bm25_arrays", True, f"current ({len(rowids)} rows)")


def _vectors(index: Index) -> tuple[Finding, list[str], list[str]]:
    """Vectors against chunk rows id by id, the collection's label against the catalog's
    id, and one query (a store whose files are damaged may count but not search)."""
    try:
        store = index.vectors
        held = store.ids()
        if held:
            import numpy as np

            dim = len(store.get([next(iter(held))])[1][0])
            store.query(np.zeros(dim, dtype=np.float32) + 1.0, 1)
        label = store.label
    except VectorStoreError as err:
        if not index.settings.chroma_host and not os.access(index.path, os.W_OK):
            # chromadb cannot open a read-only folder at all: not checked, not damaged
            return Finding("vectors", True, f"not checked ({err})"), [], []
        if not index.settings.chroma_host:  # the line says what to do
            return Finding("vectors", False, str(err), REPAIR_COMMAND), [], []
        if _server_up(index):  # it answers: the collection is what is gone
            detail = f"{err}; the server answers, so `{REPAIR_COMMAND}` re-embeds the stored text"
            return Finding("vectors", False, detail, REPAIR_COMMAND), [], []
        return Finding("vectors", False, str(err)), [], []
    rows = [row[0] for row in index._db.execute("SELECT id FROM chunks")]
    missing = [i for i in rows if i not in held]
    extra = sorted(held - set(rows))
    from localqa.store.identity import index_id

    own = index_id(index._db)
    problems = list(_vector_problems(missing, extra, label, own, store.name))
    if problems:
        return Finding("vectors", False, "; ".join(problems), REPAIR_COMMAND), missing, extra
    where = f"{store.where}, collection {store.name}"
    return Finding("vectors", True, f"{len(rows)} vectors, one per chunk ({where})"), [], []


def _server_up(index: Index) -> bool:
    """Whether the Chroma server of `index` answers at all."""
    from localqa.store.vectors import open_client

    s = index.settings
    try:
        open_client(index.path, s.chroma_host, s.chroma_port).heartbeat()
    except Exception:  # noqa: BLE001 - down, whatever the error says
        return False
    return True


def _vector_problems(
    missing: list[str], extra: list[str], label: str, own: str, name: str
) -> Iterator[str]:
    if missing:
        yield f"{len(missing)} chunk(s) without a vector ({_few(missing)})"
    if extra:
        yield f"{len(extra)} vector(s) of no chunk of this catalog ({_few(extra)})"
    if label and own and label != own:
        yield f"collection {name} belongs to index id {label}, not this catalog's {own}"


def _few(items: list[str]) -> str:
    shown = ", ".join(items[:SHOWN_IDS])
    return shown + (f" and {len(items) - SHOWN_IDS} more" if len(items) > SHOWN_IDS else "")
