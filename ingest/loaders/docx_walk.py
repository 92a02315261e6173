"""The state machine behind the DOCX loader: it turns iterparse events of
`word/document.xml` into pages of paragraph lines, table rows and headings."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from localqa.schema import Page

_MARKUP_COMPAT = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
# Subtrees whose text is not part of the document as shown: the fallback copy of
# alternate content, and the pre-revision properties of tracked changes.
_SKIPPED = frozenset({"pPrChange", "rPrChange", "sectPrChange", "tblPrChange", "trPrChange"})
_NEW_PAGE_SECTIONS = frozenset({"nextPage", "oddPage", "evenPage"})
_OFF = frozenset({"0", "false", "off"})
_CELL_LAYOUT = frozenset({"vMerge", "gridSpan", "gridBefore"})
_RUN_TEXT = {"tab": "\t", "cr": "\n", "noBreakHyphen": "-"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr(elem: Element, name: str) -> str | None:
    """A `w:`-namespaced attribute, whatever the namespace URI (transitional or strict)."""
    for key, value in elem.attrib.items():
        if _local(key) == name:
            return value
    return None


@dataclass
class _Paragraph:
    parts: list[str] = field(default_factory=list)
    style: str = ""
    break_after: bool = False


@dataclass
class _Table:
    """A table being read: the finished cells of the current row, the lines of the cell
    being read, and what vertical merges need: the grid column where the next cell
    starts, and the text of each column's merged cell (`w:vMerge="restart"`), which the
    cells it continues into (`w:vMerge` alone) repeat so that each row stays whole."""

    cells: list[str] = field(default_factory=list)
    cell: list[str] | None = None
    column: int = 0
    span: int = 1
    merge: str | None = None  # "restart" or "continue" for the cell being read
    merged: dict[int, str] = field(default_factory=dict)

    def start_row(self) -> None:
        self.column = 0

    def start_cell(self) -> None:
        self.cell, self.span, self.merge = [], 1, None

    def end_cell(self) -> None:
        text = " ".join(" ".join(self.cell or ()).split())
        if self.merge == "continue" and not text:
            text = self.merged.get(self.column, "")
        elif self.merge == "restart":
            self.merged[self.column] = text
        else:
            self.merged.pop(self.column, None)
        if text:
            self.cells.append(text)
        self.column += self.span
        self.cell = None


@dataclass
class _PageBuilder:
    number: int
    lines: list[str] = field(default_factory=list)
    headings: list[tuple[int, str]] = field(default_factory=list)
    length: int = 0

    def add(self, line: str, heading: bool = False) -> None:
        line = line.rstrip()
        if not line and (not self.lines or not self.lines[-1]):
            return
        offset = self.length + 1 if self.lines else 0
        self.lines.append(line)
        self.length = offset + len(line)
        if heading and line.strip():
            self.headings.append((offset, " ".join(line.split())))

    def build(self) -> Page:
        while self.lines and not self.lines[-1]:
            self.lines.pop()
        return Page(self.number, "\n".join(self.lines), tuple(self.headings))


class DocxWalker:
    """Feed it every start and end event; completed pages appear in `done`."""

    def __init__(
        self, heading_styles: frozenset[str], footnotes: dict[str, str] | None = None
    ) -> None:
        self.heading_styles = heading_styles
        # footnote id -> its line, added at the foot of the page that refers to it
        self.footnotes = footnotes or {}
        self.page_notes: list[str] = []
        self.done: deque[Page] = deque()
        self.page = _PageBuilder(1)
        self.paragraphs: list[_Paragraph] = []
        self.tables: list[_Table] = []
        self.text_since_break = False
        self.break_after_row = False
        self.depth = 0
        self.skip = 0
        self.in_run = 0
        self.in_ppr = 0
        self.body: Element | None = None

    def start(self, elem: Element) -> None:
        self.depth += 1
        name = _local(elem.tag)
        if self.skip or name in _SKIPPED or elem.tag == f"{_MARKUP_COMPAT}Fallback":
            self.skip += 1
        elif name == "body":
            self.body = elem
        elif name == "p":
            self.paragraphs.append(_Paragraph())
        elif name == "r":
            self.in_run += 1
        elif name == "pPr":
            self.in_ppr += 1
        elif name == "tbl":
            self.tables.append(_Table())
        elif name == "tr" and self.tables:
            self.tables[-1].start_row()
        elif name == "tc" and self.tables:
            self.tables[-1].start_cell()

    def end(self, elem: Element) -> None:
        name = _local(elem.tag)
        if self.skip:
            self.skip -= 1
        elif name in ("t", "tab", "cr", "noBreakHyphen", "br"):
            self._run_content(name, elem)
        elif name == "lastRenderedPageBreak":
            self._page_break(rendered=True)
        else:
            self._structure_end(name, elem)
        if self.depth == 3 and self.body is not None:
            self.body.clear()  # a body child is finished: keep memory flat
        self.depth -= 1

    def _run_content(self, name: str, elem: Element) -> None:
        if not self.paragraphs:
            return
        paragraph = self.paragraphs[-1]
        if name == "t":
            if elem.text:
                paragraph.parts.append(elem.text)
                self.text_since_break = self.text_since_break or bool(elem.text.strip())
        elif not self.in_run:
            return  # w:tab in pPr/w:tabs is a tab stop, not a character
        elif name == "br" and _attr(elem, "type") == "page":
            self._page_break(rendered=False)
        elif name == "br":
            paragraph.parts.append(" " if _attr(elem, "type") == "column" else "\n")
        else:
            paragraph.parts.append(_RUN_TEXT[name])

    def _structure_end(self, name: str, elem: Element) -> None:
        if name == "r":
            self.in_run -= 1
        elif name == "pPr":
            self.in_ppr -= 1
        elif name == "footnoteReference":
            note = self.footnotes.get(_attr(elem, "id") or "")
            if note and note not in self.page_notes:
                self.page_notes.append(note)
        elif name == "pStyle" and self.in_ppr and self.paragraphs:
            self.paragraphs[-1].style = _attr(elem, "val") or ""
        elif name == "pageBreakBefore" and self.in_ppr:
            if (_attr(elem, "val") or "1").lower() not in _OFF:
                self._page_break(rendered=True)
        elif name == "sectPr" and self.in_ppr and self.paragraphs:
            kind = next((_attr(c, "val") for c in elem if _local(c.tag) == "type"), None)
            self.paragraphs[-1].break_after = (kind or "nextPage") in _NEW_PAGE_SECTIONS
        elif name == "p" and self.paragraphs:
            self._paragraph_end(self.paragraphs.pop())
            elem.clear()
        elif name in _CELL_LAYOUT and self.tables:
            self._cell_layout(name, elem, self.tables[-1])
        elif name == "tc" and self.tables:
            self.tables[-1].end_cell()
        elif name == "tr" and self.tables:
            self._row_end(self.tables[-1])
            elem.clear()
        elif name == "tbl" and self.tables:
            self.tables.pop()

    def _cell_layout(self, name: str, elem: Element, table: _Table) -> None:
        """w:vMerge and w:gridSpan of the cell being read, w:gridBefore of its row."""
        value = _attr(elem, "val")
        if name == "vMerge" and table.cell is not None:
            table.merge = "restart" if value == "restart" else "continue"
        elif name == "gridSpan" and table.cell is not None and (value or "").isdigit():
            table.span = max(1, int(value or 1))
        elif name == "gridBefore" and table.cell is None and (value or "").isdigit():
            table.column += int(value or 0)

    def _emit(self, line: str, heading: bool = False) -> None:
        """A finished line goes to the enclosing table cell, else to the page."""
        if self.tables and self.tables[-1].cell is not None:
            self.tables[-1].cell.append(line.strip())
        else:
            self.page.add(line, heading)

    def _is_heading(self, paragraph: _Paragraph) -> bool:
        style = paragraph.style
        return style in self.heading_styles or style.lower().startswith(("heading", "title"))

    def _paragraph_end(self, paragraph: _Paragraph) -> None:
        self._emit("".join(paragraph.parts), self._is_heading(paragraph))
        if paragraph.break_after:
            self._page_break(rendered=True)

    def _row_end(self, table: _Table) -> None:
        line = " | ".join(table.cells)
        table.cells = []
        outer = self.tables[-2].cell if len(self.tables) > 1 else None
        if outer is not None:
            outer.append(line)  # a nested table's row is part of the enclosing cell
        else:
            self.page.add(line)
        if self.break_after_row and len(self.tables) == 1:
            self.break_after_row = False
            self._new_page()

    def _page_break(self, rendered: bool) -> None:
        """Start a new page here. A rendered break right after another break (Word writes
        one after each explicit break) or before any text is the same page boundary."""
        if rendered and not self.text_since_break:
            return
        if self.tables:
            table = self.tables[0]
            if table.cells or table.cell or (self.paragraphs and self.paragraphs[-1].parts):
                self.break_after_row = True  # the row began on this page: finish it here
                return
            self._new_page()
            return
        if self.paragraphs and self.paragraphs[-1].parts:
            paragraph = self.paragraphs[-1]
            self._emit("".join(paragraph.parts), self._is_heading(paragraph))
            paragraph.parts = []
        self._new_page()

    def _add_page_notes(self) -> None:
        for note in self.page_notes:
            self.page.add(note)
        self.page_notes = []

    def _new_page(self) -> None:
        self._add_page_notes()
        self.done.append(self.page.build())
        self.page = _PageBuilder(self.page.number + 1)
        self.text_since_break = False

    def finish(self) -> Page | None:
        """The last page once the document has ended; None when a break at the very end
        left it empty (a blank trailing page has nothing to cite)."""
        self._add_page_notes()
        page = self.page.build()
        return None if page.number > 1 and not page.text else page
