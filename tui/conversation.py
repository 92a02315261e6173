"""The conversation pane: the exchanges (question, answer) of one conversation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from localqa.answering.conversations import SavedTurn
from localqa.tui.present import answer_with_sources, count
from localqa.tui.widgets import AnswerView, QuestionView

WELCOME = (
    "Ask a question about your documents. Answers cite their sources as [n]: "
    "click an answer (or tab to it) to list its sources, and pick a source to read it."
)


@dataclass(eq=False)
class Exchange:
    question: str
    question_view: QuestionView
    answer_view: AnswerView
    turn: SavedTurn | None = None  # set once the answer is complete (or cancelled)


class ConversationView(VerticalScroll):
    def __init__(self) -> None:
        super().__init__(id="conversation")
        self.exchanges: list[Exchange] = []

    def compose(self) -> ComposeResult:
        yield Static(Content(WELCOME), classes="welcome")

    async def add(self, question: str, turn: SavedTurn | None = None) -> Exchange:
        """A new exchange: pending (its answer still to come) or a saved one, complete."""
        exchange = Exchange(question, QuestionView(question), AnswerView(), turn)
        self.exchanges.append(exchange)
        await self.mount(exchange.question_view, exchange.answer_view)
        if turn is not None:
            exchange.question_view.set_searched(turn.searched)
            meta = (
                f"{turn.mode} · {count(len(turn.sources), 'source')} · saved {turn.created_at[:10]}"
            )
            copied = answer_with_sources(turn.answer, turn.sources)
            await exchange.answer_view.finish(
                turn.answer, turn.sources, meta, turn.cancelled, copied=copied
            )
        self.scroll_end(animate=False)
        return exchange

    async def reset(self, turns: Sequence[SavedTurn] = ()) -> None:
        """Empty the pane (the welcome text back), or fill it with saved turns."""
        self.exchanges.clear()
        await self.remove_children()
        if not turns:
            await self.mount(Static(Content(WELCOME), classes="welcome"))
        for turn in turns:
            await self.add(turn.question, turn)
