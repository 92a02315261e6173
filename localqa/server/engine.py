"""The server's engine: the index, the model and the answerers, and the bounded number
of questions in hand.

Threads: every question in hand is answered at once on a thread of its own (a pool of
`capacity` threads: retrieval, extraction and the checks run side by side); the model
writes at most `slots` answers at once (model slots: slots.py; 1 for a GGUF in this
process, `llm_parallel` for a model server) and a question that needs it waits there,
so an answer that needs no model never waits behind one being written. Every call on
the index runs on the index's own thread (confined.py). Beyond `capacity` (`slots` +
`max_queue`) a question is refused with `Busy` (503 with Retry-After).

An ingest beside the server is seen without a restart: before each question, the engine
reopens the index when another connection committed to it since (live_index.py).

Async endpoints await the engine; they never touch the parts themselves.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import AsyncGenerator, Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import aclosing
from typing import TYPE_CHECKING, Any, TypeVar, cast

from localqa.errors import LocalqaError
from localqa.server.confined import Confined, found, listed
from localqa.server.live_index import LiveIndex, Parts
from localqa.server.relay import relay
from localqa.server.slots import SlottedModel
from localqa.server.tuning import Tuning, tuned
from localqa.threads import OwnThread

if TYPE_CHECKING:
    from localqa.answering.answerer import Answerer
    from localqa.answering.presentation import ShownEvent
    from localqa.answering.session import SessionEvent
    from localqa.builder import Builder
    from localqa.generation.base import LanguageModel
    from localqa.schema import ScoredChunk

T = TypeVar("T")
SERVERS = Tuning()  # the server's own generation settings
MAX_ANSWERERS = 32  # kept per (top_k, tuning); more kinds asked for: made afresh


def one_line(err: BaseException) -> str:
    """An error as the one line an HTTP client is told."""
    return " ".join(str(err).split()) or type(err).__name__


class Busy(LocalqaError):
    """`max_queue` questions are waiting already: the client should retry later."""


class Engine:
    """Answers questions from `builder`'s index and model (`use_model` False, or no GGUF:
    extractive). `load` opens them; at most `max_queue` questions wait beyond those the
    model writes at once (extractive: beyond one a CPU); more: `Busy`."""

    def __init__(self, builder: Builder, max_queue: int, use_model: bool = True) -> None:
        self._builder = builder
        self._use_model = use_model
        self._max_queue = max_queue
        self._admitted = 0  # questions answered or waiting; read and written on the loop
        self._thread = OwnThread()  # the index's
        self._pool: ThreadPoolExecutor | None = None
        self._live = LiveIndex(builder)  # on the index's thread
        self._model: LanguageModel | None = None  # behind its slots (`_slotted`)
        self._slotted: SlottedModel | None = None
        self.slots = 1
        self._index = Confined.index(lambda: self.parts.index, self._thread)
        self._making = threading.Lock()
        self.answering = 0  # questions being worked on now, on answering threads
        self.most_answering = 0  # the most at once since the server started

    @property
    def capacity(self) -> int:
        """Questions held at once: the model's slots (extractive: the CPUs) and max_queue."""
        return self.slots + self._max_queue

    @property
    def loaded(self) -> bool:
        """Whether `load` has opened the index and loaded the model."""
        return self._pool is not None

    async def load(self) -> None:
        """Open the index and load the model. Raises IndexMissing, ModelError (and
        ModelServerError for `llm_url`)."""
        await self._run(self._load)
        self._pool = ThreadPoolExecutor(self.capacity, thread_name_prefix="localqa-answer")

    def _load(self) -> None:
        settings = self._builder.settings
        index = self._builder.existing_index()  # a missing index said before a model loads
        model = self._builder.load_model(report=None) if self._use_model else None
        if model is None:
            self.slots = os.cpu_count() or 1
        else:
            self.slots = settings.llm_parallel if settings.llm_url else 1
            self._slotted = SlottedModel(model, self.slots)
            model = cast("LanguageModel", self._slotted)
        self._model = model
        self._live.start(index, model)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._thread.close(self._live.close)

    async def _run(self, fn: Callable[[], T]) -> T:
        """`fn()` on the index's thread."""
        return await asyncio.wrap_future(self._thread.submit(fn))

    async def _answering(self, fn: Callable[[], T]) -> T:
        """`fn()` on an answering thread."""
        return await asyncio.get_running_loop().run_in_executor(self._answering_pool, fn)

    @property
    def _answering_pool(self) -> ThreadPoolExecutor:
        assert self._pool is not None, "Engine.load first"
        return self._pool

    @property
    def parts(self) -> Parts:
        return self._live.parts

    def localized(self, data: Any) -> Any:
        """JSON-ready `data` with each "abs_path" this machine's (roots.localized)."""
        from localqa.store.roots import localized

        return localized(data, self.parts.paths)

    @property
    def quotes_only(self) -> bool:
        """A model answer that does not stand alone is replaced by its quotes
        (`Answerer.quotes_only`: setting `unsupported_answer`, with a model)."""
        return self._model is not None and self._builder.settings.answering.quotes_only

    async def describe(self) -> dict[str, Any]:
        """/healthz, without waiting for an answer being written: each part's state
        (health.py: `status` "ok" or "degraded", `degraded`, `parts`), the index's name, its
        documents and chunks (counted again when no question is in hand and the index
        changed; else as last counted), the model (None: extractive), the questions in
        hand, those being worked on now (`answering`) and the most at once since the
        start; with a model, its slots, the answers it is writing and the questions
        waiting for it."""
        from localqa.server.health import described, part_states

        def read() -> Any:  # the index reopened (if it changed) only when no question is in hand
            return self._live.fresh() if self._admitted == 0 else self.parts.index.data_version()

        states = await part_states(self._builder, lambda: self._run(read), self._model is not None)
        info = self.parts.info
        model = {} if self._model is None else {"model_slots": self.slots}
        if self._slotted is not None:
            model |= {"writing": self._slotted.writing, "waiting": self._slotted.waiting}
        return {
            **described(states),
            "index": info.index_name,
            "documents": info.documents,
            "chunks": info.chunks,
            "model": info.model_name,
            "questions": self._admitted,
            "answering": self.answering,
            "most_answering": self.most_answering,
            **model,
        }

    def _counted(self, events: Iterator[T]) -> Iterator[T]:
        """`events`, counted among the questions being worked on while they last."""
        with self._making:
            self.answering += 1
            self.most_answering = max(self.most_answering, self.answering)
        try:
            yield from events
        finally:
            with self._making:
                self.answering -= 1

    async def sources(self) -> list[dict[str, Any]]:
        """The documents as `localqa sources --json` lists them."""

        def listing() -> list[dict[str, Any]]:
            parts = self._live.fresh()
            return listed(parts.index, parts.paths)

        return await self._run(listing)

    async def documents(self, names: Sequence[str]) -> list[str]:
        """The paths of the documents `names` mean (as `sources` lists them, or paths).
        Raises SourceNotFound naming the first unknown one."""
        if not names:
            return []

        def find() -> list[str]:
            parts = self._live.fresh()
            return found(parts.index, parts.paths, names)

        return await self._run(find)

    async def search(
        self, question: str, top_k: int, documents: Sequence[str]
    ) -> list[ScoredChunk]:
        """The `top_k` passages hybrid retrieval ranks first for `question` (the ranking an
        answer's sources are packed from), only from `documents` (absolute paths) when
        given. Raises what `Retriever.search` raises."""

        def found() -> list[ScoredChunk]:
            retriever = self._answerer(None).retriever
            return retriever.search(question, documents).results[:top_k]

        return await self._answering(found)

    async def question_cut(self, question: str, top_k: int | None = None) -> bool:
        """Whether `question` is longer than the question encoder's window, so only its
        first part was embedded (`Answerer.question_cut`; `ask --json`'s `question_cut`)."""
        return await self._answering(lambda: self._answerer(top_k).question_cut(question))

    def admit(self) -> None:
        """Take a place among the questions in hand (give it back with `release`); raises
        Busy when `capacity` are in hand."""
        if self._admitted >= self.capacity:
            raise Busy(f"{self._max_queue} questions are waiting already; retry shortly")
        self._admitted += 1

    def release(self) -> None:
        self._admitted -= 1

    def _answerer(self, top_k: int | None, tuning: Tuning = SERVERS) -> Answerer:
        """The answerer for `top_k` sources and `tuning` over the index as it is now."""
        from localqa.builder import Builder

        parts = self._thread.call(self._live.fresh)
        key = (top_k or self._builder.settings.top_k, tuning)
        with self._making:
            if key in parts.answerers:
                return parts.answerers[key]
            settings = tuned(self._builder.settings, key[0], tuning, self._model)
            builder = Builder(settings, self._builder.config_file)
            answerer = builder.answerer(self._index, self._model, parts.embedder)
            if len(parts.answerers) >= MAX_ANSWERERS:
                parts.answerers.clear()
            parts.answerers[key] = answerer
            return answerer

    async def stream(
        self, question: str, top_k: int | None, documents: Sequence[str], tuning: Tuning = SERVERS
    ) -> AsyncGenerator[ShownEvent]:
        """`shown_stream` of the question, run on an answering thread: tokens, then one
        `Shown`. Closing the iterator early (a client gone) stops generation at the next
        token. Raises what `Answerer.stream` raises."""
        from localqa.answering.presentation import shown_stream

        def start(stop: threading.Event) -> Iterator[ShownEvent]:
            answerer = self._answerer(top_k, tuning)
            return self._counted(shown_stream(answerer, question, stop=stop, documents=documents))

        async with aclosing(relay(start, self._answering_pool)) as events:
            async for event in events:
                yield event

    async def converse(
        self,
        exchanges: Sequence[tuple[str, str]],
        question: str,
        top_k: int | None = None,
        documents: Sequence[str] = (),
        tuning: Tuning = SERVERS,
    ) -> AsyncGenerator[SessionEvent]:
        """`ChatSession.ask` of `question` after the conversation `exchanges` ((question,
        answer) pairs, oldest first; nothing saved), on an answering thread: `Searched`,
        tokens, then one `Answered`. Closing it early stops generation at the next token.
        Raises what `ChatSession.ask` raises."""
        from localqa.answering.session import ChatSession

        def start(stop: threading.Event) -> Iterator[SessionEvent]:
            answerer = self._answerer(top_k, tuning)
            session = ChatSession(None, self.parts.info.index_name, answerer)
            session.follow(exchanges)
            return self._counted(session.ask(question, stop, documents))

        async with aclosing(relay(start, self._answering_pool)) as events:
            async for event in events:
                yield event
