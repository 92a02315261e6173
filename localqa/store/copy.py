"""`localqa index copy`: an index moved from one store to another (the embedded one to a
shared one in PostgreSQL and a Chroma server, or back) as it is: chunk rows, their vectors
and the build record, no file re-read, no chunk re-embedded, so the next ingest against the
copy finds every file unchanged.

Each document is copied through the target's own write protocol (`IndexWriter.store`:
rows, vectors, then the commit that makes it visible), so a copy stopped at any moment
leaves the target consistent, and a second copy does only what the first did not (a
document already there in the same version is left as it is).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, cast

import numpy as np

from localqa.schema import Vectors
from localqa.store.base import IndexWriter

BATCH = 500  # chunks per store() call


class ReadableVectors(Protocol):
    def vectors_of(self, ids: Sequence[str]) -> Vectors: ...


@dataclass(frozen=True)
class Copied:
    """What a copy did: documents copied, already there (same version), chunks copied."""

    documents: int
    unchanged: int
    chunks: int


def copy_index(source: IndexWriter, target: IndexWriter) -> Copied:
    """Copy every visible document of `source`, with its chunks and vectors, into `target`
    (its writer lock held meanwhile: IndexBusy when another holds it), its roots' names
    first (localqa/store/roots.py: `source_roots` names them), then the build
    record (the settings fingerprint, the embedder's precision, the last scan time), so an
    ingest finds the copy up to date. Raises what the stores raise (DatabaseError,
    VectorStoreError)."""
    vectors = cast(ReadableVectors, source.vectors)
    documents = unchanged = chunks = 0
    with target.writing():
        for root, (path, _) in source.catalog.named_roots().items():  # the same root names
            target.name_root(root, path)
        for document in source.catalog.documents():
            there = target.catalog.document(document.abs_path)
            if there is not None and there.doc_hash == document.doc_hash:
                unchanged += 1
                continue
            rows = source.chunks.of_document(document.abs_path)
            if not rows:  # a document without text is listed all the same
                target.store([], np.zeros((0, 0), dtype=np.float32), [document])
            for start in range(0, len(rows), BATCH):
                batch = rows[start : start + BATCH]
                last = start + BATCH >= len(rows)
                ids = [c.id for c in batch]
                target.store(batch, vectors.vectors_of(ids), [document] if last else [])
            documents += 1
            chunks += len(rows)
        fingerprint = source.settings_fingerprint()
        name = (fingerprint or "").split("|")[1:2] or ["copied"]  # salt: version|embedder|...
        target.note_embedder(name[0], source.embedder_precision())
        if fingerprint:
            target.note_settings(fingerprint)
        target.note_scan(source.last_scan_ns())
    return Copied(documents, unchanged, chunks)
