"""Dense vectors in Chroma: embedded (PersistentClient) by default, a server when configured.

Chroma only holds vectors keyed by chunk id plus the document each was embedded for (a
record only: a moved document keeps its vectors untouched, base.VectorStore); the catalog
holds the chunks themselves. Embeddings are always passed in: Chroma's own embedding function
would download a model. Every Chroma error becomes one line (faults.vector_fault): a
`VectorStoreError`, or a `StorageError` for a full or read-only disk.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from localqa.store.faults import VectorStoreError, vector_fault

if TYPE_CHECKING:
    from localqa.schema import Vectors

COLLECTION = "chunks"
# The collection's metadata key naming the index (identity.py) it belongs to.
INDEX_KEY = "localqa_index"
PAGE = 1000  # ids per Chroma call
SERVER_ADVICE = "start the server (or check chroma_host and chroma_port), then run again"
STORE_ADVICE = (
    "`localqa doctor` says what is wrong; `localqa index repair` rebuilds the vectors from "
    "the stored chunk text"
)

__all__ = ["COLLECTION", "ChromaVectorStore", "VectorStoreError"]


def _float32(values: Any, rows: int) -> Vectors:
    """`values` as `rows` float32 rows. numpy is imported here, not with the module: a
    run that stores no vector (a moved folder) need not load it."""
    import numpy as np

    return np.asarray(values, dtype=np.float32).reshape(rows, -1)


def _chroma_settings() -> Any:
    os.environ["ANONYMIZED_TELEMETRY"] = "False"
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False)


def open_client(path: Path, host: str = "", port: int = 8000, read_only: bool = False) -> Any:
    """A Chroma client: of the server `host`:`port`, else of the folder `path` (created
    unless `read_only`, where a folder that is not there is a VectorStoreError)."""
    import chromadb

    where = f"Chroma server {host}:{port}" if host else f"Chroma store {path}"
    try:
        if host:
            return chromadb.HttpClient(host=host, port=port, settings=_chroma_settings())
        if read_only and not path.is_dir():
            raise VectorStoreError(f"{where} is not there")
        if not read_only:
            path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=_chroma_settings())
    except Exception as err:
        fault = vector_fault(err, where, SERVER_ADVICE if host else STORE_ADVICE)
        if read_only and not isinstance(fault, VectorStoreError):
            # chromadb writes its SQLite file on opening (1.5: even with migrations off),
            # so a read-only folder cannot be opened at all: a reader goes without it
            why = " ".join(str(err).split())[:200]
            fault = VectorStoreError(
                f"{where} cannot be opened read-only: chromadb writes on opening ({why})"
            )
        raise fault from err


class ChromaVectorStore:
    """`VectorStore` in a Chroma collection: embedded (a folder) or on a server (`host`),
    where one server holds the collections of several indexes, each named by its index's
    id (`collection`: identity.collection_name). `read_only`: a reader's, which never
    creates the collection; `index_id` labels a collection it creates."""

    def __init__(
        self,
        path: Path,
        host: str = "",
        port: int = 8000,
        collection: str = COLLECTION,
        read_only: bool = False,
        index_id: str = "",
    ) -> None:
        self.where = f"Chroma server {host}:{port}" if host else f"Chroma store {path}"
        self.name = collection
        self.client = open_client(path, host, port, read_only)
        with self._faults():
            if read_only:
                self._collection = self.client.get_collection(name=collection)
            else:
                metadata = {"hnsw:space": "cosine"} | ({INDEX_KEY: index_id} if index_id else {})
                self._collection = self.client.get_or_create_collection(
                    name=collection, metadata=metadata, embedding_function=None
                )

    @contextmanager
    def _faults(self) -> Iterator[None]:
        try:
            yield
        except Exception as err:
            advice = SERVER_ADVICE if self.where.startswith("Chroma server") else STORE_ADVICE
            raise vector_fault(err, f"{self.where} (collection {self.name})", advice) from err

    @property
    def label(self) -> str:
        """The index id the collection was made for ("" for one made before ids)."""
        with self._faults():
            metadata = self._collection.metadata or {}
        return str(metadata.get(INDEX_KEY, ""))

    def close(self) -> None:
        """Let go of the client: an embedded store's files and memory once no other
        client in this process has the same folder open (Chroma counts them). A client
        opened afterwards reads the folder afresh, with what other processes wrote."""
        self.client.close()

    def upsert(self, ids: Sequence[str], vectors: Vectors, abs_paths: Sequence[str]) -> None:
        if not ids:
            return
        with self._faults():
            self._collection.upsert(
                ids=list(ids),
                embeddings=_float32(vectors, len(ids)),
                metadatas=[{"doc": p} for p in abs_paths],
            )

    def delete(self, ids: Sequence[str]) -> None:
        with self._faults():
            for start in range(0, len(ids), PAGE):
                self._collection.delete(ids=list(ids[start : start + PAGE]))

    def count(self) -> int:
        with self._faults():
            return int(self._collection.count())

    def ids(self) -> set[str]:
        """Every id stored (paged: bounded memory per call)."""
        found: set[str] = set()
        with self._faults():
            total = int(self._collection.count())
            for offset in range(0, total, PAGE * 10):
                page = self._collection.get(include=[], limit=PAGE * 10, offset=offset)
                found.update(page["ids"])
        return found

    def documents_of(self) -> set[str]:
        """The absolute paths the stored vectors belong to (their `doc` tags)."""
        found: set[str] = set()
        with self._faults():
            total = int(self._collection.count())
            for offset in range(0, total, PAGE * 10):
                page = self._collection.get(include=["metadatas"], limit=PAGE * 10, offset=offset)
                found.update(str(m.get("doc", "")) for m in page["metadatas"] or () if m)
        return found - {""}

    def get(self, ids: Sequence[str]) -> tuple[list[str], Vectors, list[str]]:
        """(ids found, their vectors, their documents) among `ids`."""
        with self._faults():
            got = self._collection.get(ids=list(ids), include=["embeddings", "metadatas"])
        found = list(got["ids"])
        vectors = _float32(got["embeddings"], len(found))
        docs = [str((m or {}).get("doc", "")) for m in got["metadatas"] or ()]
        return found, vectors, docs

    def query(
        self, vector: Vectors, limit: int, among: Sequence[str] | None = None
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) pairs, best first; only among the chunk ids
        `among` when it is given (empty: []), those without a vector ignored."""
        # no count() first: it cost 9 of 13 ms at 100k chunks, and Chroma already answers
        # an empty collection, or a limit above its size, with what it has
        if limit <= 0 or (among is not None and not among):
            return []
        query = _float32(vector, 1)
        with self._faults():
            try:
                result = self._nearest(query, limit, among)
            except Exception:
                if among is None:
                    raise
                # Chroma refuses ids it does not hold ("Error finding id"): a chunk whose
                # vector was lost (`localqa index repair` restores it); ask again without
                held = self._collection.get(ids=list(among), include=[])["ids"]
                if not held:
                    return []
                result = self._nearest(query, limit, held)
        ids = result["ids"][0]
        distances = (result.get("distances") or [[]])[0]
        return [(i, 1.0 - float(d)) for i, d in zip(ids, distances, strict=True)]

    def _nearest(self, query: Any, limit: int, among: Sequence[str] | None) -> Any:
        return self._collection.query(
            query_embeddings=query,
            n_results=limit,
            include=["distances"],
            ids=list(among) if among is not None else None,
        )

    def vectors_of(self, ids: Sequence[str]) -> Vectors:
        """The stored vectors of `ids`, one float32 row each in their order (`localqa index
        copy`: vectors move, never re-embedded); KeyError for an id that has none."""
        found: dict[str, Any] = {}
        for start in range(0, len(ids), 1000):
            got = self._collection.get(ids=list(ids[start : start + 1000]), include=["embeddings"])
            found.update(zip(got["ids"], got["embeddings"], strict=True))
        return _float32([found[i] for i in ids], len(ids))
