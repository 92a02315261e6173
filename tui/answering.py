"""The chat's state and the core's work: the core loaded and each answer written in
Textual thread workers, their text handed back with `call_from_thread` (as in Textual's
`examples/mother.py`), and the answer shown with its sources once it is whole. The
layout, the keys and the saved conversations are `ChatApp`'s (app.py)."""

from __future__ import annotations

import threading
from contextlib import closing
from typing import TYPE_CHECKING

from textual import work
from textual.app import App
from textual.content import Content
from textual.widgets import Static
from textual.worker import get_current_worker

from localqa.answering.session import Answered, Searched
from localqa.tui import present
from localqa.tui.conversation import ConversationView, Exchange
from localqa.tui.widgets import AnswerView, PassageView, QuestionInput, SourcesTable, StatusBar

if TYPE_CHECKING:
    from localqa.builder import PartsInfo
    from localqa.tui.adapter import ChatCore, CoreFactory


class AnsweringApp(App[None]):
    """What the chat holds (the core, the loaded parts, the answer being written) and
    the core's work on threads. `core_factory` makes the core; `resume`: reopen the
    latest saved conversation."""

    def __init__(self, core_factory: CoreFactory, resume: bool = False) -> None:
        super().__init__()
        self.core_factory = core_factory
        self.resume = resume
        self.core: ChatCore | None = None  # the conversations at once; answers once loaded
        self.info: PartsInfo | None = None  # the loaded parts: set once the core can answer
        self.core_error: str | None = None
        self.selected: AnswerView | None = None
        self._stop: threading.Event | None = None  # set while an answer is being written
        self._last_context = ("", "")

    @property
    def conversation(self) -> ConversationView:
        return self.query_one(ConversationView)

    @property
    def exchanges(self) -> list[Exchange]:
        return self.conversation.exchanges

    def on_unmount(self) -> None:
        if self._stop is not None:
            self._stop.set()  # let a running generation end so its thread can finish
        if self.core is not None:
            self.core.close()

    # --- the core, in thread workers ------------------------------------------------

    @work(thread=True, exclusive=True, group="core", exit_on_error=False)
    def load_core(self, core: ChatCore) -> None:
        try:
            info = core.load()
        except Exception as err:  # noqa: BLE001 - shown in the app; a traceback would end it
            self._from_worker(self.core_failed, present.readable(err))
            return
        self._from_worker(self.core_ready, info)

    def core_ready(self, info: PartsInfo) -> None:
        self.info = info
        question = self.query_one(QuestionInput)
        question.loading = False
        question.focus()
        for warning in info.warnings:
            self.notify(warning, severity="warning", timeout=10)
        self.refresh_status()

    def core_failed(self, message: str) -> None:
        self.core_error = message
        self.query_one(QuestionInput).loading = False
        self.conversation.mount(Static(Content(f"Cannot answer: {message}"), classes="error"))
        self.notify(message, title="Cannot answer", severity="error", timeout=15)
        self.refresh_status(f"not ready: {message}")

    @work(thread=True, group="answer", exit_on_error=False)
    def answer(self, exchange: Exchange, stop: threading.Event) -> None:
        core = self.core
        assert core is not None
        try:
            with closing(core.ask(exchange.question, stop)) as events:
                for event in events:
                    if isinstance(event, Searched):
                        handed = self._from_worker(self.show_searched, exchange, event.text)
                    elif isinstance(event, Answered):
                        handed = self._from_worker(self.answer_done, exchange, event, stop)
                    else:
                        handed = self._from_worker(self.show_piece, exchange, event.text)
                    if not handed:
                        return  # the app is closing: closing the stream ends generation
        except Exception as err:  # noqa: BLE001 - shown in the app; a traceback would end it
            self._from_worker(self.answer_failed, exchange, present.readable(err), stop)

    def _from_worker(self, callback: object, *args: object) -> bool:
        """call_from_thread, unless the app is closing (its loop may be gone): False then."""
        if get_current_worker().is_cancelled or not self.is_running:
            return False
        assert callable(callback)
        self.call_from_thread(callback, *args)
        return True

    def show_searched(self, exchange: Exchange, searched: str) -> None:
        if exchange in self.exchanges:  # not after ctrl+n
            exchange.question_view.set_searched(searched)

    async def show_piece(self, exchange: Exchange, piece: str) -> None:
        if exchange in self.exchanges:
            await exchange.answer_view.append(piece)
            self.conversation.scroll_end(animate=False)

    async def answer_done(self, exchange: Exchange, done: Answered, stop: threading.Event) -> None:
        self._running_done(stop)
        if exchange not in self.exchanges:
            return  # the conversation was left meanwhile (the session kept nothing of it)
        shown, turn = done.presentation, done.turn
        meta = present.answer_meta(shown)
        chat = present.chat_answer(shown)
        # An extractive answer arrives whole even when cancelled: only a cut one is marked.
        await exchange.answer_view.finish(
            turn.answer, chat.sources, meta, turn.cancelled, chat.markdown, chat.copied
        )
        exchange.turn = turn
        if done.unsaved:
            self.notify(done.unsaved, severity="warning")
        self._last_context = present.context_line(shown.answer), present.speed_line(shown.answer)
        self.select(exchange.answer_view)
        self.refresh_status()
        self.conversation.scroll_end(animate=False)

    async def answer_failed(self, exchange: Exchange, message: str, stop: threading.Event) -> None:
        self._running_done(stop)
        if exchange in self.exchanges:
            await exchange.answer_view.fail(message)
        self.notify(message, severity="error", timeout=8)
        self.refresh_status()

    def _running_done(self, stop: threading.Event | None) -> None:
        """The answer that `stop` controls is over. Another may be running already (after
        ctrl+n, a new question need not wait for the old answer to wind down)."""
        if self._stop is stop:
            self._stop = None
            self.refresh_bindings()

    def select(self, view: AnswerView) -> None:
        if self.selected is not None:
            self.selected.remove_class("-selected")
        self.selected = view
        view.add_class("-selected")
        table = self.query_one(SourcesTable)
        table.show(view.sources)
        self.query_one(PassageView).show(table.current)

    def refresh_status(self, state: str = "") -> None:
        context, speed = self._last_context
        self.query_one(StatusBar).show(self.info, context, speed, state)
