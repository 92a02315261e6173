"""One named index: the chunk store (documents, chunks, BM25) and the Chroma vectors."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from localqa.config import Settings
from localqa.errors import LocalqaError
from localqa.schema import Chunk, SourceInfo, Vectors
from localqa.store.chunkstore import ChunkStore, DocumentRecord
from localqa.store.lock import WriterLock
from localqa.store.vectors import VectorStore

CATALOG_FILE = "catalog.sqlite"
BUILD_FILE = "build.json"  # how the index was made: embedder, precision, settings


class SourceNotFound(LocalqaError):
    """A document asked for by name is not in the index."""


class IndexMissing(LocalqaError):
    """No index has been built yet."""


class Index:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.path = settings.index_dir
        self.chunk_store = ChunkStore(self.path / CATALOG_FILE)
        self._vectors: VectorStore | None = None

    @staticmethod
    def exists(settings: Settings) -> bool:
        """Whether the configured index has been created (by an ingest)."""
        return (settings.index_dir / CATALOG_FILE).is_file()

    @classmethod
    def open_existing(cls, settings: Settings) -> Index:
        """The configured index; raises IndexMissing when it was never created."""
        if not cls.exists(settings):
            raise IndexMissing(
                f"no index {settings.index!r} in {settings.home}; run `localqa ingest PATH` first"
            )
        return cls(settings)

    @property
    def vectors(self) -> VectorStore:
        if self._vectors is None:  # chromadb is slow to import: only when vectors are needed
            self._vectors = VectorStore(
                self.path / "chroma",
                host=self.settings.chroma_host,
                port=self.settings.chroma_port,
                namespace=self.settings.index if self.settings.chroma_host else "",
            )
        return self._vectors

    def writer_lock(self) -> WriterLock:
        return WriterLock(self.path / "ingest.lock")

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the writer lock; when the writing succeeds, bring the lexical copy up to date
        before letting go, so the next search finds it fresh."""
        with self.writer_lock():
            yield
            try:
                self.refresh_lexical()
            except OSError as err:  # what was written stays; only the faster copy is missing
                logging.getLogger("localqa").warning(
                    "could not write the BM25 arrays in %s (%s); searches use SQLite FTS5 "
                    "meanwhile (slower on big indexes): free disk space or fix permissions, "
                    "then run `localqa ingest` again",
                    self.chunk_store.lexical_dir,
                    err,
                )

    def _record(self) -> dict[str, str]:
        try:
            record = json.loads((self.path / BUILD_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return (
            {k: v for k, v in record.items() if isinstance(v, str)}
            if isinstance(record, dict)
            else {}
        )

    def _update_record(self, **fields: str) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        tmp = self.path / (BUILD_FILE + ".tmp")
        tmp.write_text(json.dumps({**self._record(), **fields}), encoding="utf-8")
        os.replace(tmp, self.path / BUILD_FILE)  # atomic: readers see old or new

    def note_embedder(self, name: str, precision: str) -> None:
        """Record which model and precision make this index's vectors, so questions are
        embedded the same way (`embedder_precision`)."""
        self._update_record(embedder=name, precision=precision)

    def embedder_precision(self) -> str:
        """How the vectors were made, "int8" or "fp32"; "fp32" for indexes from before the
        record existed (torch made those)."""
        return "int8" if self._record().get("precision") == "int8" else "fp32"

    def note_settings(self, fingerprint: str) -> None:
        """Record the settings that shaped every document's chunks and vectors, once a run
        has brought them all up to date."""
        self._update_record(settings=fingerprint)

    def settings_fingerprint(self) -> str | None:
        """What `note_settings` last recorded; None for an index that never recorded it."""
        return self._record().get("settings")

    def refresh_lexical(self) -> bool:
        """Rewrite the array copy of the BM25 index if the catalog has changed since it was
        written (localqa/store/lexical.py); True if it was rewritten."""
        from localqa.store.lexical import copy_folder, save

        folder = self.chunk_store.lexical_dir
        if copy_folder(folder, self.chunk_store.lexical_generation()).is_dir():
            return False
        save(self.chunk_store.read_lexical_snapshot(), folder)
        return True

    def collect_orphans(self, abs_path: str | None = None) -> int:
        """Delete chunks (and their vectors) that no document points at. Vectors go first:
        a crash in between leaves rows that the next call collects again."""
        ids = self.chunk_store.orphan_chunk_ids(abs_path)
        if ids:
            self.vectors.delete(ids)
            self.chunk_store.delete_chunks(ids)
        return len(ids)

    def store(
        self,
        chunks: Sequence[Chunk],
        vectors: Vectors,
        complete: Sequence[DocumentRecord] = (),
    ) -> None:
        """Store `chunks` with their `vectors` (one row each), then make the documents in
        `complete` visible, replacing their previous versions.

        The write order is what makes a kill at any moment harmless: chunk rows first
        (invisible: no document points at them yet), then their vectors (each then has a
        row, so orphans are findable), then one transaction per document that points it
        at its new chunks, and only then the old version's chunks are collected. A
        document's chunks may span several calls; pass its record with the last of them.
        """
        if chunks:
            self.chunk_store.add_chunks(chunks)
            self.vectors.upsert([c.id for c in chunks], vectors, [c.abs_path for c in chunks])
        for record in complete:
            self.chunk_store.commit_document(record)
            self.collect_orphans(record.abs_path)  # the replaced version

    def discard(self, abs_path: str) -> None:
        """Drop what was stored of a document that then failed; its previous version, if
        any, stays visible."""
        self.collect_orphans(abs_path)

    def forget(self, record: DocumentRecord) -> None:
        self.chunk_store.remove_document(record.abs_path)
        self.collect_orphans(record.abs_path)

    def find_documents(self, path: str) -> list[DocumentRecord]:
        """Documents matching a path as given: the one at that absolute path (or relative
        to cwd) if any, else every document listed under that name (copies of one folder
        ingested under two names share names)."""
        wanted = {path, str(Path(path).expanduser().resolve())}
        documents = self.chunk_store.documents()
        exact = [d for d in documents if d.abs_path in wanted]
        return exact or [d for d in documents if d.source in wanted]

    def missing_documents(self) -> list[DocumentRecord]:
        """Documents whose file is no longer where it was ingested from."""
        return [d for d in self.chunk_store.documents() if not Path(d.abs_path).exists()]

    def sources(self) -> list[SourceInfo]:
        return [
            SourceInfo(
                path=d.source,
                last_page=d.last_page,
                chunks=d.chunks,
                ingested_at=d.ingested_at,
                abs_path=d.abs_path,
                doc_hash=d.doc_hash,
                missing=not Path(d.abs_path).exists(),
            )
            for d in self.chunk_store.documents()
        ]

    def close(self) -> None:
        self.chunk_store.close()
