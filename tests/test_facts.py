"""A support check that knows facts (issue 25): numbers in every form, negation and
antonyms, and the asked-for fact. The seen cases are the real models' answers over the
real documents (the US Constitution, the 2022 State of the Union), checked with the real
MiniLM as `ask` checks them."""

from __future__ import annotations

import pytest

from localqa.answering.asked import asked_kind, gives, states_unit, unit_asked
from localqa.answering.citations import SentenceCheck, SupportChecker, check_answer
from localqa.answering.facts import (
    evidence_facts,
    facts_of,
    share_held,
    spelt_as_digits,
)
from localqa.answering.polarity import contradicts
from localqa.answering.relevance import why_quotes
from localqa.embedding.embedder import Embedder
from localqa.schema import Chunk

# Passages as the two documents' loaders give them (constitution.pdf, state_of_the_union.txt).
HOUSE = (
    "No Person shall be a Representative who shall not have attained to the Age of twenty "
    "five Years, and been seven Years a Citizen of the United States, and who shall not, "
    "when elected, be an Inhabitant of that State in which he shall be chosen."
)
SENATE = (
    "SECTION. 3\nThe Senate of the United States shall be composed of two Senators from "
    "each State, [chosen by the Legislature thereof,]* for six Years; and each Senator "
    "shall have one Vote."
)
CENSUS = (
    "The actual Enumeration shall be made within three Years after the first Meeting of the "
    "Congress of the United States, and within every subsequent Term of ten Years, in such "
    "Manner as they shall by Law direct."
)
SLAVERY = (
    "Amendment XIII. Passed by Congress January 31, 1865. Ratified December 6, \n1865.\n"
    "(Note: A portion of Article IV, Section 2 of the Constitution\nwas changed by the 13th "
    "Amendment.)\nSECTION 1\nNeither slavery nor involuntary servitude, except as a "
    "punishment for crime whereof the party shall have been duly convicted, shall exist "
    "within the United States."
)
INTEL = (
    "This is where Intel, the American company that helped build Silicon Valley, is going "
    "to build its $20 billion semiconductor \u201cmega site\u201d."
)
NOMINEE = (
    "One of the most serious constitutional responsibilities a President has is nominating "
    "someone to serve on the United States Supreme Court. \n\nAnd I did that 4 days ago, "
    "when I nominated Circuit Court of Appeals Judge Ketanji Brown Jackson. One of our "
    "nation\u2019s top legal minds, who will continue Justice Breyer\u2019s legacy of excellence."
)


def chunk(text: str, name: str = "doc.txt") -> Chunk:
    return Chunk("id-" + name, text, name, f"/docs/{name}", 1, 1, 2, 0, len(text), "d")


@pytest.fixture(scope="module")
def checker(embedder: Embedder) -> SupportChecker:
    return SupportChecker(embedder)


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("twenty five Years", 25),
        ("thirty-five", 35),
        ("eighteen years", 18),
        ("the thirteenth Amendment", 13),
        ("Amendment XIII", 13),
        ("Article I", 1),
        ("十五天", 15),
        ("一九八七年", 1987),
        ("$20 billion", 20e9),
        ("twenty billion dollars", 20e9),
        ("1,150", 1150),
        ("the 13th", 13),
    ],
)
def test_numbers_in_every_form_are_values(written: str, value: float) -> None:
    assert value in facts_of(written, threshold=0.0).numbers
    assert value in evidence_facts(written).numbers


def test_a_claims_small_number_words_are_no_facts_but_the_evidences_are() -> None:
    assert not facts_of("It is one of the oldest rules.").numbers
    assert share_held(facts_of("Each State has 2 Senators."), evidence_facts(SENATE)) == 1
    assert spelt_as_digits("six Years") == "6 Years"


def test_scale_and_plural_and_possessive_do_not_hide_a_fact() -> None:
    assert share_held(facts_of("It invests $20 billion."), evidence_facts(INTEL)) == 1
    assert share_held(facts_of("It invests $20 million."), evidence_facts(INTEL)) < 1
    assert share_held(facts_of("A Senator's term is 6 years."), evidence_facts(SENATE)) == 1


BROADCASTS = (
    "Some broadcasts are free-to-air and unencrypted, some are encrypted but do not require a "
    "monthly subscription, some are encrypted and require a monthly subscription."
)


