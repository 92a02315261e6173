"""The server's index as it is now: the index open, its counts, the question embedder.

An ingest beside the server is seen without a restart: before each question, the engine
asks `LiveIndex.fresh`, which asks the index whether another connection committed to its
catalog since (`data_version`); then it reopens the index (an embedded Chroma client keeps
the vectors it loaded, SQLite does not), keeping the model and the question embedder, and
counts its documents again. Every method runs on the index's own thread (engine.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from localqa.answering.answerer import Answerer
    from localqa.builder import Builder, PartsInfo
    from localqa.embedding.embedder import Embedder
    from localqa.generation.base import LanguageModel
    from localqa.server.tuning import Tuning
    from localqa.store.base import IndexReader
    from localqa.store.roots import PathMap


@dataclass
class Parts:
    index: IndexReader  # used on the index's thread only
    info: PartsInfo  # as last counted
    version: int  # the index's data_version when it was (re)opened
    embedder: Embedder  # the question embedder, at the precision of the index's vectors
    paths: PathMap  # stored document keys to this machine's paths (read with the index)
    answerers: dict[tuple[int, Tuning], Answerer] = field(default_factory=dict)


class LiveIndex:
    """`builder`'s index, described with the model the server answers with."""

    def __init__(self, builder: Builder) -> None:
        self._builder = builder
        self._model: LanguageModel | None = None
        self._parts: Parts | None = None
        self._embedders: dict[str, Embedder] = {}  # by precision

    def start(self, index: IndexReader, model: LanguageModel | None) -> None:
        """Take `index` (opened by `builder`) and the `model` (None: extractive)."""
        self._model = model
        self._parts = self._made(index)

    @property
    def parts(self) -> Parts:
        assert self._parts is not None, "Engine.load first"
        return self._parts

    def fresh(self) -> Parts:
        """The parts, the index reopened first when another connection (an ingest, a
        forget) committed to it since it was opened. Raises IndexMissing (the index was
        deleted)."""
        parts = self.parts
        if parts.index.data_version() == parts.version:
            return parts
        parts.index.close()  # first: a Chroma client opened beside it would share its state
        self._parts = self._made(self._builder.existing_index())
        return self._parts

    def close(self) -> None:
        if self._parts is not None:
            self._parts.index.close()

    def _made(self, index: IndexReader) -> Parts:
        info = self._builder.describe(index, self._model)
        return Parts(index, info, index.data_version(), self._embedder(index), index.paths())

    def _embedder(self, index: IndexReader) -> Embedder:
        """The question embedder for the precision of `index`'s vectors, kept when the
        index reopens; made and warmed on this thread (its sessions are made on first
        use), then shared by the answering threads."""
        precision = index.embedder_precision()
        if precision not in self._embedders:
            embedder = self._builder.query_embedder(index)
            embedder.embed(["warm up"])
            embedder.count_tokens("warm up")
            self._embedders[precision] = embedder
        return self._embedders[precision]
