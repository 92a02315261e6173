"""The support check on real sentences and the real MiniLM: what a source says passes;
a claim with a changed number or name, or one the source never makes, fails."""

from __future__ import annotations

import pytest

from localqa.answering.citations import (
    LEXICAL_SUPPORTED,
    SupportChecker,
    check_answer,
    held_back,
)
from localqa.answering.facts import facts_of
from localqa.embedding.embedder import Embedder
from localqa.schema import Chunk

LEAVE = (
    "Parental leave is 18 weeks at full pay for every employee. "
    "It may be taken in up to three blocks before the child turns two."
)
RELEASE = "The release manager for version 4.2 is Jonas Aasen. Code freeze is on 14 March."
PAY = "Salary is paid on the 20th of each month. Payslips are available in the HR portal."


def chunk(text: str, name: str = "handbook.txt") -> Chunk:
    return Chunk("id-" + name, text, name, f"/docs/{name}", 1, 1, 2, 0, len(text), "d")


@pytest.fixture(scope="module")
def checker(embedder: Embedder) -> SupportChecker:
    return SupportChecker(embedder)


def support(checker: SupportChecker, claim: str, source: str) -> float:
    return checker.best_evidence(claim, chunk(source))[1]


@pytest.mark.parametrize(
    ("claim", "source"),
    [
        ("Employees get 18 weeks of parental leave at full pay.", LEAVE),
        ("Parental leave can be split into up to three blocks.", LEAVE),
        ("Jonas Aasen is the release manager for version 4.2.", RELEASE),
        ("Salaries are paid on the 20th of every month.", PAY),
        ("Payslips can be found in the HR portal.", PAY),
    ],
)
def test_what_the_source_says_is_supported(
    checker: SupportChecker, claim: str, source: str
) -> None:
    assert support(checker, claim, source) >= LEXICAL_SUPPORTED


@pytest.mark.parametrize(
    ("claim", "source"),
    [
        ("Employees get 27 weeks of parental leave at full pay.", LEAVE),  # number
        ("Parental leave is 18 months at full pay for every employee.", LEAVE),  # unit word
        ("Maria Lund is the release manager for version 4.2.", RELEASE),  # name
        ("Jonas Aasen is the release manager for version 5.0.", RELEASE),  # version
        ("Salary is paid on the 25th of each month.", PAY),  # day
        ("The company pays for a yearly ski trip to Norway.", PAY),  # never said
    ],
)
def test_a_changed_fact_or_an_invented_one_is_not(
    checker: SupportChecker, claim: str, source: str
) -> None:
    assert support(checker, claim, source) < LEXICAL_SUPPORTED


def test_stated_facts_are_numbers_their_units_and_names() -> None:
    facts = facts_of("Jonas Aasen ships 4.2 on 14 March with the GPU build.")
    assert facts.numbers == {4.2, 14.0} and facts.words == {"aasen", "march", "gpu"}
    facts = facts_of("Employees may take 18 weeks of leave.")
    assert facts.numbers == {18.0} and facts.words == {"week"}
    assert not facts_of("Employees may take leave.")


def test_a_source_lacking_a_fact_caps_the_score_below_the_threshold() -> None:
    claim = "Leave is 18 weeks."
    assert held_back(0.9, facts_of(claim), claim, "Leave is 18 weeks.") == 0.9
    assert held_back(0.9, facts_of(claim), claim, "Leave is 27 weeks.") < LEXICAL_SUPPORTED
    assert held_back(0.9, facts_of("18"), "18", "Leave is 27 weeks.") == 0.0


def test_check_answer_judges_each_sentence_against_what_it_cites(checker: SupportChecker) -> None:
    sources = [chunk(LEAVE, "leave.txt"), chunk(PAY, "pay.txt")]
    text = (
        "Parental leave is 18 weeks at full pay [1]. "
        "Salary is paid on the 20th of each month [2]. "
        "Every employee also gets a company car after 3 years [1]."
    )
    checks, citations = check_answer(text, sources, checker)
    assert [c.supported for c in checks] == [True, True, False]
    assert [c.cited for c in checks] == [(1,), (2,), (1,)]
    assert citations[0].quote.startswith("Parental leave is 18 weeks")
    assert citations[1].quote == "Salary is paid on the 20th of each month."
    # a true sentence cited to the wrong source is not supported by what it cites
    checks, _ = check_answer("Salary is paid on the 20th of each month [1].", sources, checker)
    assert [c.supported for c in checks] == [False]


def test_a_list_items_number_is_not_a_fact_it_states(checker: SupportChecker) -> None:
    # SmolLM2's "1. The alcohol is not reimbursed." was held back for lacking a "1"
    sources = [chunk("## 1. Scope\nMeals are paid.\nAlcohol is not reimbursed.", "travel.md")]
    [item], _ = check_answer("1. The alcohol is not reimbursed.", sources, checker)
    assert item.supported and item.evidence == "Alcohol is not reimbursed."
    assert item.sentence == "1. The alcohol is not reimbursed."  # shown as written
    [wrong], _ = check_answer("2. Alcohol is reimbursed up to 12 euros.", sources, checker)
    assert not wrong.supported


def test_a_short_answer_is_checked_with_its_question(checker: SupportChecker) -> None:
    sources = [chunk(LEAVE, "leave.txt")]
    question = "How many weeks of parental leave do employees get?"
    [right], citations = check_answer("18 weeks.", sources, checker, question)
    assert right.supported and right.sentence == "18 weeks." and citations[0].number == 1
    [wrong], _ = check_answer("27 weeks.", sources, checker, question)
    assert not wrong.supported
    assert check_answer("Yes.", sources, checker, question)[0] == []  # states nothing
    assert check_answer("18 weeks.", sources, checker)[0] == []  # no question: unchecked