@pytest.mark.parametrize(
    ("claim", "evidence", "against"),
    [
        ("Alcohol is reimbursed on trips.", "Alcohol is not reimbursed on trips.", True),
        ("Alcohol isn't reimbursed on trips.", "Alcohol is reimbursed on trips.", True),
        ("Smoking is allowed in the office.", "Smoking is prohibited in the office.", True),
        ("The maximum age is 25.", "The minimum age is 25.", True),
        ("Alcohol is not reimbursed.", "Alcohol is never reimbursed.", False),
        ("出差期间酒精可以报销。", "出差期间酒精不可以报销。", True),
        ("出差期间酒精不可以报销。", "出差期间酒精可以报销。", True),
        ("公司允许在家办公。", "公司禁止在家办公。", True),
        ("每晚住宿费不超过900元。", "住宿费按实际发生金额报销，但每晚不得超过900元。", False),
        ("每日餐补为300元。", "在中国出差期间，每日餐补标准为300元人民币。", False),
        ("这项规定非常重要。", "这项规定很重要。", False),  # 非常: "very"
        ("The minimum age of a Representative is 25 years.", HOUSE, False),
        ("Slavery shall not exist in the United States.", SLAVERY, False),
        # the evidence negates "require" once and states it once (Gemma-3-270M, SQuAD)
        ("Some broadcasts require a monthly subscription.", BROADCASTS, False),
        ("Alcohol is reimbursed.", "Alcohol is not reimbursed, and taxis are not.", True),
    ],
)
def test_negation_and_antonyms_contradict(claim: str, evidence: str, against: bool) -> None:
    assert contradicts(claim, evidence) is against


def test_a_negated_claim_is_not_supported(checker: SupportChecker) -> None:
    sources = [chunk("Meals are paid. Alcohol is not reimbursed on business trips.")]
    [claim], _ = check_answer("Alcohol is reimbursed on business trips.", sources, checker)
    assert not claim.supported
    [claim], _ = check_answer("Alcohol is not reimbursed on business trips.", sources, checker)
    assert claim.supported


LEAVE = (
    "Parental leave is 18 weeks at full pay for every employee. "
    "It may be taken in up to three blocks before the child turns two."
)

# The seen cases: (question, passage, answer as the model wrote it, supported).
SEEN = [
    # SmolLM2 over sample_docs: the passage says "three", but of blocks, not weeks
    ("How many weeks of parental leave do employees get?", LEAVE, "The answer is: 3", False),
    ("How many weeks of parental leave do employees get?", LEAVE, "Employees get 3 weeks.", False),
    ("How many weeks of parental leave do employees get?", LEAVE, "Eighteen weeks.", True),
    # Gemma: shown as supported (0.50) over "twenty five Years"
    (
        "What is the minimum age to be a Representative?",
        HOUSE,
        "The minimum age to be a Representative is eighteen years of age or older.",
        False,
    ),
    (
        "What is the minimum age to be a Representative?",
        HOUSE,
        "The minimum age to be a Representative is twenty-five years.",
        True,
    ),
    # flagged although the sources state them
    ("How much is Intel investing in its Ohio mega site?", INTEL, "$20 billion.", True),
    ("How long is a Senator's term?", SENATE, "6 years.", True),
    # Gemma, over the census clause: the number is there, but not about a Senator
    ("How long is a Senator's term?", CENSUS, "10 years.", False),
    ("Which amendment abolished slavery?", SLAVERY, "the 13th Amendment", True),
    (
        "Who did the President nominate to the Supreme Court?",
        NOMINEE,
        "Ketanji Brown Jackson.",
        True,
    ),
]


@pytest.mark.parametrize(("question", "passage", "answer", "supported"), SEEN)
def test_the_seen_cases(
    checker: SupportChecker, question: str, passage: str, answer: str, supported: bool
) -> None:
    checks, _ = check_answer(answer, [chunk(passage)], checker, question)
    assert checks and all(c.supported is supported for c in checks)


