"""An answer to a "how many" or "when" question gives the value its question points to.

The cases are the labelled set's (tests/data/labelled_answers.json; SQuAD 2.0 dev, CC BY-SA
4.0): SmolLM2-135M and Gemma-3-270M answers that the support check passed because their
evidence sentence states their number, beside another one (docs/BENCHMARKS-LOG.md, "Issue
25: the value the question points to")."""

from __future__ import annotations

import pytest

from localqa.answering.asked import asked_kind, unit_asked
from localqa.answering.citations import SentenceCheck
from localqa.answering.clauses import gives_other_value
from localqa.answering.relevance import other_value, why_quotes

BOGONG = (
    "Victoria contains many diverse areas, ranging from the wet, temperate climate of "
    "Gippsland in the southeast to the snow-covered Victorian alpine areas which rise to "
    "almost 2,000 m (6,600 ft), with Mount Bogong the highest peak at 1,986 m (6,516 ft)."
)
PAPERS = (
    "Earlier papers include John Myhill's definition of linear bounded automata (Myhill "
    "1960), Raymond Smullyan's study of rudimentary sets (1961), as well as Hisao Yamada's "
    "paper on real-time computations (1962)."
)
CHIVAS = (
    "However, Chivas were suspended following the 2014 MLS season, with a second MLS team "
    "scheduled to return in 2018."
)


def check(sentence: str, evidence: str) -> SentenceCheck:
    return SentenceCheck(sentence, (), 0.9, True, evidence)


@pytest.mark.parametrize(
    ("answer", "evidence", "question"),
    [
        (
            "Mount Bogong is 2,000 m (6,600 ft) high.",
            BOGONG,
            "How high is Victoria's Mount Bogong?",
        ),
        ("1962.", PAPERS, "In what year did Raymond Sullivan publish a study of rudimentary sets?"),
        ("The 2014 season.", CHIVAS, "When is the suspended team scheduled to return?"),
        (  # the figure of the sentence after the one it rests on
            "The number of customers the BBC reported was 4,222,000.",
            "Finally, the BBC reported that 17,000 customers had yet to receive the service.",
            "What was the number of customers that the BBC reported had yet to receive it?",
        ),
    ],
)
def test_another_clauses_value_does_not_stand_alone(
    answer: str, evidence: str, question: str
) -> None:
    assert other_value(answer, evidence, question)
    assert why_quotes([check(answer, evidence)], [evidence], question) == "other-value"


@pytest.mark.parametrize(
    ("answer", "evidence", "question"),
    [
        ("It is 1,986 m high.", BOGONG, "How high is Victoria's Mount Bogong?"),
        ("1961.", PAPERS, "In what year did Raymond Sullivan publish a study of rudimentary sets?"),
        ("In 2018.", CHIVAS, "When is the suspended team scheduled to return?"),
        (  # "1,000" is one number, not two clauses
            "1,000.",
            "Conditions on the gold fields were cramped and unsanitary; an outbreak of typhoid "
            "at Buckland Valley in 1854 killed over 1,000 miners.",
            "How many miners died in the typhoid outbreak of 1854?",
        ),
        (  # a bracket stays with its clause: "(18 km)" restates the miles
            "11 miles (18 km) south of San Jose.",
            "California's north-south midway point lies at exactly 37° 9' 58.23\" latitude, "
            "around 11 miles (18 km) south of San Jose.",
            "How many miles south of San Jose is the north - south midway point located?",
        ),
        (  # the question's own numbers point nowhere
            "17%",
            "During 2003\u201304, the gross value of Victorian agricultural production increased "
            "by 17% to $8.7 billion.",
            "What percentage was the increase of agricultural products in 2003-04?",
        ),
        (  # one word more is no margin ("engine" is in every sentence of the article)
            "1851",
            "Early versions were in use by 1851, but the most successful indicator was "
            "developed for the high speed engine inventor Charles Porter in 1862.",
            "What year saw the earliest recorded use of the steam engine indicator?",
        ),
    ],
)
def test_the_value_pointed_to_stands(answer: str, evidence: str, question: str) -> None:
    assert not other_value(answer, evidence, question)


def test_a_figure_beside_evidence_that_states_none_is_joined() -> None:
    """A claim may join two sentences: when its evidence states no number of its own
    ("no one invention since Watt's time ..."), the figure beside it may be the answer."""
    evidence = 'The committee said that "no one invention since Watt\'s time has so enhanced it".'
    question = "How much less steam did the Corliss engine use compared to the Watt engine?"
    assert not other_value("The Corliss engine used 30% less steam.", evidence, question)


def test_values_need_a_clause_the_question_points_to() -> None:
    assert not gives_other_value(frozenset({5.0}), "It cost 5 dollars and 7 cents.", "How much?")


def test_a_percentage_asked_needs_a_percentage() -> None:
    question = "What was the target percentage of households BSkyB wanted to reach?"
    assert asked_kind(question) == "number"
    assert unit_asked(question) == "percentage"
    evidence = "Since the target was announced, an additional 2.4m customers had subscribed."
    answer = "The target percentage of households BSkyB wanted to reach was 2.4m."
    assert why_quotes([check(answer, evidence)], [evidence], question) == "not-answered"
    assert unit_asked("Which company has the largest percentage of its staff abroad?") is None


def test_a_neighbours_time_does_not_answer_when_the_best_match_states_one() -> None:
    """The leeway for the answer in the sentence beside the best match (relevance.py
    `rests_on_best`) is for a best match that states no time or number of its own."""
    question = "When will Tidemark 5 be generally available?"
    best = "General availability: 3 March 2026"
    passages = [f"Pilot units to six customers: 14 October 2025\n{best}"]
    answer = check("14 October 2025", "Pilot units to six customers: 14 October 2025")
    assert why_quotes([answer], [best], question, passages) == "off-question"
    assert why_quotes([check("3 March 2026", best)], [best], question, passages) is None
