"""A collection of look-alike annual filings: several companies, several fiscal years,
each a four-page 10-K-shaped PDF whose pages are word for word those of its siblings
except for the cover and the figures. Only the cover names the company and the year, and
the files are named as EDGAR names them (accession numbers), so neither the file name nor
a page's own words tell the siblings apart: what the document says it is about must.

Used by tests/test_lookalike_filings.py and benchmarks/lookalike_filings.py (issue 25).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from tests.support.pdfs import Placed, placed_pdf

COMPANIES = (
    ("Acme Widgets", "Corporation"),
    ("Borealis Mining", "Inc."),
    ("Cobalt Logistics", "Corporation"),
    ("Delphi Foods", "Company"),
    ("Ember Energy", "Inc."),
    ("Fjord Shipping", "Ltd"),
    ("Granite Software", "Inc."),
    ("Helios Health", "Corporation"),
)
# (line item, statement page): what a question asks for and where it stands.
ITEMS = (
    ("Total revenue", 3),
    ("Net income", 3),
    ("Capital expenditures", 4),
    ("Depreciation and amortization", 4),
)
INCOME = ("Total revenue", "Cost of revenue", "Operating income", "Net income")
CASH = ("Cash from operations", "Capital expenditures", "Depreciation and amortization")
RISKS = (
    "Our business is subject to risks arising from economic conditions, competition,",
    "changes in regulation and the supply of materials. Demand for our products may",
    "fall in a downturn, and our costs may rise faster than our prices. We depend on",
    "a small number of suppliers for some components and on our information systems",
    "for the operation of our business; a failure of either could harm our results.",
)


@dataclass(frozen=True, slots=True)
class FilingQuestion:
    """A "company + year + line item" question, the filing (file name) and page that
    answer it, and the figure the page gives."""

    question: str
    source: str
    page: int
    figure: str


def write_filings(folder: Path, companies: int, years: tuple[int, ...]) -> list[FilingQuestion]:
    """Writes `companies` x `len(years)` filings into `folder`; returns one question per
    line item (`ITEMS`) of each filing."""
    questions = []
    for c, (name, form) in enumerate(COMPANIES[:companies]):
        for year in years:
            source = f"{1000 + 37 * c:010d}-{(year + 1) % 100:02d}-{c * 7 + year % 10:06d}.pdf"
            figures = _figures(name, year)
            (folder / source).write_bytes(placed_pdf(_pages(f"{name} {form}", year, figures), 9))
            questions += [
                FilingQuestion(
                    f"What was {name}'s FY{year} {item.lower()}?", source, page, figures[item][0]
                )
                for item, page in ITEMS
            ]
    return questions


def _figures(name: str, year: int) -> dict[str, tuple[str, str, str]]:
    """Each line's figures for `year` and the two years before, in millions; a company's
    figure for a year is the same in every filing that shows it."""

    def figure(item: str, y: int) -> str:
        return f"{random.Random(f'{name}|{item}|{y}').randint(1_000, 99_999):,}"

    return {
        item: (figure(item, year), figure(item, year - 1), figure(item, year - 2))
        for item in INCOME + CASH
    }


def _pages(
    registrant: str, year: int, figures: dict[str, tuple[str, str, str]]
) -> list[list[Placed]]:
    cover = [
        "UNITED STATES",
        "SECURITIES AND EXCHANGE COMMISSION",
        "Washington, D.C. 20549",
        "FORM 10-K",
        "ANNUAL REPORT PURSUANT TO SECTION 13 OR 15(d) OF THE SECURITIES EXCHANGE ACT OF 1934",
        f"For the fiscal year ended December 31, {year}",
        registrant.upper(),
        "(Exact name of registrant as specified in its charter)",
        "Delaware",
    ]
    risks = ["Item 1A. Risk Factors", *RISKS]
    return [
        _lines(cover),
        _lines(risks),
        _statement("CONSOLIDATED STATEMENTS OF INCOME", INCOME, year, figures),
        _statement("CONSOLIDATED STATEMENTS OF CASH FLOWS", CASH, year, figures),
    ]


def _lines(lines: list[str], top: float = 720) -> list[Placed]:
    return [(72, top - 16 * i, line) for i, line in enumerate(lines)]


def _statement(
    heading: str, items: tuple[str, ...], year: int, figures: dict[str, tuple[str, str, str]]
) -> list[Placed]:
    """A statement table: a heading, the years as column headers, a row a line item."""
    placed = _lines([heading, "(in millions)"])
    columns = (330, 410, 490)
    placed += [(72, 680, "Year ended December 31")]
    placed += [(x, 680, str(year - k)) for k, x in enumerate(columns)]
    for row, item in enumerate(items):
        y = 660 - 16 * row
        placed += [(72, y, item)] + [(x, y, figures[item][k]) for k, x in enumerate(columns)]
    return placed
