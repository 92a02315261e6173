"""`localqa chat`: ask, read the streamed answer, check its sources, follow up.

Built like Textual's `examples/mother.py`: the core works in thread workers and hands text
back with `call_from_thread` (answering.py). The app never builds the core itself: it gets
a factory, so the CLI passes the real one and tests one over a temporary index.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input

from localqa.answering.conversations import SavedTurn
from localqa.tui import present
from localqa.tui.answering import AnsweringApp
from localqa.tui.conversation import ConversationView
from localqa.tui.opener import open_in_viewer
from localqa.tui.screens import ConversationsScreen, MainScreen
from localqa.tui.widgets import (
    AnswerView,
    PassageView,
    QuestionInput,
    SourcesTable,
    StatusBar,
)


class ChatApp(AnsweringApp):
    """The chat's screen, its keys and its saved conversations; the core's work on
    threads, and what the app holds, are `AnsweringApp`'s (answering.py)."""

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
