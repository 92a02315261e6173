"""The chat's sources pane: the table of the selected answer's sources, and the passage
of the one selected with its quote highlighted."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Static

from localqa.answering.conversations import Source
from localqa.text import SOFT_LINE, terminal_safe

QUOTE_STYLE = "bold $text-accent on $accent-muted"


def quote_span(text: str, quote: str) -> tuple[int, int] | None:
    """Where the quote sits in the passage. Quotes are whitespace-normalised sentences,
    so any run of whitespace in the passage matches a single space."""
    tokens = quote.split()
    if not tokens:
        return None
    found = re.search(r"\s+".join(re.escape(t) for t in tokens), text)
    return found.span() if found else None


class SourcesTable(DataTable[str]):
    """[n], file, page, lines and support score of the selected answer's sources."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("o", "open_source", "Open file")]

    class OpenRequested(Message):
        def __init__(self, source: Source) -> None:
            super().__init__()
            self.source = source

    def __init__(self) -> None:
        super().__init__(id="sources", cursor_type="row", zebra_stripes=True)
        self.sources: tuple[Source, ...] = ()

    COLUMNS = ("#", "File", "Page", "Where", "Score")

    def on_mount(self) -> None:
        self.border_title = "Sources"
        self.show(())

    def show(self, sources: Sequence[Source]) -> None:
        self.sources = tuple(sources)
        # the quote's own lines (the passage's when none): two quotes of one passage differ
        rows = [
            (
                f"[{s.number}]",
                terminal_safe(s.chunk.source, one_line=True),
                terminal_safe(s.chunk.page_name(), one_line=True),  # a sheet's name
                s.chunk.lines_named(s.chunk.quote_lines(s.quote)),  # "line 3", "rows 8-9"
                "—" if s.score is None else f"{s.score:.2f}",
            )
            for s in self.sources
        ]
        # Columns are rebuilt with widths fitted to the rows: auto-sized columns left the
        # header drawn at its old widths now and then, after the rows had changed.
        self.clear(columns=True)
        for label, width in zip(self.COLUMNS, column_widths([self.COLUMNS, *rows]), strict=True):
            self.add_column(label, width=width)
        self.add_rows(rows)

    @property
    def current(self) -> Source | None:
        if not self.sources or not 0 <= self.cursor_row < len(self.sources):
            return None
        return self.sources[self.cursor_row]

    def action_open_source(self) -> None:
        if self.current is not None:
            self.post_message(self.OpenRequested(self.current))


def column_widths(rows: Sequence[Sequence[str]]) -> list[int]:
    """Each column's width in terminal cells: a Chinese file name takes two cells a
    character, so counting characters cut "员工手册.txt" to half its name."""
    return [max(cell_len(row[i]) for row in rows) for i in range(len(rows[0]))]


class PassageView(VerticalScroll):
    """The selected source's chunk, its supporting quote highlighted."""

    def compose(self) -> ComposeResult:
        yield Static(id="passage-text")

    def on_mount(self) -> None:
        self.show(None)

    def show(self, source: Source | None) -> None:
        text = self.query_one("#passage-text", Static)
        if source is None:
            self.border_title = "Passage"
            text.update(Content.styled("Select a source to read its passage.", "$text-muted"))
            return
        location = terminal_safe(source.chunk.location(), one_line=True)
        self.border_title = f"[{source.number}] {location}"
        # a document's escape codes made visible; HTML blocks sharing a line of the file
        # shown on lines of their own (the same length, so the quote's span holds)
        shown = terminal_safe(source.chunk.text).replace(SOFT_LINE, "\n")
        content = Content(shown)
        span = quote_span(shown, terminal_safe(source.quote))
        if span is not None:
            content = content.stylize(QUOTE_STYLE, *span)
        text.update(content)
        self.call_after_refresh(self._scroll_to_quote, shown, span)

    def _scroll_to_quote(self, text: str, span: tuple[int, int] | None) -> None:
        """Scroll so the quote starts on the second line: the passage wraps, so count the
        wrapped lines before it at the width it is shown at (known after layout)."""
        width = self.query_one("#passage-text", Static).size.width
        if span is None or width < 1:
            self.scroll_home(animate=False)
            return
        lines_before = len(Content(text[: span[0]]).wrap(width)) - 1
        self.scroll_to(y=max(lines_before - 1, 0), animate=False)
