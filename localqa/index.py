"""One named index: the catalog (chunks, BM25, documents) and the Chroma vectors."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from localqa.catalog import Catalog, DocumentRecord
from localqa.config import Settings
from localqa.lock import WriterLock
from localqa.schema import SourceInfo
from localqa.vectors import VectorStore

CATALOG_FILE = "catalog.sqlite"


class IndexMissing(Exception):
    """No index has been built yet."""


class Index:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.path = settings.index_dir
        self.catalog = Catalog(self.path / CATALOG_FILE)
        self._vectors: VectorStore | None = None

    @classmethod
    def open_existing(cls, settings: Settings) -> Index:
        if not (settings.index_dir / CATALOG_FILE).is_file():
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
                    self.catalog.lexical_dir,
                    err,
                )

    def refresh_lexical(self) -> bool:
        """Rewrite the array copy of the BM25 index if the catalog has changed since it was
        written (localqa/lexical.py); True if it was rewritten."""
        from localqa.lexical import copy_folder, save

        folder = self.catalog.lexical_dir
        if copy_folder(folder, self.catalog.lexical_generation()).is_dir():
            return False
        save(self.catalog.read_lexical_snapshot(), folder)
        return True

    def collect_orphans(self, abs_path: str | None = None) -> int:
        """Delete chunks (and their vectors) that no document points at. Vectors go first:
        a crash in between leaves rows that the next call collects again."""
        ids = self.catalog.orphan_chunk_ids(abs_path)
        if ids:
            self.vectors.delete(ids)
            self.catalog.delete_chunks(ids)
        return len(ids)

    def forget(self, record: DocumentRecord) -> None:
        self.catalog.remove_document(record.abs_path)
        self.collect_orphans(record.abs_path)

    def find_documents(self, path: str) -> list[DocumentRecord]:
        """Documents matching a path as given: absolute, relative to cwd, or as listed."""
        wanted = {path, str(Path(path).expanduser().resolve())}
        return [d for d in self.catalog.documents() if d.abs_path in wanted or d.source in wanted]

    def sources(self) -> list[SourceInfo]:
        return [
            SourceInfo(
                path=d.source,
                pages=d.pages,
                chunks=d.chunks,
                ingested_at=d.ingested_at,
                abs_path=d.abs_path,
                doc_hash=d.doc_hash,
            )
            for d in self.catalog.documents()
        ]

    def close(self) -> None:
        self.catalog.close()
