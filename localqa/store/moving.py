"""A document found at another path, the same content (`doc_hash`): its chunks re-pointed
at the new path and name, and embedded again only where the header they are embedded with
names the file anew (a renamed file, not a moved folder). Both stores move documents so
(store/index.py, store/postgres/index.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from localqa.schema import Chunk, IndexedDocument, Vectors

if TYPE_CHECKING:
    from localqa.store.base import VectorStore

# Texts to vectors, for the chunks of a renamed file (Index.move).
Embed = Callable[[list[str]], Vectors]


def repoint_vectors(
    vectors: Callable[[], VectorStore], chunks: Sequence[Chunk], new: IndexedDocument, embed: Embed
) -> list[Chunk]:
    """A moved document's `chunks` re-pointed at `new`; those whose embedded text names
    the file anew (a renamed file) embedded again from their stored text and stored in
    `vectors()` (opened only then). Returns those chunks, re-pointed, for the store to
    re-index lexically; the others keep their vectors untouched."""
    moved = [replace(c, abs_path=new.abs_path, source=new.source) for c in chunks]
    reindex = [
        m for c, m in zip(chunks, moved, strict=True) if c.embedding_text() != m.embedding_text()
    ]
    if reindex:
        fresh = embed([c.embedding_text() for c in reindex])
        vectors().upsert([c.id for c in reindex], fresh, [new.abs_path] * len(reindex))
    return reindex
