"""A table row's columns under its header, for the support check (support.py): which
year or column name stands over each of a row's cells. "Total revenue in 2021 was
$19,984,378." is stated by "Total revenue | 19,984,378 | 10,230,316" under "Year ended
December 31 | 2021 | 2020" (2021 stands over 19,984,378), not by the row alone, and not
by the whole header either: "Total revenue in 2021 was 10,230,316" gives 2020's figure.
The header is the one in force over the row (sentences.py), in its passage or in the
passages before it (tables.py `header_above`)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from localqa.headers import NUMBER, YEAR, cells, header_years, is_column_header
from localqa.schema import JOINED
from localqa.sentences import sentence_units


@lru_cache(maxsize=256)
def row_headers(text: str, header: str = "", inside: bool = False) -> dict[str, str]:
    """{row: the header that explains it} for the table rows of `text` (whitespace-
    normalised, as sentences.split_sentences gives them) under a header of years or of
    column names, in `text` or `header` (the one in force where `text` starts:
    `header_above`). `inside`: `text` starts inside a table. Cached: an answer's every
    sentence is checked against the same few passages."""
    found: dict[str, str] = {}
    for unit, record in sentence_units(text, header, True, inside):
        above, joined, row = unit.partition(JOINED)
        if record and joined and (header_years(above) or is_column_header(above)):
            found[row] = above
    return found


def _values(text: str) -> set[float]:
    found = set()
    for number in NUMBER.findall(text):
        try:
            found.add(float(number.replace(",", "")))
        except ValueError:  # "1.2.3": no value
            continue
    return found


def columns(header: str, row: str) -> list[tuple[str, set[float]]]:
    """(the header's cell, the values of the row's cell under it) for each column of the
    table row `row` under `header`: of a header of years, each year over a figure ("2021"
    over "19,984,378"): the row's cells holding numbers after its label, or, in a row
    without cell marks (a PDF's), its numbers right-aligned under the years (its label
    may end in one: "Fees region 1 1,001 1,008"); of column names, each name over its
    cell. [] when the row's cells do not fit under the header's."""
    years = header_years(header)
    if years:
        if "|" in row:
            figures = [_values(cell) for cell in cells(row)[1:] if NUMBER.search(cell)]
            fits = len(figures) == len(years)
        else:
            figures = [_values(number) for number in NUMBER.findall(row)]
            fits = len(figures) >= len(years)
        return list(zip(years, figures[len(figures) - len(years) :], strict=True)) if fits else []
    heads, values = cells(header), cells(row)
    if not is_column_header(header) or len(heads) != len(values):
        return []
    return [(head, _values(value)) for head, value in zip(heads, values, strict=True)]


def column_headings(header: str, row: str, numbers: Iterable[float]) -> str:
    """The header's cells over the cells of `row` that hold one of `numbers` (a claim's),
    joined by spaces: what the row says of them, with the rest of the header left out;
    "" when none does or the row does not fit under the header (`columns`)."""
    wanted = set(numbers)
    return " ".join(head for head, values in columns(header, row) if values & wanted)


def wrong_column(header: str, row: str, numbers: Iterable[float]) -> bool:
    """Whether `numbers` (a claim's, with its question's) name years of a header of years
    and give figures of `row` that stand only under the header's other years: "Total
    revenue in 2021 was 10,230,316", read from "Total revenue | 19,984,378 | 10,230,316"
    under "2021 | 2020"."""
    wanted = set(numbers)
    pairs = columns(header, row) if header_years(header) else []
    named = {year for year, _ in pairs if YEAR.fullmatch(year) and float(year) in wanted}
    stated = {year for year, values in pairs if values & wanted}
    return bool(named and stated) and not named & stated
