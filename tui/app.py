"""`localqa chat`: ask, read the streamed answer, check its sources, follow up.

Built like Textual's `examples/mother.py`: the core works in thread workers and hands text
back with `call_from_thread`. The app never builds the core itself: it gets a factory, so
the CLI passes the real one and tests one over a temporary index.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from contextlib import closing
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static
from textual.worker import get_current_worker

from localqa.answering.conversations import SavedTurn
from localqa.answering.session import Answered, Searched
from localqa.tui import present
from localqa.tui.adapter import ChatCore, CoreFactory
from localqa.tui.conversation import ConversationView, Exchange
from localqa.tui.opener import open_in_viewer
from localqa.tui.screens import ConversationsScreen, MainScreen
from localqa.tui.widgets import (
    AnswerView,
    PassageView,
    QuestionInput,
    SourcesTable,
    StatusBar,
)

if TYPE_CHECKING:
    from localqa.builder import PartsInfo


class ChatApp(App[None]):
    CSS_PATH = "chat.tcss"
    TITLE = "localqa chat"
    # Below 110 columns the sources pane goes under the conversation (see chat.tcss).
    # Textual declares this `ClassVar[...] | None`, which mypy reads as an instance variable.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+n", "new_conversation", "New"),
        Binding("ctrl+y", "copy_answer", "Copy"),
        Binding("ctrl+o", "conversations", "History"),
        Binding("ctrl+q", "quit", "Quit"),  # not priority: listed last in the footer
    ]

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

    def get_default_screen(self) -> Screen[None]:
        return MainScreen(id="_default")

    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            yield ConversationView()
            with Vertical(id="side"):
                yield SourcesTable()
                yield PassageView(id="passage")
        # not select_on_focus: keys typed on an answer move here and must not be replaced
        yield QuestionInput(
            placeholder="Ask a question about your documents…",
            id="question",
            select_on_focus=False,
        )
        yield StatusBar(id="status")
        yield Footer(compact=True)

    @property
    def conversation(self) -> ConversationView:
        return self.query_one(ConversationView)

    @property
    def exchanges(self) -> list[Exchange]:
        return self.conversation.exchanges

    async def on_mount(self) -> None:
        self.query_one(QuestionInput).loading = True
        self.refresh_status("loading the index and model…")
        try:  # quick: the core's thread and the saved conversations; the rest loads below
            self.core = self.core_factory()
            resumed = self.core.resume() if self.resume else None
        except Exception as err:  # noqa: BLE001 - shown in the app; a traceback would end it
            self.core_failed(present.readable(err))
            return
        if self.resume and resumed is None:
            self.notify("No saved conversation to resume yet.")
        elif resumed is not None:
            await self.show_conversation(resumed)
        self.load_core(self.core)

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

    # --- asking ----------------------------------------------------------------------

    @on(Input.Submitted, "#question")
    async def ask(self, event: Input.Submitted) -> None:
        question = event.value.strip()
        problem = present.why_not_ask(question, self.info, self.core_error, self._stop)
        if problem:
            self.notify(problem, severity="warning")
            return
        event.input.clear()
        exchange = await self.conversation.add(question)
        self._stop = threading.Event()
        self.refresh_bindings()
        self.refresh_status("answering…")
        self.answer(exchange, self._stop)

    # --- sources ---------------------------------------------------------------------

    def select(self, view: AnswerView) -> None:
        if self.selected is not None:
            self.selected.remove_class("-selected")
        self.selected = view
        view.add_class("-selected")
        table = self.query_one(SourcesTable)
        table.show(view.sources)
        self.query_one(PassageView).show(table.current)

    @on(AnswerView.Selected)
    def answer_selected(self, event: AnswerView.Selected) -> None:
        self.select(event.view)

    @on(DataTable.RowHighlighted, "#sources")
    def source_highlighted(self) -> None:
        self.query_one(PassageView).show(self.query_one(SourcesTable).current)

    @on(SourcesTable.OpenRequested)
    def open_source(self, event: SourcesTable.OpenRequested) -> None:
        problem = open_in_viewer(self, event.source, self.info.paths if self.info else None)
        if problem:
            self.notify(problem, severity="warning")

    # --- key actions -----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            return True if self._stop is not None else None  # None: shown, greyed out
        return True

    def action_cancel(self) -> None:
        if self._stop is not None and not self._stop.is_set():
            self._stop.set()
            self.refresh_status("cancelling…")

    async def action_new_conversation(self) -> None:
        if self.core is not None:
            self.core.new_conversation()  # at once: an answer still being written is dropped
        await self.show_conversation(())

    async def show_conversation(self, turns: Sequence[SavedTurn]) -> None:
        """Replace what the pane shows: a new conversation, or a saved one."""
        if self._stop is not None:
            self._stop.set()  # its answer belongs to the conversation being left
            self._running_done(self._stop)
        self.selected = None
        await self.conversation.reset(turns)
        self._last_context = ("", "")
        if self.exchanges:
            self.select(self.exchanges[-1].answer_view)
        else:
            self.query_one(SourcesTable).show(())
            self.query_one(PassageView).show(None)
        self.refresh_status()
        self.query_one(QuestionInput).focus()

    def action_copy_answer(self) -> None:
        """Copy the selected turn's answer as shown: its warning lines and the quotes
        under it, then the sources cited (tui/present.py `ChatAnswer`)."""
        view = self.selected or (self.exchanges[-1].answer_view if self.exchanges else None)
        if view is None or not view.copied:
            self.notify("No answer to copy yet.")
            return
        self.copy_to_clipboard(view.copied)
        self.notify("Answer copied to the clipboard.")

    def action_conversations(self) -> None:
        if self._stop is not None:
            self.notify("An answer is being written: wait, or press Esc to cancel it.")
            return
        if self.core is None or (self.info is None and self.core_error is None):
            # the core's thread is busy loading: asking it now would freeze the screen
            self.notify(present.LOADING if self.core else f"Cannot open: {self.core_error}")
            return
        self.push_screen(ConversationsScreen(self.core.conversations()), self.open_conversation)

    async def open_conversation(self, conversation_id: int | None) -> None:
        if conversation_id is None or self.core is None:
            return
        await self.show_conversation(self.core.open_conversation(conversation_id))

    def refresh_status(self, state: str = "") -> None:
        context, speed = self._last_context
        self.query_one(StatusBar).show(self.info, context, speed, state)
