"""Answer relevance: a generated answer stands alone only when it answers the question.

The cases are after SmolLM2-135M's on the SQuAD 2.0 sample (docs/BENCHMARKS-LOG.md): something
the sources say that is not what was asked, and the question repeated as its answer. They
are checked with the real MiniLM, as `ask` checks them."""

from __future__ import annotations

import pytest

from localqa.answering.citations import SentenceCheck, SupportChecker, check_answer
from localqa.answering.extractive import extract_answer
from localqa.answering.relevance import QUOTES_BECAUSE, SHORT_REASON, restates, why_quotes
from localqa.embedding.embedder import Embedder
from tests.support.contexts import context

# After SQuAD 2.0 dev's "Rhine" (CC BY-SA 4.0); more sentences match the question than the
# extractive answer quotes, and the last matches none of its words.
RHINE = (
    "The Rhine is the longest river in Germany. Its longest tributary in Germany is the Main. "
    "The river is at its widest between Basel and Bingen in the country's south. "
    "Barges carry coal and grain along the river from Rotterdam to Basel."
)


def check(sentence: str, supported: bool = True, evidence: str = "") -> SentenceCheck:
    return SentenceCheck(sentence, (), 0.9 if supported else 0.1, supported, evidence)


def test_each_reason_from_the_checks() -> None:
    question = "When was King George's war?"
    quotes = ["King George's War was fought from 1744 to 1748.", "Louisbourg fell in 1745."]
    on = check("It was fought from 1744 to 1748.", evidence=quotes[0])
    elsewhere = check("The answer is 1763.", evidence="The treaty was signed in 1763.")
    assert why_quotes([on], quotes, question) is None
    assert why_quotes([], quotes, question) == "no-claim"
    assert why_quotes([check("It was 1750.", False)], quotes, question) == "unsupported"
    assert why_quotes([on, check("It was 1750.", False)], quotes, question) == (
        "partly-unsupported"
    )
    assert (
        why_quotes([check("When was King George's war?", evidence=quotes[0])], quotes, question)
        == "echo"
    )
    assert why_quotes([elsewhere, on], quotes, question) == "off-question"
    assert why_quotes([on, elsewhere], quotes, question) is None  # detail after the answer
    second = check("Louisbourg fell in 1745.", evidence=quotes[1])
    assert why_quotes([second], quotes, question) == "off-question"  # not the best match
    assert why_quotes([elsewhere], [], question) is None  # nothing quoted to rest on
    # whitespace differences between two packings of one sentence do not matter
    spaced = check("It was fought from 1744 to 1748.", evidence=quotes[0].replace(" ", "  "))
    assert why_quotes([spaced], quotes, question) is None


def test_every_reason_has_its_lines() -> None:
    reasons = {"no-claim", "unsupported", "partly-unsupported", "echo", "off-question"}
    reasons |= {"not-answered", "instructions", "thin", "not-named", "one-of-list"}
    reasons |= {"other-value", "other-name", "added-word"}
    assert set(QUOTES_BECAUSE) == set(SHORT_REASON) == reasons
    assert all(line.endswith(":") for line in QUOTES_BECAUSE.values())


def test_restating_is_about_content_words() -> None:
    assert restates(
        "The Rhine is the longest river in what country?",
        "The Rhine is the longest river in what country?",
    )
    assert restates("The longest river, the Rhine.", "What is the longest river, the Rhine?")
    assert not restates(
        "The Rhine is the longest river in Germany.",
        "The Rhine is the longest river in what country?",
    )


@pytest.fixture(scope="module")
def checker(embedder: Embedder) -> SupportChecker:
    return SupportChecker(embedder)


@pytest.mark.parametrize(
    ("question", "passage", "model_text", "reason"),
    [
        (
            "The Rhine is the longest river in what country?",
            RHINE,
            "Barges carry coal and grain along the river to Basel.",
            "off-question",
        ),
        (
            "The Rhine is the longest river in what country?",
            RHINE,
            "The Rhine is the longest river in what country?",
            "echo",
        ),
        (
            "The Rhine is the longest river in what country?",
            RHINE,
            "The Rhine is the longest river in Germany.",
            None,
        ),
    ],
)
def test_real_answers_with_the_real_checker(
    checker: SupportChecker, question: str, passage: str, model_text: str, reason: str | None
) -> None:
    sources = [context("a", passage)]
    extract = extract_answer(question, sources, checker)
    checks, _ = check_answer(model_text, [s.chunk for s in sources], checker, question)
    assert checks and all(c.supported for c in checks)  # grounded: true, but is it an answer?
    assert all(c.evidence in passage for c in checks)
    assert why_quotes(checks, extract.quotes, question) == reason


