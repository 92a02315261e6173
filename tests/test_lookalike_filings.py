"""Issue 25, "chunks that know where they are": every chunk carries what its document's
first pages say it is about (ingest/subject.py), so "Acme's FY2019 net income" reaches
Acme's 2019 filing and not its 2020 sibling, whose pages hold the same words."""

from __future__ import annotations

import pytest

from localqa.builder import Builder
from localqa.config import Settings
from localqa.embedding.embedder import Embedder
from localqa.ingest.subject import DocumentFacts, document_facts, with_facts
from tests.conftest import ingest_paths
from tests.support.filings import FilingQuestion, write_filings

COVER = """FORM 10-K
ANNUAL REPORT PURSUANT TO SECTION 13 OR 15(d) OF THE SECURITIES EXCHANGE ACT OF 1934
For the fiscal year ended
December 31, 2018
Commission file number 1-3285
3M COMPANY
(Exact name of registrant as specified in its charter)"""


def test_a_10k_cover_gives_its_registrant_and_fiscal_year() -> None:
    assert document_facts(COVER) == DocumentFacts("3M COMPANY", "fiscal year 2018 FY2018")


def test_a_quarterly_report_gives_its_quarter() -> None:
    facts = document_facts(
        "FORM 10-Q\nFor the quarterly period ended June 30, 2023\nAcme Widgets, Inc."
    )
    assert facts == DocumentFacts("Acme Widgets, Inc.", "quarter ended June 30, 2023 FY2023")


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        ("Northwind Traders Ltd\nEmployee handbook", DocumentFacts("Northwind Traders Ltd", "")),
        ("The Company\nWe make widgets in Ohio.", DocumentFacts()),
        ("Remote-work memo\nStaff may work from home two days a week.", DocumentFacts()),
        ("Annual Report 2021\nA letter to shareholders.", DocumentFacts("", "2021 FY2021")),
        (
            "华为投资控股有限公司\n2022年年度报告",
            DocumentFacts("华为投资控股有限公司", "2022 FY2022"),
        ),
    ],
)
def test_facts_are_stated_ones_or_none(text: str, facts: DocumentFacts) -> None:
    assert document_facts(text) == facts


def test_facts_go_first_and_are_not_repeated() -> None:
    facts = DocumentFacts("Acme Widgets Corporation", "fiscal year 2019 FY2019")
    assert with_facts("0001000-20-000009", facts) == (
        "Acme Widgets Corporation · fiscal year 2019 FY2019 · 0001000-20-000009"
    )
    assert with_facts("Acme Widgets Corporation annual report", facts) == (
        "fiscal year 2019 FY2019 · Acme Widgets Corporation annual report"
    )
    assert with_facts("Handbook", DocumentFacts()) == "Handbook"


@pytest.fixture(scope="module")
def filings(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> tuple[Builder, list[FilingQuestion]]:
    folder = tmp_path_factory.mktemp("filings")
    questions = write_filings(folder, companies=3, years=(2018, 2019, 2020))
    settings = Settings(home=tmp_path_factory.mktemp("home"))
    report = ingest_paths(settings, embedder, folder)
    assert len(report.added) == 9, report.summary_lines()
    return Builder(settings), questions


def test_company_and_year_reach_the_right_sibling(
    filings: tuple[Builder, list[FilingQuestion]],
) -> None:
    builder, questions = filings
    with builder.existing_index() as index:
        retriever = builder.retriever(index)
        missed = []
        for q in questions:
            top = [(r.chunk.source, r.chunk.page) for r in retriever.search(q.question).results[:5]]
            if (q.source, q.page) not in top:
                missed.append((q.question, q.source, top))
    assert not missed, missed


def test_what_the_model_sees_is_the_page_not_the_facts(
    filings: tuple[Builder, list[FilingQuestion]],
) -> None:
    builder, questions = filings
    q = questions[0]
    with builder.existing_index() as index:
        best = builder.retriever(index).search(q.question).results[0].chunk
    assert "FY2018" in best.embedding_text()
    assert "FY2018" not in best.text and q.figure in best.text
