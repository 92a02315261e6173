"""Embedding and storing in full batches, across files: chunks from several files share an
embedding pass (small files would otherwise waste the embedder); a file is committed, and
so becomes visible, only once all its chunks are stored (`Index.store`).

Embedded chunks are stored in groups of up to STORE_CHUNKS, or sooner when a file is
complete: each call on the vector store has a cost of its own (Chroma: storing DA-619p's
2,839 chunks took 2.0-2.9 CPU-s in 45 calls, 1.5-1.7 in 6; docs/BENCHMARKS-LOG.md).
A kill loses nothing more by it: a file's chunks stored before its last are collected as
orphans and read again anyway."""

from __future__ import annotations

import time
from collections.abc import Callable

from localqa.embedding.coverage import needs_note
from localqa.embedding.embedder import Embedder
from localqa.ingest.progress import Progress
from localqa.schema import Chunk, IndexedDocument, Vectors
from localqa.store.base import IndexWriter

# Chunk text in scripts other than Latin kept to name them in the report's embedding note
# (a chunk at least half in one: an English article quoting a Chinese name is not;
# SQuAD's "Yuan dynasty" would otherwise earn the note: coverage.needs_note).
SCRIPT_SAMPLE_CHARS = 2_000
# Embedded chunks kept for one store call at most: their vectors and text, about 2 MB.
STORE_CHUNKS = 512


class BatchWriter:
    """Buffers chunks across files; embeds and stores them in full batches."""

    def __init__(
        self,
        index: IndexWriter,
        embedder: Embedder,
        batch: int,
        progress: Progress,
        reader_busy: Callable[[], bool] = lambda: False,
    ) -> None:
        self._index = index
        self._reader_busy = reader_busy
        self._embedder = embedder
        self._batch = batch
        self._progress = progress
        self._chunks: list[Chunk] = []
        self._embedded: list[tuple[list[Chunk], Vectors]] = []  # not stored yet
        self._complete: list[tuple[IndexedDocument, Callable[[], None]]] = []
        self.embed_seconds = 0.0
        self.store_seconds = 0.0
        self.written = 0
        self.chars = 0  # of chunk text, overlaps counted twice: the ingest speed in chars/s
        self.script_sample = ""  # some text not in Latin script, for script_note

    def add(self, chunk: Chunk) -> None:
        self._chunks.append(chunk)
        self.chars += len(chunk.text)
        if len(self.script_sample) < SCRIPT_SAMPLE_CHARS and needs_note(chunk.text):
            self.script_sample += chunk.text[: SCRIPT_SAMPLE_CHARS - len(self.script_sample)]
        if len(self._chunks) >= self._batch:
            self._embed()
            if self._complete or sum(len(c) for c, _ in self._embedded) >= STORE_CHUNKS:
                self._store()

    def complete(self, record: IndexedDocument, committed: Callable[[], None]) -> None:
        """All of this document's chunks have been added; commit it at the next flush,
        then call `committed` (which reports it)."""
        self._complete.append((record, committed))

    def discard(self, abs_path: str) -> None:
        """Drop a failed document's unstored chunks; stored ones become orphans."""
        self._chunks = [c for c in self._chunks if c.abs_path != abs_path]
        self._embedded = [_without(abs_path, c, v) for c, v in self._embedded]
        self._index.discard(abs_path)

    def flush(self) -> None:
        """Embed what is left, store everything embedded, commit the complete documents."""
        self._embed()
        self._store()

    def _embed(self) -> None:
        chunks, self._chunks = self._chunks, []
        if not chunks:
            return
        started = time.perf_counter()
        spare = 1 if self._reader_busy() else 0
        vectors = self._embedder.embed([c.embedding_text() for c in chunks], spare_cores=spare)
        self.embed_seconds += time.perf_counter() - started
        self._embedded.append((chunks, vectors))
        self._progress.chunks_stored(len(chunks))  # stored with the next group

    def _store(self) -> None:
        import numpy as np  # here: a run that embeds nothing (a moved folder) never loads it

        embedded, self._embedded = self._embedded, []
        complete, self._complete = self._complete, []
        chunks = [chunk for group, _ in embedded for chunk in group]
        vectors = np.concatenate([v for _, v in embedded]) if chunks else np.zeros((0, 0), "f4")
        if chunks and not self.written:  # questions must be embedded the same way (Index docs)
            self._index.note_embedder(self._embedder.name, self._embedder.precision)
        started = time.perf_counter()
        self._index.store(chunks, vectors, [record for record, _ in complete])
        self.store_seconds += time.perf_counter() - started
        self.written += len(chunks)
        for _, committed in complete:
            committed()


def _without(abs_path: str, chunks: list[Chunk], vectors: Vectors) -> tuple[list[Chunk], Vectors]:
    """`chunks` and their `vectors` (one row each) less those of document `abs_path`."""
    kept = [i for i, c in enumerate(chunks) if c.abs_path != abs_path]
    return [chunks[i] for i in kept], vectors[kept]