def test_no_leeway_beside_a_best_match_that_answers_by_itself() -> None:
    """SmolLM2-135M's "The answer is: John Mayow (1641-1679)" to "Who proved that air is
    necessary for combustion?" rested on the sentence beside the best match, which names
    Robert Boyle; it stood alone."""
    passage = (
        "In the late 17th century, Robert Boyle proved that air is necessary for combustion. "
        "English chemist John Mayow (1641-1679) refined this work."
    )
    question = "Who proved that air is necessary for combustion?"
    quotes = ["In the late 17th century, Robert Boyle proved that air is necessary for combustion."]
    beside = check(
        "John Mayow (1641-1679)",
        evidence="English chemist John Mayow (1641-1679) refined this work.",
    )
    assert why_quotes([beside], quotes, question, [passage]) == "off-question"
    # a best match that lacks some of the question's words leaves the leeway (test_facts.py)
    question = "Who proved that air is necessary for burning wood?"
    assert why_quotes([beside], quotes, question, [passage]) is None


def test_an_answer_that_says_what_the_best_match_says_stands_alone() -> None:
    """Two readers agree (issue 25): Gemma-3-270M's "Steam turbines are the most efficient
    type of steam engine." rests on another sentence than the best match, but the word it
    adds to the question ("turbines") is the best match's answer."""
    question = "What type of steam engine produces most electricity in the world today?"
    quotes = ["Today most electric power is provided by steam turbines."]
    evidence = "Steam turbines are generally more efficient than piston engines."
    turbines = check("Steam turbines are the most efficient type of steam engine.", True, evidence)
    assert why_quotes([turbines], quotes, question) is None
    pistons = check("Piston engines are less efficient.", True, evidence)
    assert why_quotes([pistons], quotes, question) == "off-question"
    # a "when" question: the date the claim gives must be the best match's
    question = "When was King George's war?"
    quotes = ["King George's War was fought from 1744 to 1748."]
    later = check("The war ended in 1748.", True, "The treaty of 1748 ended it.")
    assert why_quotes([later], quotes, question) is None
    other = check("The war ended in 1763.", True, "The treaty was signed in 1763.")
    assert why_quotes([other], quotes, question) == "off-question"


# After SQuAD 2.0 dev's "Computational complexity theory" (CC BY-SA 4.0).
TURING = (
    "A Turing machine is a mathematical model of a general computing machine. It is a "
    "theoretical device that manipulates symbols contained on a strip of tape. Turing "
    "machines are not intended as a practical computing technology, but rather as a thought "
    "experiment representing a computing machine."
)
TURING_ASKED = "What does a Turing machine handle on a strip of tape?"


def test_a_lead_in_before_the_best_match_is_no_answer_of_its_own() -> None:
    """SmolLM2-135M and Gemma-3-270M (labelled set, development half) both answered with
    the passage's two sentences in their order, the second the best match that answers:
    the first claim only leads in, and the second is judged as the answer."""
    lead, best = (
        "A Turing machine is a mathematical model of a general computing machine.",
        "It is a theoretical device that manipulates symbols contained on a strip of tape.",
    )
    checks = [check(lead, evidence=lead), check(best, evidence=best)]
    assert why_quotes(checks, [best], TURING_ASKED, [TURING]) is None
    # not neighbours in the passage read, or not in that order: the first claim answers
    assert why_quotes(checks, [best], TURING_ASKED) == "off-question"
    after = f"{best} Some say more. {lead}"
    assert why_quotes(checks, [best], TURING_ASKED, [after]) == "off-question"
    swapped = f"{best} {lead}"  # the lead-in after the best match
    assert why_quotes(checks, [best], TURING_ASKED, [swapped]) == "off-question"
    # the second claim must rest on the best match itself
    third = "Turing machines are not intended as a practical computing technology."
    rest = [check(lead, evidence=lead), check(third, evidence=TURING.split(". ")[2])]
    assert why_quotes(rest, [best], TURING_ASKED, [TURING]) == "off-question"
    # and what the second claim picks is still read (picks.py)
    thin = check("A Turing machine handles data on a strip of tape.", evidence=best)
    assert why_quotes([checks[0], thin], [best], TURING_ASKED, [TURING]) == "thin"


def test_the_lead_in_with_the_real_checker(checker: SupportChecker) -> None:
    """Gemma-3-270M's answer, checked with the real MiniLM over the passage it read."""
    sources = [context("a", TURING)]
    extract = extract_answer(TURING_ASKED, sources, checker)
    answer = (
        "A Turing machine is a mathematical model of a general computing machine. It is a "
        "theoretical device that manipulates symbols contained on a strip of tape."
    )
    checks, _ = check_answer(answer, [s.chunk for s in sources], checker, TURING_ASKED)
    assert [c.supported for c in checks] == [True, True]
    assert extract.quotes[0] == checks[1].evidence  # the second claim rests on the best
    passages = [c.chunk.text for c in extract.citations]
    assert why_quotes(checks, extract.quotes, TURING_ASKED, passages) is None
