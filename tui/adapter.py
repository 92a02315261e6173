"""The adapter between the chat and localqa's core: what the UI needs (`ChatCore`), and
the real implementation over the `Answerer` that `localqa.builder.Builder` makes.

The UI calls the core from Textual thread workers, one new thread per worker. The index's
SQLite connection may only be used by the thread that opened it, so `AnswererCore` runs
everything (opening the index, loading the model, answering) on one thread of its own and
hands streamed pieces back through a queue.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from localqa.answering.answerer import Answerer, AnswerEvent
    from localqa.builder import Builder
    from localqa.generation.base import LanguageModel
    from localqa.schema import Turn
    from localqa.store.index import Index

T = TypeVar("T")


@dataclass(frozen=True)
class CoreInfo:
    """What the status bar shows about the loaded parts."""

    index_name: str
    documents: int
    chunks: int
    model_name: str | None = None  # None: extractive mode
    gpu_layers: int | None = None
    n_layers: int | None = None
    warnings: tuple[str, ...] = ()
    layout: str | None = None  # the prompt layout the model gets
    # unsupported_answer = "quotes-only": an unsupported model answer is replaced by the
    # sources' quotes, and model text is not streamed (it may be replaced)
    quotes_only: bool = False


class ChatCore(Protocol):
    @property
    def info(self) -> CoreInfo: ...

    def standalone_question(
        self, question: str, history: Sequence[Turn], previous: str, stop: threading.Event
    ) -> str: ...

    def stream(
        self, question: str, history: Sequence[Turn], stop: threading.Event
    ) -> Generator[AnswerEvent]: ...

    def close(self) -> None: ...


CoreFactory = Callable[[], ChatCore]


class OwnThread:
    """Runs calls, and whole iterations, on one long-lived thread."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="localqa-core")

    def call(self, fn: Callable[[], T]) -> T:
        return self._pool.submit(fn).result()

    def iterate(self, make: Callable[[], Iterator[T]]) -> Generator[T]:
        """Iterate `make()` on the thread, handing the items over. Closing the returned
        generator early closes `make()`'s at its next item (generation stops there)."""
        items: queue.Queue[tuple[bool, T | BaseException | None]] = queue.Queue()
        abandoned = threading.Event()

        def pump() -> None:
            source: Iterator[T] | None = None
            try:
                source = make()
                for item in source:
                    if abandoned.is_set():
                        return
                    items.put((True, item))
                items.put((False, None))
            except BaseException as err:  # noqa: BLE001 - handed to the consumer, raised there
                items.put((False, err))
            finally:
                if isinstance(source, Generator):
                    source.close()  # at once, not whenever it is garbage-collected

        self._pool.submit(pump)
        try:
            while True:
                more, value = items.get()
                if not more:
                    if isinstance(value, BaseException):
                        raise value
                    return
                yield value  # type: ignore[misc]  # `more` says it is a T
        finally:
            abandoned.set()

    def close(self, last: Callable[[], None] | None = None) -> None:
        """Stop taking work; run `last` after the step in progress, without waiting for it.
        The interpreter still joins the thread at exit, so `last` does run."""
        if last is not None:
            self._pool.submit(last)
        self._pool.shutdown(wait=False)


@dataclass(frozen=True)
class CoreParts:
    answerer: Answerer
    index: Index
    info: CoreInfo

    @classmethod
    def assemble(cls, builder: Builder, index: Index, model: LanguageModel | None) -> CoreParts:
        """The answerer `ask` would use, over `index`, with `model` (None: extractive)."""
        from localqa.generation.layouts import choose_layout
        from localqa.generation.prompt import SYSTEM_PROMPT

        layout = (
            choose_layout(model, SYSTEM_PROMPT, builder.settings.prompt_format)[1].name
            if model
            else None
        )
        info = CoreInfo(
            index_name=builder.settings.index,
            documents=len(index.catalog.documents()),
            chunks=index.chunks.count(),
            model_name=model.name if model else None,
            gpu_layers=model.gpu_layers if model else None,
            n_layers=model.n_layers if model else None,
            warnings=tuple(model.warnings) if model else (),
            layout=layout,
            quotes_only=model is not None and builder.settings.unsupported_answer == "quotes-only",
        )
        return cls(builder.answerer(index, model), index, info)


class AnswererCore:
    """ChatCore over the real Answerer. `build` runs on the core's own thread."""

    def __init__(self, build: Callable[[], CoreParts]) -> None:
        self._thread = OwnThread()
        try:
            self._parts = self._thread.call(build)
        except BaseException:
            self._thread.close()
            raise

    @property
    def info(self) -> CoreInfo:
        return self._parts.info

    def standalone_question(
        self, question: str, history: Sequence[Turn], previous: str, stop: threading.Event
    ) -> str:
        from localqa.answering.followup import standalone_question

        model = self._parts.answerer.model
        return self._thread.call(
            lambda: standalone_question(question, history, previous, model, stop)
        )

    def stream(
        self, question: str, history: Sequence[Turn], stop: threading.Event
    ) -> Generator[AnswerEvent]:
        answerer = self._parts.answerer
        return self._thread.iterate(lambda: answerer.stream(question, history, stop))

    def close(self) -> None:
        """Release the index and the model once the core is idle. Returns at once: a
        retrieval in flight can take seconds, and quitting should not wait for it."""

        def release() -> None:
            self._parts.index.close()
            if self._parts.answerer.model is not None:
                self._parts.answerer.model.close()

        self._thread.close(last=release)


def core_factory(builder: Builder, use_model: bool) -> CoreFactory:
    """The real core for `localqa chat`: the existing index, the model, and the same
    parts `ask` gets from the builder."""

    def build() -> CoreParts:
        index = builder.existing_index()
        try:
            # no stderr report: it would scribble over the screen; the status bar and
            # notifications show the same facts
            model = builder.load_model_beside(index, report=None) if use_model else None
            return CoreParts.assemble(builder, index, model)
        except BaseException:
            index.close()
            raise

    return lambda: AnswererCore(build)
