"""The chat's widgets: questions, streamed answers and the status bar; the sources table
and the passage panel are sources.py's. Colours come from the theme (see chat.tcss and the
`$` styles here)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Markdown, Static
from textual.widgets.markdown import MarkdownStream

from localqa.answering.conversations import Source
from localqa.text import terminal_safe
from localqa.tui.sources import (
    QUOTE_STYLE,
    PassageView,
    SourcesTable,
    column_widths,
    quote_span,
)

if TYPE_CHECKING:
    from localqa.builder import PartsInfo

# The sources pane (sources.py), importable from here as before.
__all__ = [
    "CANCELLED",
    "QUOTE_STYLE",
    "AnswerView",
    "PassageView",
    "QuestionInput",
    "QuestionView",
    "SourcesTable",
    "StatusBar",
    "column_widths",
    "fit_line",
    "quote_span",
    "verbatim",
]

CANCELLED = "[cancelled]"


class QuestionInput(Input):
    """The question box; Enter sends (shown in the footer, unlike Input's own binding)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "submit", "Send")]


class QuestionView(Static):
    """A question as asked, and what retrieval searched for when the follow-up was rewritten."""

    def __init__(self, question: str) -> None:
        super().__init__(classes="question")
        self.question = question
        self.searched = question
        self._show()

    def set_searched(self, searched: str) -> None:
        self.searched = searched
        self._show()

    def _show(self) -> None:
        content = Content.assemble(("You: ", "bold $text-primary"), self.question)
        if self.searched != self.question:
            searched = Content.styled(f"\n↳ searched for: {self.searched}", "$text-muted italic")
            content = content + searched
        self.update(content)


def verbatim(text: str) -> str:
    """Model or document text as Markdown that shows every character: an HTML tag such as
    `<SYS>` or an entity such as `&amp;` would otherwise vanish or change, and a control
    character is shown as its escape (`\\x1b`)."""
    safe = terminal_safe(text)  # control characters made visible: no escape codes
    return safe.replace("\\", "\\\\").replace("<", "\\<").replace("&", "\\&")


class AnswerView(Vertical, can_focus=True):
    """One answer: Markdown that grows as pieces arrive, then a line about it.
    Focusing or clicking it shows its sources."""

    class Selected(Message):
        def __init__(self, view: AnswerView) -> None:
            super().__init__()
            self.view = view

    def __init__(self) -> None:
        super().__init__(classes="answer -pending")
        self.text = ""
        self.copied = ""  # what ctrl+y copies: the words shown, then the sources cited
        self.updates = 0  # pieces received while streaming
        self.sources: tuple[Source, ...] = ()
        self.cancelled = False
        self.failed = False
        self._stream: MarkdownStream | None = None

    def compose(self) -> ComposeResult:
        # Links in an answer come from the documents or the model: never open a browser.
        yield Markdown(classes="answer-body", open_links=False)
        yield Static(classes="answer-meta")

    def on_mount(self) -> None:
        self.loading = True

    @property
    def body(self) -> Markdown:
        return self.query_one(".answer-body", Markdown)

    async def append(self, piece: str) -> None:
        if self._stream is None:
            self.loading = False
            self._stream = Markdown.get_stream(self.body)
        self.text += piece
        self.updates += 1
        await self._stream.write(verbatim(piece))

    async def finish(
        self,
        text: str,
        sources: Sequence[Source],
        meta: str,
        cancelled: bool,
        shown: str | None = None,
        copied: str | None = None,
    ) -> None:
        """The final state: `text` as the answer (kept for saving), `shown` the Markdown
        displayed (default: `text` verbatim), `copied` what ctrl+y copies (default:
        `text`; tui/present.py adds the sources)."""
        if self._stream is not None:
            await self._stream.stop()
            self._stream = None
        self.loading = False
        self.remove_class("-pending")
        self.text, self.sources, self.cancelled = text, tuple(sources), cancelled
        self.copied = text if copied is None else copied
        await self.body.update((verbatim(text) if shown is None else shown) or "*(no text)*")
        meta_line = self.query_one(".answer-meta", Static)
        meta_line.set_class(cancelled, "-cancelled")
        meta_line.update(Content(f"{CANCELLED} {meta}" if cancelled else meta))

    async def fail(self, message: str) -> None:
        await self.finish(self.text, (), message, cancelled=False)
        self.failed = True
        self.query_one(".answer-meta", Static).add_class("-error")

    def on_focus(self) -> None:
        self.post_message(self.Selected(self))

    def on_click(self) -> None:
        self.focus()

    def on_key(self, event: events.Key) -> None:
        # a reader who starts typing means the next question: the keys go to the box
        if event.is_printable and event.character:
            event.stop()
            box = self.app.query_one(QuestionInput)
            box.focus()
            box.insert_text_at_cursor(event.character)


SEPARATOR = " │ "
ELLIPSIS = "…"


def fit_line(parts: Sequence[str], width: int, keep: int = 1) -> str:
    """`parts` joined on one line of at most `width` cells: the last parts but the first
    `keep` dropped first (`StatusBar.show` puts the least needed last), then the line cut
    with an ellipsis."""
    kept = list(parts)
    while len(kept) > keep and cell_len(SEPARATOR.join(kept)) > width:
        kept.pop()
    line = SEPARATOR.join(kept)
    if cell_len(line) <= width:
        return line
    while line and cell_len(line) > max(width - 1, 0):
        line = line[:-1]
    return line + ELLIPSIS if width > 0 else ""


class StatusBar(Static):
    """Index, model, and the context and speed of the last answer, on one line: what does
    not fit the width is left out, least needed first (`fit_line`)."""

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self._parts: list[str] = []

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        # before the first layout the bar has no size yet: the screen's width, less padding
        width = (self.content_size.width or self.app.size.width - 2) if self.is_attached else 0
        self.update(Content(fit_line(self._parts, width, keep=2)))

    def show(self, info: PartsInfo | None, context: str, speed: str, state: str = "") -> None:
        if info is None:
            self._parts = [state] if state else []
            self._fit()
            return
        if info.model_name is None:
            model = "extractive mode"
        else:
            model = info.model_name
            if info.n_layers:  # 0: not known here (a model on a server)
                model += f" · GPU layers {info.gpu_layers}/{info.n_layers}"
            model += f" · layout {info.layout}" if info.layout else ""
        # the order is what is given up first at the end: speed, then context, then model
        index = f"{info.index_name}: {info.documents} docs, {info.chunks} chunks"
        self._parts = [p for p in (index, state, model, context, speed) if p]
        self._fit()