def test_an_answer_must_state_the_kind_of_fact_asked_for(checker: SupportChecker) -> None:
    question = "Whose legacy will she continue?"
    assert asked_kind(question) == "person"
    written = "I will continue to fight for justice for all."  # Gemma, shown as supported
    assert not gives("person", written, question)
    checks, _ = check_answer(written, [chunk(NOMINEE)], checker, question)
    # the real check flags it (its words hold too little of the nominee passage since the
    # added-words share is 0.4); were it supported, it still names nobody
    assert why_quotes(checks, [], question) in {"unsupported", "not-answered"}
    supported = [SentenceCheck(written, (), 0.9, True, "She will continue his legacy.")]
    assert why_quotes(supported, [], question) == "not-answered"
    assert gives("person", "She will continue Justice Breyer's legacy.", question)
    assert asked_kind("How long is a Senator's term?") == "number"
    assert gives("number", "Six years.", "How long is a Senator's term?")
    assert not gives("number", "It is long.", "How long is a Senator's term?")
    assert asked_kind("Why is the sky blue?") is None


def test_a_measure_asked_for() -> None:
    assert unit_asked("What is the boiling point of mercury?") == "temperature"
    assert unit_asked("What is the minimum age to be a Senator?") == "age"
    assert states_unit("temperature", "It boils at 356.7 °C.")
    assert states_unit("temperature", "Operating range: -5 to 40 degrees Celsius.")
    assert not states_unit("temperature", "It costs 40 NOK.")
    assert states_unit("age", HOUSE) and not states_unit("age", INTEL)


def test_the_answer_beside_the_best_matching_sentence_stands_alone(
    checker: SupportChecker,
) -> None:
    """The question's words in one sentence, the name it asks for in the next: the quote
    that best matches the question is the first; an answer resting on the second, and
    naming someone the question does not, is no answer "from another sentence"."""
    from localqa.answering.extractive import extract_answer
    from localqa.schema import ScoredChunk

    question = "Who did the President nominate to the Supreme Court?"
    contexts = [ScoredChunk(chunk(NOMINEE), 1.0)]
    extract = extract_answer(question, contexts, checker)
    # the best match first, the sentence naming the nominee after it (answering/continuing.py)
    assert extract.quotes[0].startswith("One of the most serious")
    passages = [NOMINEE]
    checks, _ = check_answer("Ketanji Brown Jackson.", [chunk(NOMINEE)], checker, question)
    assert why_quotes(checks, extract.quotes, question, passages) is None
    # passages unknown: the best quote, continued to the name, says the name the answer
    # gives (relevance.py `says_what_best_says`)
    assert why_quotes(checks, extract.quotes, question) is None
    elsewhere = [SentenceCheck("Ketanji Brown Jackson.", (), 1.0, True, "Jackson spoke.")]
    assert why_quotes(elsewhere, ["The President spoke today."], question) == "off-question"
    # resting on that sentence but naming nobody: not the answer
    checks, _ = check_answer(
        "The President nominated someone 4 days ago.", [chunk(NOMINEE)], checker, question
    )
    assert checks[0].supported
    assert why_quotes(checks, extract.quotes, question, passages) == "not-answered"


def test_a_sentence_about_the_sources_makes_no_claim(checker: SupportChecker) -> None:
    sources = [chunk("The customary law of Normandy was developed between 1000 and 1300.")]
    said = (
        "The source you provided is a reference to the Normans.txt file, which contains the "
        "customary law of Normandy."
    )
    assert check_answer(said, sources, checker, "Where are Jersey and Guernsey")[0] == []
    claim = "Based on the sources, the customary law of Normandy was developed from 1000."
    assert len(check_answer(claim, sources, checker)[0]) == 1


def test_a_clock_time_is_one_value() -> None:
    """A new user saw "The reception hours in Aberdeen are from 08:00 - 16:00." shown as
    supported by "Aberdeen | 08:30 - 17:00": read as 8, 0, 30 and 17, the row held "8" and
    "0". A time is hours.minutes, held only by the same time."""
    row = evidence_facts("Office | Reception hours (local time) | Phone\nAberdeen | 08:30 - 17:00")
    wrong = facts_of("The reception hours in Aberdeen are from 08:00 - 16:00.")
    assert wrong.numbers == {8.0, 16.0}
    assert share_held(wrong, row) < 0.5
    right = facts_of("Reception in Aberdeen is open 8:30 - 17:00.")
    assert share_held(right, row) == 1.0
