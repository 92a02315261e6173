"""The server's engine: the index, the model and the answerers, used on one thread of
their own (the index's SQLite connections belong to the thread that opened them), and
the bounded queue of questions waiting for it.

An ingest beside the server is seen without a restart: before each use, the engine asks
the index whether another connection committed to its catalog since (`data_version`);
then it reopens the index (an embedded Chroma client keeps the vectors it loaded, SQLite
does not), keeping the model and the question embedder, and counts its documents again.

Async endpoints await the engine; they never touch the parts themselves.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncGenerator, Callable, Generator, Iterator, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from localqa.errors import LocalqaError
from localqa.threads import OwnThread

if TYPE_CHECKING:
    from localqa.answering.answerer import Answerer
    from localqa.answering.presentation import ShownEvent
    from localqa.answering.session import SessionEvent
    from localqa.builder import Builder, PartsInfo
    from localqa.embedding.embedder import Embedder
    from localqa.generation.base import LanguageModel
    from localqa.schema import ScoredChunk
    from localqa.store.base import IndexReader
    from localqa.store.roots import PathMap

T = TypeVar("T")


def one_line(err: BaseException) -> str:
    """An error as the one line an HTTP client is told."""
    return " ".join(str(err).split()) or type(err).__name__


class Busy(LocalqaError):
    """`max_queue` questions are waiting already: the client should retry later."""


@dataclass
class _Parts:
    index: IndexReader
    model: LanguageModel | None
    answerers: dict[int, Answerer]  # by top_k
    info: PartsInfo  # as last counted
    version: int  # the index's data_version when it was (re)opened
    paths: PathMap  # stored document keys to this machine's paths (read with the index)
    # the question embedders by the precision of the index's vectors, kept when it reopens
    embedders: dict[str, Embedder] = field(default_factory=dict)


class Engine:
    """Answers questions from `builder`'s index and model (`use_model` False, or no GGUF:
    extractive). `load` opens them; at most `max_queue` questions wait beyond the one
    being answered (more: `Busy`)."""

    def __init__(self, builder: Builder, max_queue: int, use_model: bool = True) -> None:
        self._builder = builder
        self._use_model = use_model
        self._max_queue = max_queue
        self._admitted = 0  # questions answered or waiting; read and written on the loop
        self._thread = OwnThread()
        self._parts: _Parts | None = None

    async def load(self) -> None:
        """Open the index and load the model, on the engine's thread. Raises IndexMissing,
        ModelError."""
        await self._run(self._load)

    def _load(self) -> None:
        index = self._builder.existing_index()
        model = self._builder.load_model(report=None) if self._use_model else None
        info = self._builder.describe(index, model)
        self._parts = _Parts(index, model, {}, info, index.data_version(), index.paths())

    def _fresh(self) -> _Parts:
        """The parts, the index reopened first when another connection (an ingest, a
        forget) committed to it since it was opened. On the engine's thread. Raises
        IndexMissing (the index was deleted)."""
        parts = self.parts
        if parts.index.data_version() == parts.version:
            return parts
        parts.index.close()  # first: a Chroma client opened beside it would share its state
        index = self._builder.existing_index()
        fresh = _Parts(
            index,
            parts.model,
            {},
            self._builder.describe(index, parts.model),
            index.data_version(),
            index.paths(),
            parts.embedders,
        )
        self._parts = fresh
        return fresh

    def close(self) -> None:
        def last() -> None:
            if self._parts is not None:
                self._parts.index.close()

        self._thread.close(last)

    async def _run(self, fn: Callable[[], Any]) -> Any:
        return await asyncio.wrap_future(self._thread.submit(fn))

    @property
    def parts(self) -> _Parts:
        assert self._parts is not None, "Engine.load first"
        return self._parts

    def localized(self, data: Any) -> Any:
        """JSON-ready `data` with each "abs_path" this machine's (roots.localized)."""
        from localqa.store.roots import localized

        return localized(data, self.parts.paths)

    @property
    def quotes_only(self) -> bool:
        """A model answer that does not stand alone is replaced by its quotes
        (`Answerer.quotes_only`: setting `unsupported_answer`, with a model)."""
        return self.parts.model is not None and self._builder.settings.answering.quotes_only

    async def describe(self) -> dict[str, Any]:
        """/healthz, without waiting for an answer being written: the index's name, its
        documents and chunks (counted again when no question is in hand and the index
        changed; else as last counted), the model (None: extractive), and the questions
        being answered or waiting."""
        if self._admitted == 0:
            await self._run(self._fresh)
        info = self.parts.info
        return {
            "status": "ok",
            "index": info.index_name,
            "documents": info.documents,
            "chunks": info.chunks,
            "model": info.model_name,
            "questions": self._admitted,
        }

    async def sources(self) -> list[dict[str, Any]]:
        """The documents as `localqa sources --json` lists them."""

        def listing() -> list[dict[str, Any]]:
            from localqa.store.roots import listed

            parts = self._fresh()
            return [listed(d, parts.paths) for d in parts.index.catalog.documents()]

        result: list[dict[str, Any]] = await self._run(listing)
        return result

    async def documents(self, names: Sequence[str]) -> list[str]:
        """The paths of the documents `names` mean (as `sources` lists them, or paths).
        Raises SourceNotFound naming the first unknown one."""
        from localqa.store.index import SourceNotFound

        if not names:
            return []

        def find() -> list[str]:
            from localqa.store.roots import find_documents

            paths: list[str] = []
            for name in names:
                parts = self._fresh()
                found = find_documents(parts.index.catalog, parts.paths, name)
                if not found:
                    raise SourceNotFound(f"source {name!r} is not in the index; see /v1/sources")
                paths += [d.abs_path for d in found]
            return paths

        result: list[str] = await self._run(find)
        return result

    async def search(
        self, question: str, top_k: int, documents: Sequence[str]
    ) -> list[ScoredChunk]:
        """The `top_k` passages hybrid retrieval ranks first for `question` (the ranking an
        answer's sources are packed from), only from `documents` (absolute paths) when
        given. Raises what `Retriever.search` raises."""

        def found() -> list[ScoredChunk]:
            retriever = self._answerer(None).retriever
            return retriever.search(question, documents).results[:top_k]

        result: list[ScoredChunk] = await self._run(found)
        return result

    async def question_cut(self, question: str, top_k: int | None = None) -> bool:
        """Whether `question` is longer than the question encoder's window, so only its
        first part was embedded (`Answerer.question_cut`; `ask --json`'s `question_cut`)."""
        cut: bool = await self._run(lambda: self._answerer(top_k).question_cut(question))
        return cut

    def admit(self) -> None:
        """Take a place in the queue (give it back with `release`); raises Busy when the
        queue is full."""
        if self._admitted > self._max_queue:
            raise Busy(f"{self._max_queue} questions are waiting already; retry shortly")
        self._admitted += 1

    def release(self) -> None:
        self._admitted -= 1

    def _answerer(self, top_k: int | None) -> Answerer:
        """The answerer for `top_k` sources over the index as it is now."""
        from localqa.builder import Builder

        parts = self._fresh()
        k = top_k or self._builder.settings.top_k
        if k not in parts.answerers:
            settings = self._builder.settings.model_copy(update={"top_k": k})
            builder = Builder(settings, self._builder.config_file)
            precision = parts.index.embedder_precision()
            if precision not in parts.embedders:
                parts.embedders[precision] = builder.query_embedder(parts.index)
            embedder = parts.embedders[precision]
            parts.answerers[k] = builder.answerer(parts.index, parts.model, embedder)
        return parts.answerers[k]

    async def stream(
        self, question: str, top_k: int | None, documents: Sequence[str]
    ) -> AsyncGenerator[ShownEvent]:
        """`shown_stream` of the question, run on the engine's thread: tokens, then one
        `Shown`. Closing the iterator early (a client gone) stops generation at the next
        token. Raises what `Answerer.stream` raises."""
        from localqa.answering.presentation import shown_stream

        def start(stop: threading.Event) -> Iterator[ShownEvent]:
            return shown_stream(self._answerer(top_k), question, stop=stop, documents=documents)

        async with aclosing(self._relay(start)) as events:
            async for event in events:
                yield event

    async def converse(
        self,
        exchanges: Sequence[tuple[str, str]],
        question: str,
        top_k: int | None = None,
        documents: Sequence[str] = (),
    ) -> AsyncGenerator[SessionEvent]:
        """`ChatSession.ask` of `question` after the conversation `exchanges` ((question,
        answer) pairs, oldest first; nothing saved), on the engine's thread: `Searched`,
        tokens, then one `Answered`. Closing it early stops generation at the next token.
        Raises what `ChatSession.ask` raises."""
        from localqa.answering.session import ChatSession

        def start(stop: threading.Event) -> Iterator[SessionEvent]:
            session = ChatSession(None, self.parts.info.index_name, self._answerer(top_k))
            session.follow(exchanges)
            return session.ask(question, stop, documents)

        async with aclosing(self._relay(start)) as events:
            async for event in events:
                yield event

    async def _relay(self, start: Callable[[threading.Event], Iterator[T]]) -> AsyncGenerator[T]:
        """The events of `start(stop)`, iterated on the engine's thread and handed to the
        loop. Closing this early sets `stop` and closes the iterator at its next event."""
        loop = asyncio.get_running_loop()
        events: asyncio.Queue[tuple[bool, Any]] = asyncio.Queue()
        stop = threading.Event()

        def hand(item: tuple[bool, Any]) -> None:
            try:
                loop.call_soon_threadsafe(events.put_nowait, item)
            except RuntimeError:  # the loop is closed: nobody is waiting any more
                stop.set()

        def pump() -> None:
            source: Iterator[T] | None = None
            try:
                source = start(stop)
                for event in source:
                    hand((True, event))
                    if stop.is_set():
                        break
                hand((False, None))
            except BaseException as err:  # noqa: BLE001 - raised on the loop, in the endpoint
                hand((False, err))
            finally:
                if isinstance(source, Generator):
                    source.close()  # at once: generation ends now, not when collected

        self._thread.submit(pump)
        try:
            while True:
                more, value = await events.get()
                if not more:
                    if isinstance(value, BaseException):
                        raise value
                    return
                yield value
        finally:
            stop.set()
