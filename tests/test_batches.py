"""Embedding in batches, storing in groups (ingest/batches.py), on the real embedder and a
real index: fewer store calls, the same documents visible when they are complete."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from localqa.config import Settings
from localqa.embedding.embedder import Embedder
from localqa.ingest import batches
from localqa.ingest.batches import BatchWriter
from localqa.ingest.progress import PlainProgress
from localqa.schema import Chunk, IndexedDocument, Vectors
from localqa.store.index import Index


def chunks(name: str, count: int) -> list[Chunk]:
    return [
        Chunk(f"{name}-{i}", f"Unit {i} of {name} passed.", name, f"/d/{name}", 1, i, i, 0, 9, "h")
        for i in range(1, count + 1)
    ]


def record(name: str) -> IndexedDocument:
    return IndexedDocument(f"/d/{name}", name, "/d", "h", 1, 1, last_page=1)


class Recording(Index):
    """The real index, telling how many chunks each store call held."""

    calls: list[int]

    def store(
        self, chunks: Sequence[Chunk], vectors: Vectors, complete: Sequence[IndexedDocument] = ()
    ) -> None:
        self.calls.append(len(chunks))
        super().store(chunks, vectors, complete)


@pytest.fixture
def index(settings: Settings) -> Recording:
    made = Recording(settings.store)
    made.calls = []
    return made


def test_a_long_document_is_stored_in_groups_and_committed_whole(
    index: Recording, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batches, "STORE_CHUNKS", 6)
    committed: list[str] = []
    writer = BatchWriter(index, embedder, 2, PlainProgress(quiet=True))
    with index, index.writing():
        for chunk in chunks("long.txt", 10):
            writer.add(chunk)
        assert index.calls == [6]  # three embedding batches of 2, stored at once
        assert index.chunks.count() == 0  # invisible until the document is committed
        writer.complete(record("long.txt"), lambda: committed.append("long.txt"))
        writer.flush()
        assert index.calls == [6, 4] and committed == ["long.txt"]
        assert len(index.chunks.of_document("/d/long.txt")) == 10
        assert index.vectors.count() == 10


def test_a_complete_document_is_committed_with_the_next_batch(
    index: Recording, embedder: Embedder
) -> None:
    committed: list[str] = []
    writer = BatchWriter(index, embedder, 2, PlainProgress(quiet=True))
    with index, index.writing():
        for chunk in chunks("a.txt", 2):
            writer.add(chunk)
        writer.complete(record("a.txt"), lambda: committed.append("a.txt"))
        for chunk in chunks("b.txt", 2):
            writer.add(chunk)
        assert index.calls == [4] and committed == ["a.txt"]
        assert [c.id for c in index.chunks.of_document("/d/a.txt")] == ["a.txt-1", "a.txt-2"]


def test_a_failed_document_leaves_nothing_embedded_behind(
    index: Recording, embedder: Embedder
) -> None:
    writer = BatchWriter(index, embedder, 2, PlainProgress(quiet=True))
    with index, index.writing():
        for chunk in chunks("bad.pdf", 2) + chunks("good.txt", 2):
            writer.add(chunk)  # embedded, not stored yet
        writer.discard("/d/bad.pdf")
        writer.complete(record("good.txt"), lambda: None)
        writer.flush()
        assert index.calls == [2]
        assert index.vectors.count() == 2
        assert index.all_chunk_ids() == ["good.txt-1", "good.txt-2"]
