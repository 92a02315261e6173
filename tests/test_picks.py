"""A supported claim that may not pick out what its question asks for (picks.py, issue 25).

The cases are the wrong answers SmolLM2-135M and Gemma-3-270M gave on the labelled set's
development half (tests/data/labelled_answers.json; SQuAD 2.0 dev, CC BY-SA 4.0) that the
support check showed as supported, and right answers of the same shapes that must stay."""

from __future__ import annotations

import pytest

from localqa.answering.citations import SentenceCheck, SupportChecker, check_answer
from localqa.answering.extractive import extract_answer
from localqa.answering.picks import (
    adds_one_word,
    cut_name,
    names_the_asked,
    one_of_list,
    unnamed,
)
from localqa.answering.relevance import why_quotes
from localqa.embedding.embedder import Embedder
from tests.support.contexts import context

TASK = "What is the term for a task that generally lends itself to being solved by a computer?"
CHURCH = (
    "Private fee-paying schools include parish schools run by the Roman Catholic Church and "
    "independent schools similar to British public schools."
)
CYCLE = (
    "Uniflow engines attempt to remedy the difficulties arising from the usual counterflow "
    "cycle where, during each stroke, the port and the cylinder walls will be cooled."
)
THEOREMS = (
    "For time and space requirements, the answer to such questions is given by the time "
    "and space hierarchy theorems respectively."
)
THEOREMS_ASKED = (
    "What theorems are responsible for determining questions of time and space requirements?"
)
DISTRICTS = (
    "Central business districts (CBD) include Downtown Los Angeles, Downtown San Diego, "
    "Downtown San Bernardino, Downtown Bakersfield, South Coast Metro and Downtown Riverside."
)


def test_one_common_word_added_to_the_question() -> None:
    said = "The term for a task that generally lends itself to being solved by a computer"
    assert adds_one_word(f"{said} is a problem.", TASK)
    assert adds_one_word(f"The answer is: {said} is a problem.", TASK)  # preamble aside
    assert not adds_one_word(f"{said} is a computational problem.", TASK)  # two words
    assert not adds_one_word("The atomic number of oxygen is 8.", "What is the atomic number?")
    assert not adds_one_word("VideoGuard.", "What is the name of the scrambling system?")
    # one word is what "what kind of" asks for
    kind = "What kind of graph is an example of an input used in a decision problem?"
    assert not adds_one_word("The input is an arbitrary graph.", kind)
    # a CJK answer's one bigram may be a whole name
    assert not adds_one_word("海韵。", "和中国客户的合同由哪家公司翻译？")


def test_a_name_cut_short() -> None:
    question = "What church runs some private schools in Victoria?"
    assert cut_name("The Catholic Church runs some private schools in Victoria.", CHURCH, question)
    assert not cut_name("The Roman Catholic Church runs them.", CHURCH, question)
    # the rest of the name is the question's: "Victoria" is asked about
    evidence = "Public schools are run by the Victoria Department of Education."
    assert not cut_name("The Department of Education.", evidence, "Who runs schools in Victoria?")
    assert not cut_name("Schools are private.", CHURCH, question)  # no name given
    # a title is no part of a person's name
    nominee = "I nominated Circuit Court of Appeals Judge Ketanji Brown Jackson."
    asked = "Who did the President nominate to the Supreme Court?"
    assert not cut_name("Ketanji Brown Jackson.", nominee, asked)
    assert cut_name("Brown Jackson.", nominee, asked)


def test_the_asked_noun_as_the_evidence_names_it() -> None:
    question = "The uniflow engine is an attempt to fix an issue that arises in what cycle?"
    wrong = "It arises in the cycle of a reciprocating steam engine."
    assert unnamed(wrong, CYCLE, question)
    assert not unnamed("It arises in the counterflow cycle.", CYCLE, question)
    assert not unnamed(wrong, CYCLE, "What is the uniflow engine?")  # asks for no noun
    # the evidence says no more than "the cycle": nothing to name
    assert not unnamed(wrong, "It improves the cycle.", question)


