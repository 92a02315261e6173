"""What an index is to its readers and to its one writer: the protocols every store
implementation satisfies. The embedded one is SQLite + embedded Chroma
(localqa/store/index.py); a server-backed one (PostgreSQL for the catalog, the chunk text
and lexical search, a Chroma server for the vectors) is a second implementation of the
same protocols, not a fork of the code that uses them.

The contract each implementation keeps, whatever it stores in:

- Visibility. A chunk is visible only while its document's catalog entry names the
  chunk's version (`Chunk.doc_hash` == `IndexedDocument.doc_hash`). A document becomes
  visible, or its new version replaces the old one, only in the one transaction that
  commits its catalog entry, and that commit comes after all its chunks and their vectors
  are stored. So readers see each document whole and in one version, never part of one.
- Orphans. Chunks and vectors no catalog entry names (a replaced version, a forgotten
  document, the work of a writer killed mid-way) are invisible and stay findable, so
  `IndexWriter.collect_orphans` can always delete them: a kill at any moment costs at
  most the work in flight.
- Readers are never blocked by the writer; there is one writer at a time
  (`IndexWriter.writing`).
- Every read answers with visible chunks only, except `VectorStore.query`, which may
  name chunks not visible (yet, or any more): readers look its ids up with
  `ChunkReader.by_id`, which drops those.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self

if TYPE_CHECKING:
    from localqa.schema import Chunk, IndexedDocument, Vectors
    from localqa.store.roots import PathMap


class DocumentCatalog(Protocol):
    """The documents of an index, each in its visible version."""

    def documents(self) -> list[IndexedDocument]:
        """Every document, ordered by `source`, then `abs_path`."""
        ...

    def document(self, abs_path: str) -> IndexedDocument | None:
        """The document read from `abs_path`; None when there is none."""
        ...

    def find(self, path: str) -> list[IndexedDocument]:
        """Documents matching a path as a person gives it: the one at that absolute path
        (or that path relative to the working folder), else every document listed under
        that name (copies of one folder ingested under two names share names), else every
        document whose path ends with it, whole names only (its file name alone, or
        "docx/handbook.docx")."""
        ...

    def missing(self) -> list[IndexedDocument]:
        """Documents whose file is no longer where it was ingested from."""
        ...

    def named_roots(self) -> dict[str, tuple[str, str]]:
        """The folders ingested, by name: name -> (the path each was first ingested from,
        the stored prefix of its documents' keys; the machine that named it, "" where not
        known): localqa/store/roots.py."""
        ...


class ChunkReader(Protocol):
    """Chunk text and provenance, visible chunks only."""

    def by_id(self, ids: Sequence[str]) -> dict[str, Chunk]:
        """The visible chunks among `ids`, by id; the others are left out."""
        ...

    def of_document(self, abs_path: str) -> list[Chunk]:
        """A document's visible chunks, in the order they were stored (reading order)."""
        ...

    def neighbours(self, chunk: Chunk) -> tuple[Chunk | None, Chunk | None]:
        """The visible chunks just before and just after `chunk` (or a run of joined
        chunks: packing.joined_chunks) on its page: the one starting last before it, the
        one reaching furthest after it (chunks overlap by a few tokens); None where there
        is none."""
        ...

    def count(self) -> int:
        """How many chunks are visible."""
        ...

    def openings(self, chars: int) -> dict[str, str]:
        """Each document's opening: the first `chars` characters of its first visible
        chunk, by absolute path (what its script is judged by: answering/scripts_held.py).
        One query, one row a document."""
        ...


class LexicalIndex(Protocol):
    """Keyword search (BM25) over each chunk's `embedding_text()`: title, section and text.
    Scores are higher-is-better and comparable within one result list only."""

    def search(self, question: str, limit: int) -> list[tuple[Chunk, float]]:
        """The best `limit` visible chunks for the question's content words, OR-ed, best
        first; [] when the question has none."""
        ...

    def search_documents(
        self, question: str, limit: int, documents: Sequence[str]
    ) -> list[tuple[Chunk, float]]:
        """`search` within some documents (absolute paths): ranked among their chunks
        alone, so a document whose chunks rank low overall still gets its best ones."""
        ...

    def word_rarity(self, words: Sequence[str]) -> dict[str, float] | None:
        """Each word's BM25 idf (>= 0) over every chunk, the word stemmed as the index
        stems it; None when the index cannot say (a word it reads as several)."""
        ...


