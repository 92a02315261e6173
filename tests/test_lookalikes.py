"""Many look-alike documents: five invented companies' annual reports for three years, the
same wording with other figures. A question naming the company and the year must be
answered from that report, not from its neighbours."""

from __future__ import annotations

import pytest

from localqa.builder import Builder
from localqa.config import Settings, load_settings
from localqa.embedding.embedder import Embedder
from tests.conftest import ingest_paths

COMPANIES = (
    "Fjordline Shipping",
    "Kvitfjell Timber",
    "Solbakken Dairy",
    "Nordvik Robotics",
    "Havbris Energy",
)
YEARS = (2021, 2022, 2023)


def revenue(company: int, year: int) -> int:
    return 100 + 37 * company + 11 * (year - 2020)


def report(company: str, index: int, year: int) -> str:
    return (
        f"{company} annual report {year}\n\n"
        f"In {year} {company} had revenue of NOK {revenue(index, year)} million. "
        f"The board proposes a dividend of NOK {index + year - 2019} per share. "
        f"Headcount at year end was {40 + 9 * index + 3 * (year - 2020)} employees.\n\n"
        "Outlook: the company expects demand to stay stable and will keep investing in "
        "efficiency, safety and training across all sites.\n"
    )


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Settings:
    folder = tmp_path_factory.mktemp("reports")
    for i, company in enumerate(COMPANIES):
        for year in YEARS:
            name = f"{company.lower().replace(' ', '-')}-annual-report-{year}.txt"
            (folder / name).write_text(report(company, i, year), encoding="utf-8")
    settings = load_settings(environ={"LOCALQA_HOME": str(folder / "home")})
    assert ingest_paths(settings, embedder, folder).failed == []
    return settings


def test_a_question_naming_company_and_year_reaches_that_report(reports: Settings) -> None:
    builder = Builder(reports)
    index = builder.existing_index()
    answerer = builder.answerer(index)
    wrong = []
    try:
        for i, company in enumerate(COMPANIES):
            for year in YEARS:
                answer = answerer.ask(f"What was {company}'s revenue in {year}?")
                first = answer.citations[0] if answer.citations else None
                expected = f"NOK {revenue(i, year)} million"
                if (
                    first is None
                    or f"{year}" not in first.chunk.source
                    or expected not in (first.quote)
                ):
                    wrong.append((company, year, first.chunk.source if first else None))
    finally:
        index.close()
    assert wrong == []
