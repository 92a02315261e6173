"""HTML table cells that span rows (`rowspan`): the cell's text is repeated in each row
it spans, so that every row, which becomes one line, stays a complete record."""

from __future__ import annotations

from bs4 import BeautifulSoup
from bs4.element import Tag

_SECTIONS = frozenset({"thead", "tbody", "tfoot"})
_CELLS = frozenset({"td", "th"})
_TO_THE_END = 10**9  # rowspan="0": to the end of the table


def _span(cell: Tag, name: str) -> int:
    value = cell.get(name)
    text = value.strip() if isinstance(value, str) else ""
    if not text.isdigit():
        return 1
    return int(text) if int(text) > 0 or name == "colspan" else _TO_THE_END


def _rows(table: Tag) -> list[Tag]:
    """The table's own rows, not those of tables nested in its cells."""
    rows: list[Tag] = []
    for child in table.find_all(recursive=False):
        if child.name == "tr":
            rows.append(child)
        elif child.name in _SECTIONS:
            rows.extend(row for row in child.find_all("tr", recursive=False))
    return rows


def _spread(soup: BeautifulSoup, table: Tag) -> None:
    pending: dict[int, tuple[str, int, int]] = {}  # column -> text, rows left, colspan
    for row in _rows(table):
        cells = [c for c in row.find_all(recursive=False) if c.name in _CELLS]
        column, cursor = 0, 0
        while cursor < len(cells) or any(col >= column for col in pending):
            if column in pending:
                text, left, width = pending.pop(column)
                copy = soup.new_tag("td")
                copy.string = text
                if cursor < len(cells):
                    cells[cursor].insert_before(copy)
                else:
                    row.append(copy)
                if left > 1:
                    pending[column] = (text, left - 1, width)
                column += width
                continue
            if cursor >= len(cells):
                column += 1
                continue
            cell = cells[cursor]
            cursor += 1
            width = min(_span(cell, "colspan"), 1000)
            down = _span(cell, "rowspan")
            text = " ".join(cell.get_text(" ").split())
            if down > 1 and text:
                pending[column] = (text, down - 1, width)
            column += width


def spread_row_spans(soup: BeautifulSoup) -> None:
    """Give each row of every table the text of the cells above that span into it
    (in place)."""
    for table in soup.find_all("table"):
        if table.find(rowspan=True) is not None:
            _spread(soup, table)
