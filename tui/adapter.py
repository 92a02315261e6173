"""The adapter between the chat and localqa's core: what the UI needs (`ChatCore`), and
the real implementation, a `ChatSession` (localqa/answering/session.py) over the parts
`localqa.builder.Builder` makes.

The UI calls the core from Textual thread workers, one new thread per worker. The index's
and the saved conversations' SQLite connections may only be used by the thread that
opened them, so `SessionCore` runs everything (opening them, loading the model, answering,
saving) on one thread of its own and hands streamed events back through a queue.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

from localqa.threads import OwnThread

if TYPE_CHECKING:
    from localqa.answering.answerer import Answerer
    from localqa.answering.conversations import Conversation, ConversationStore, SavedTurn
    from localqa.answering.session import SessionEvent
    from localqa.builder import Builder, PartsInfo
    from localqa.store.base import IndexReader

T = TypeVar("T")


class ChatCore(Protocol):
    """The chat's core. Made at once (the saved conversations opened); `load` then loads
    the index and the model, slowly. Each call runs on the core's thread and waits for it,
    except `new_conversation`, which returns at once."""

    def load(self) -> PartsInfo: ...

    def ask(self, question: str, stop: threading.Event) -> Generator[SessionEvent]: ...

    def new_conversation(self) -> None: ...

    def open_conversation(self, conversation_id: int) -> tuple[SavedTurn, ...]: ...

    def resume(self) -> tuple[SavedTurn, ...] | None: ...

    def conversations(self) -> list[Conversation]: ...

    def close(self) -> None: ...


CoreFactory = Callable[[], ChatCore]


@dataclass(frozen=True)
class CoreParts:
    """What the chat answers with: the answerer `ask` would use, and what it is."""

    answerer: Answerer
    index: IndexReader
    info: PartsInfo


class SessionCore:
    """ChatCore over a real ChatSession. `open_store` and `build` run on the core's own
    thread: the first at once, the second in `load`."""

    def __init__(
        self,
        open_store: Callable[[], ConversationStore],
        build: Callable[[], CoreParts],
        index_name: str,
    ) -> None:
        from localqa.answering.session import ChatSession

        self._build = build
        self._parts: CoreParts | None = None
        self._thread = OwnThread()
        try:
            self._session = self._thread.call(lambda: ChatSession(open_store(), index_name))
        except BaseException:
            self._thread.close()
            raise

    def load(self) -> PartsInfo:
        def attach() -> PartsInfo:
            self._parts = self._build()  # here, so that `close` finds them to release
            self._session.answerer = self._parts.answerer
            return self._parts.info

        return self._thread.call(attach)

    def ask(self, question: str, stop: threading.Event) -> Generator[SessionEvent]:
        session = self._session
        return self._thread.iterate(lambda: session.ask(question, stop))

    def new_conversation(self) -> None:
        self._session.new()  # safe from this thread: the session says so

    def open_conversation(self, conversation_id: int) -> tuple[SavedTurn, ...]:
        return self._thread.call(lambda: self._session.open(conversation_id))

    def resume(self) -> tuple[SavedTurn, ...] | None:
        return self._thread.call(self._session.resume)

    def conversations(self) -> list[Conversation]:
        return self._thread.call(self._session.recent)

    def close(self) -> None:
        """Release the index, the model and the saved conversations once the core is idle.
        Returns at once: a retrieval in flight can take seconds, and quitting should not
        wait for it."""

        def release() -> None:
            if self._session.store is not None:
                self._session.store.close()
            if self._parts is None:
                return
            self._parts.index.close()
            if self._parts.answerer.model is not None:
                self._parts.answerer.model.close()

        self._thread.close(last=release)


def core_factory(
    builder: Builder,
    use_model: bool,
    open_store: Callable[[], ConversationStore] | None = None,
) -> CoreFactory:
    """The real core for `localqa chat`: the saved conversations (`open_store`, default
    the builder's), the existing index, the model, and the same parts `ask` gets from the
    builder."""

    def build() -> CoreParts:
        index = builder.existing_index()
        try:
            # no stderr report: it would scribble over the screen; the status bar and
            # notifications show the same facts
            model = builder.load_model_beside(index, report=None) if use_model else None
            return CoreParts(builder.answerer(index, model), index, builder.describe(index, model))
        except BaseException:
            index.close()
            raise

    store = open_store or builder.conversation_store
    return lambda: SessionCore(store, build, builder.settings.index)
