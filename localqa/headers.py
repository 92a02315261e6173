"""What heads a table's rows: a header of years ("Year ended December 31 | 2021 | 2020")
or of column names ("Item | Price | # In stock"), and which lines of a table neither head
nor state anything ("Revenue: |", a Markdown rule "|---|---:|"). Read one unit (a line
of a table, whitespace-normalised) at a time; localqa/sentences.py says what a unit is."""

from __future__ import annotations

import re

NUMBER = re.compile(r"\d(?:[\d,.]*\d)?")
YEAR = re.compile(r"(?:19|20)\d\d")
# "December 31" in a header of years ("Year ended December 31 2021 2020") is no figure
_MONTH_DAY = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b", re.IGNORECASE
)
# A column name is short: a cell of more words is a row's value ("Designing unique
# solutions, writing impactful content, ...").
COLUMN_NAME_WORDS = 5


def is_year_header(line: str) -> bool:
    """Whether a line's numbers are all years, two or more ("Year ended December 31 2021
    2020 2019", "| 2021 | 2020"): a table's column header."""
    numbers = NUMBER.findall(_MONTH_DAY.sub(" ", line))
    return len(numbers) >= 2 and all(YEAR.fullmatch(n) for n in numbers)


def header_years(line: str) -> list[str]:
    """The years of a header of years, in order ("Year ended December 31 | 2021 | 2020":
    ["2021", "2020"]); [] for a line that is none (`is_year_header`)."""
    return NUMBER.findall(_MONTH_DAY.sub(" ", line)) if is_year_header(line) else []


def has_figures(unit: str) -> bool:
    """Whether `unit` holds a number that is not a year."""
    return any(not YEAR.fullmatch(n) for n in NUMBER.findall(unit))


def in_table(unit: str) -> bool:
    """A line of a table without figures ("Revenue: |", "| Current assets: | |", a
    Markdown rule): it names the rows below it, or none, and the header above still holds."""
    return "|" in unit and not has_figures(unit)


def cells(unit: str) -> list[str]:
    """The cells of a table's line, a Markdown row's outer bars left out."""
    return [cell.strip() for cell in unit.strip().strip("|").split("|")]


def is_column_header(unit: str) -> bool:
    """Whether a table's first line names its columns: two or more cells, each filled one
    of at most COLUMN_NAME_WORDS words holding a letter, and no number ("Item | Price | #
    In stock", "Attribute | Description"; not "Q1 | Q2": a number may be a value; not
    "- | Brinell")."""
    named = [cell for cell in cells(unit) if cell]
    return (
        "|" in unit
        and len(named) >= 2
        and not NUMBER.search(unit)
        and all(len(cell.split()) <= COLUMN_NAME_WORDS for cell in named)
        and all(any(ch.isalpha() for ch in cell) for cell in named)
    )


def states_values(unit: str) -> bool:
    """Whether a table's line says something a header would explain: it holds figures,
    or letters in two or more cells (not a rule, not a lone group label)."""
    return has_figures(unit) or (
        len([cell for cell in cells(unit) if any(ch.isalpha() for ch in cell)]) >= 2
    )


def labelled(unit: str) -> bool:
    """Whether most cells of a table's line name their column themselves ("Model: TP-450
    | Min (C): 0", as CSV and sheet rows under a header are read): a header adds nothing."""
    named = [cell for cell in cells(unit) if cell]
    return bool(named) and 2 * sum(": " in cell for cell in named) >= len(named)


def wants_header(unit: str) -> bool:
    """Whether a table's line is a row some header would explain (`explains`)."""
    return has_figures(unit) or _unnamed_values(unit)


def explains(header: str, unit: str) -> bool:
    """Whether `header` explains the table row `unit`: a header of years explains a row
    of figures; one of column names a row of values in two or more cells that do not name
    their columns themselves (`labelled`)."""
    return has_figures(unit) if is_year_header(header) else _unnamed_values(unit)


def _unnamed_values(unit: str) -> bool:
    return " | " in unit and not labelled(unit) and states_values(unit)
