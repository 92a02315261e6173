"""Dense vectors in Chroma: embedded (PersistentClient) by default, a server when configured.

Chroma only holds vectors keyed by chunk id plus the owning document; the catalog holds
the chunks themselves. Embeddings are always passed in: Chroma's own embedding function
would download a model.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from localqa.errors import LocalqaError

if TYPE_CHECKING:
    from localqa.schema import Vectors

COLLECTION = "chunks"


class VectorStoreError(LocalqaError):
    """Chroma could not be opened or reached."""


def _chroma_settings() -> Any:
    os.environ["ANONYMIZED_TELEMETRY"] = "False"
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False)


class ChromaVectorStore:
    """`VectorStore` in a Chroma collection: embedded (a folder) or on a server (`host`),
    where one server holds the collections of several indexes (`namespace`)."""

    def __init__(self, path: Path, host: str = "", port: int = 8000, namespace: str = "") -> None:
        import chromadb

        try:
            if host:
                client: Any = chromadb.HttpClient(host=host, port=port, settings=_chroma_settings())
            else:
                path.mkdir(parents=True, exist_ok=True)
                client = chromadb.PersistentClient(path=str(path), settings=_chroma_settings())
            self._client = client
            self._collection = client.get_or_create_collection(
                name=f"{namespace}-{COLLECTION}" if namespace else COLLECTION,
                metadata={"hnsw:space": "cosine"},
                embedding_function=None,
            )
        except Exception as err:
            where = f"Chroma server {host}:{port}" if host else f"Chroma store {path}"
            raise VectorStoreError(f"{where}: {err}") from err

    def close(self) -> None:
        """Let go of the client: an embedded store's files and memory once no other
        client in this process has the same folder open (Chroma counts them). A client
        opened afterwards reads the folder afresh, with what other processes wrote."""
        self._client.close()

    def upsert(self, ids: Sequence[str], vectors: Vectors, abs_paths: Sequence[str]) -> None:
        if not ids:
            return
        self._collection.upsert(
            ids=list(ids),
            embeddings=np.asarray(vectors, dtype=np.float32),
            metadatas=[{"doc": p} for p in abs_paths],
        )

    def retag(self, ids: Sequence[str], abs_path: str) -> None:
        """Tag these ids' vectors with another document (a moved file); vectors unchanged."""
        if not ids:
            return
        for start in range(0, len(ids), 1000):
            batch = list(ids[start : start + 1000])
            self._collection.update(ids=batch, metadatas=[{"doc": abs_path}] * len(batch))

    def delete(self, ids: Sequence[str]) -> None:
        for start in range(0, len(ids), 1000):
            self._collection.delete(ids=list(ids[start : start + 1000]))

    def count(self) -> int:
        return int(self._collection.count())

    def query(
        self, vector: Vectors, limit: int, documents: Sequence[str] = ()
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) pairs, best first; only chunks of `documents`
        (absolute paths) when any are given."""
        # no count() first: it cost 9 of 13 ms at 100k chunks, and Chroma already answers
        # an empty collection, or a limit above its size, with what it has
        if limit <= 0:
            return []
        result = self._collection.query(
            query_embeddings=np.asarray(vector, dtype=np.float32).reshape(1, -1),
            n_results=limit,
            include=["distances"],
            where={"doc": {"$in": list(documents)}} if documents else None,
        )
        ids = result["ids"][0]
        distances = (result.get("distances") or [[]])[0]
        return [(i, 1.0 - float(d)) for i, d in zip(ids, distances, strict=True)]