def test_one_name_of_a_list() -> None:
    assert one_of_list("Downtown Los Angeles.", DISTRICTS)
    assert one_of_list("The answer is: Downtown San Diego.", DISTRICTS)
    assert not one_of_list("Downtown Los Angeles is the largest of them all.", DISTRICTS)
    one = "In 1698 Thomas Savery patented a steam pump."
    assert not one_of_list("Thomas Savery", one)  # the only name there


def test_one_word_that_names_the_asked_noun_as_the_evidence_does() -> None:
    """Gemma-3-270M's "The time and space hierarchy theorems." (labelled set, development
    half) adds one word to its question, the word that says which theorems."""
    claim = "The time and space hierarchy theorems."
    assert adds_one_word(claim, THEOREMS_ASKED)
    assert names_the_asked(claim, THEOREMS, THEOREMS_ASKED)
    on = SentenceCheck(claim, (), 1.0, True, THEOREMS)
    assert why_quotes([on], [THEOREMS], THEOREMS_ASKED) is None
    # the word elsewhere than before the asked noun, in the claim or the evidence: thin
    assert not names_the_asked("The theorems of hierarchy.", THEOREMS, THEOREMS_ASKED)
    elsewhere = "Hierarchy gives the answer for time and space theorems."
    assert not names_the_asked(claim, elsewhere, THEOREMS_ASKED)
    wrong = SentenceCheck(claim, (), 1.0, True, elsewhere)
    assert why_quotes([wrong], [elsewhere], THEOREMS_ASKED) == "thin"
    # a question that names no noun ("What is the term ...") leaves the one word thin
    task = "The term for a task that generally lends itself to being solved by a computer"
    assert not names_the_asked(f"{task} is a problem.", "A computational problem ...", TASK)


@pytest.fixture(scope="module")
def checker(embedder: Embedder) -> SupportChecker:
    return SupportChecker(embedder)


@pytest.mark.parametrize(
    ("question", "passage", "answer", "reason"),
    [
        (
            "What church runs some private schools in Victoria?",
            CHURCH,
            "The Catholic Church runs some private schools in Victoria.",
            "not-named",
        ),
        (
            "What church runs some private schools in Victoria?",
            CHURCH,
            "The Roman Catholic Church runs some private schools in Victoria.",
            None,
        ),
        (THEOREMS_ASKED, THEOREMS, "The time and space hierarchy theorems.", None),
        (
            'What is the only district in the CBD to not have "downtown" in its name?',
            DISTRICTS,
            "Downtown Los Angeles.",
            "one-of-list",
        ),
    ],
)
def test_with_the_real_checker(
    checker: SupportChecker, question: str, passage: str, answer: str, reason: str | None
) -> None:
    sources = [context("a", passage)]
    extract = extract_answer(question, sources, checker)
    checks, _ = check_answer(answer, [s.chunk for s in sources], checker, question)
    assert checks and all(c.supported for c in checks)  # the sources do say it
    assert why_quotes(checks, extract.quotes, question) == reason


def test_a_name_the_evidence_also_gives_alone_is_not_cut_short() -> None:
    """Gemma-3-270M repeated its evidence word for word (labelled set, development half);
    "Irvine" is part of "West Irvine" there, but the evidence gives it alone too."""
    evidence = (
        "Orange County is a rapidly developing business center that includes Downtown Santa "
        "Ana, the South Coast Metro and Newport Center districts; as well as the Irvine "
        "business centers of The Irvine Spectrum, West Irvine, and international corporations "
        "headquartered at the University of California, Irvine"
    )
    question = (
        "What other business district does Orange County envelop outside of Downtown Santa "
        "Ana and Newport Center?"
    )
    assert not cut_name(evidence, evidence, question)
    # given only as part of the longer name, it is still cut short
    assert cut_name("The Irvine Spectrum and Irvine.", "Irvine Spectrum and West Irvine.", question)