class VectorStore(Protocol):
    """Dense vectors keyed by chunk id, each tagged with the absolute path of the document
    it was embedded for. The tag is only a record: a moved document keeps its vectors as
    they are (a move costs no vector store at all), so searches within documents go by
    their chunk ids (`query`'s `among`), which a move keeps."""

    def upsert(self, ids: Sequence[str], vectors: Vectors, abs_paths: Sequence[str]) -> None:
        """Store one vector (a row of `vectors`, float32, L2-normalised) per id."""
        ...

    def delete(self, ids: Sequence[str]) -> None:
        """Delete these ids' vectors; ids without one are ignored."""
        ...

    def query(
        self, vector: Vectors, limit: int, among: Sequence[str] | None = None
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the `limit` nearest vectors, best first; only
        among the chunk ids `among` when it is given (empty: none, []), ids without a
        vector ignored. Ids may name chunks not visible: resolve them with
        `ChunkReader.by_id`."""
        ...

    def count(self) -> int:
        """How many vectors are stored, orphans included."""
        ...


class IndexReader(Protocol):
    """An open index as retrieval and answering read it. A context manager: `with` closes
    it. Each part may be read while a writer writes (see the module's contract)."""

    @property
    def catalog(self) -> DocumentCatalog: ...

    @property
    def chunks(self) -> ChunkReader: ...

    @property
    def lexical(self) -> LexicalIndex: ...

    @property
    def vectors(self) -> VectorStore:
        """Opened on first use (a vector client can be slow to start)."""
        ...

    def embedder_precision(self) -> str:
        """How the vectors were made, "int8" or "fp32", so questions are embedded the same
        way; "fp32" where the build record does not say."""
        ...

    def paths(self) -> PathMap:
        """Stored document keys to this machine's paths and back: the named roots and
        where the `source_roots` setting mounts them here."""
        ...

    def close(self) -> None: ...

    def reading(self) -> AbstractContextManager[None]:
        """A block of reads (a search) that the store may serve on one connection: the
        shared index holds one PostgreSQL connection through it, so the block costs one
        round trip per statement; the embedded index needs nothing."""
        ...

    def data_version(self) -> int:
        """A stamp that changes whenever a commit from another connection (an ingest, a
        forget, in this process or another) changed the catalog since the last call; only
        one index's own stamps compare (`localqa serve` reopens on a change)."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class IndexWriter(IndexReader, Protocol):
    """An open index as ingest and `forget` write it. Every write happens inside
    `writing()`; the visibility and orphan rules of the module docstring are what make a
    kill at any moment harmless."""

    def writing(self) -> AbstractContextManager[None]:
        """Hold the index's one writer lock (raising IndexBusy when another process holds
        it) for the writes inside; readers go on reading meanwhile. When the block ends
        without an error, whatever the implementation derives from the writes (the
        embedded one's BM25 arrays) is brought up to date before the lock is let go."""
        ...

    def store(
        self,
        chunks: Sequence[Chunk],
        vectors: Vectors,
        complete: Sequence[IndexedDocument] = (),
    ) -> None:
        """Store `chunks` with their `vectors` (one row each), invisible; then make each
        document of `complete` visible in its own transaction, replacing its previous
        version, whose chunks become orphans and are collected. Chunk rows first, then
        their vectors, then the commit: a kill in between leaves orphans, never a visible
        chunk without its vector. A document's chunks may span several calls: pass its
        entry (`doc_hash` naming the chunks' version) with the last of them; `chunks` in
        the committed entry is counted by the store."""
        ...

    def move(
        self,
        old: IndexedDocument,
        new: IndexedDocument,
        embed: Callable[[list[str]], Vectors],
    ) -> int:
        """Re-point document `old` at `new`, the same content (`doc_hash`) at another
        path, without reading the file: its chunks, ids and vectors stay, their path and
        name change; the chunks whose header names the file differently (a renamed
        file) are embedded again from their stored text by `embed`. How many were."""
        ...

    def discard(self, abs_path: str) -> None:
        """Drop what was stored of a document that then failed (its orphans); its previous
        version, if any, stays visible."""
        ...

    def forget(self, document: IndexedDocument) -> None:
        """Remove the document from the catalog in one transaction (its chunks are
        invisible from then on), then collect its chunks as orphans."""
        ...

    def name_root(self, name: str, path: str) -> None:
        """Name the root this machine ingests from `path` (a stored path); kept as it is
        when the name or the path is named already."""
        ...

    def touch(self, abs_path: str, size: int, mtime_ns: int, ctime_ns: int = 0) -> None:
        """Record a new size, modification time and inode change time (ns; 0: unknown,
        so the next run hashes it) for a document whose content did not change (so the
        next run need not hash it again)."""
        ...

    def collect_orphans(self, abs_path: str | None = None) -> int:
        """Delete the orphans (of one document, or all): vectors first, then chunk rows, so
        a kill in between leaves rows the next call finds again. How many were deleted."""
        ...

    def upgrade_lexical(self) -> int:
        """Re-index the stored chunks lexically if the index was written in an older
        lexical format (no document is re-read, no chunk changes visibility); how many
        chunks were re-indexed, 0 when none needed it."""
        ...

    def note_embedder(self, name: str, precision: str) -> None:
        """Record which model and precision ("int8", "fp32") make the vectors, for
        `embedder_precision`."""
        ...

    def note_settings(self, fingerprint: str) -> None:
        """Record the settings that shaped every document's chunks and vectors, once a
        run has brought them all up to date."""
        ...

    def settings_fingerprint(self) -> str | None:
        """What `note_settings` last recorded; None where it never did."""
        ...

    def note_scan(self, started_ns: int) -> None:
        """Record when (wall clock, ns since the epoch) the files of a complete run were
        looked at: a file changed since then, or within a clock tick before, is hashed
        again by the next run even where its size and times look unchanged."""
        ...

    def last_scan_ns(self) -> int:
        """What `note_scan` last recorded; 0 where it never did."""
        ...
