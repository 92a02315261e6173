"""The chat's screens: the main one, and the saved conversations (ctrl+o) to reopen."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from localqa.answering.conversations import Conversation


class MainScreen(Screen[None]):
    """The default screen, with tab listed in the footer (Screen's own tab binding hides)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("tab", "app.focus_next", "Focus")]


class ConversationsScreen(ModalScreen[int | None]):
    """Dismisses with the picked conversation's id, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Close")]

    def __init__(self, conversations: Sequence[Conversation]) -> None:
        super().__init__()
        self.conversations = list(conversations)

    def compose(self) -> ComposeResult:
        with Vertical(id="conversations-box"):
            if not self.conversations:
                yield Static("No saved conversations yet.", id="no-conversations")
            options = [
                Option(
                    Content(f"{c.updated_at[:16].replace('T', ' ')}  {c.title}  ({c.turns})"),
                    str(c.id),
                )
                for c in self.conversations
            ]
            yield OptionList(*options, id="conversation-list")

    def on_mount(self) -> None:
        self.query_one("#conversations-box").border_title = "Conversations (enter opens)"
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        assert event.option.id is not None
        self.dismiss(int(event.option.id))
