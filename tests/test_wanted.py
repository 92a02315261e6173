"""What exactly a question asks for (localqa/answering/wanted.py): the fact, the words that
only ask, headings that say nothing, names no passage holds."""

from __future__ import annotations

from localqa.answering.abstain import abstains
from localqa.answering.citations import Citation
from localqa.answering.extractive import Extract
from localqa.answering.wanted import (
    Wanted,
    asking_words,
    counting,
    gives_wanted,
    says_nothing,
    stem_support,
    unheld_names,
    wanted,
)
from tests.support.contexts import context

HEADCOUNT = "How many employees does the company have?"


def test_the_fact_asked_for() -> None:
    assert wanted("In what year was the company started?") == Wanted("year")
    assert wanted("On which day of the month is salary paid?") == Wanted("day")
    assert wanted(HEADCOUNT) == Wanted("count", ("employees",))
    assert wanted("How many full-time staff work here?") == Wanted("count", ("full-time", "staff"))
    assert wanted("How many of them left?") is None
    assert wanted("How long is parental leave?") is None
    assert asking_words("How many employees, and how long?") == {"many", "long"}


def test_a_count_of_the_noun_asked_for() -> None:
    count = wanted(HEADCOUNT)
    assert count is not None
    assert gives_wanted(count, "Today we employ 214 people.", HEADCOUNT) == 1.0
    assert gives_wanted(count, "We have 1,200 full-time employees.", HEADCOUNT) == 1.0
    assert gives_wanted(count, "The cabin has room for eight people.", HEADCOUNT) == 0.0
    assert gives_wanted(count, "Memo of 1 September 2025 To: All employees", HEADCOUNT) == 0.0
    people = wanted("How many people work there?")
    assert people is not None and gives_wanted(people, "It has 200 staff.", "") == 1.0
    # a capacity or a limit counts no one who is there
    assert gives_wanted(people, "The cabin has room for eight people.", "") == 0.0
    assert gives_wanted(people, "The boat takes up to 12 people.", "") == 0.0
    # "staff" is spoken of as employing, as "employees" is
    staff = wanted("How many staff does Halvorsen have?")
    assert staff is not None and gives_wanted(staff, "Today we employ 214 people.", "") == 1.0
    assert gives_wanted(staff, "The cabin sleeps 8 people.", "") == 0.0
    assert counting(staff, "We employ 214 people.", "") == "We employ 214 people. staff"
    assert counting(staff, "The cabin sleeps 8 people.", "") == "The cabin sleeps 8 people."


def test_a_year_and_a_day() -> None:
    asked = "In what year was it started in Bergen?"
    year = wanted(asked)
    assert year is not None
    assert gives_wanted(year, "It was founded in 1987.", asked) == 1.0
    assert gives_wanted(year, "It has four offices.", asked) == 0.0
    day = wanted("Which day is salary paid?")
    assert day is not None
    assert gives_wanted(day, "Salary is paid on the 20th of each month.", "") == 1.0
    assert gives_wanted(day, "NOK 350 per month for one day per week at home.", "") == 0.0
    assert gives_wanted(day, "The team comes in on Tuesdays.", "") == 1.0
    assert gives_wanted(day, "Booking opens on 1 November.", "") == 1.0


def test_headings_and_labels_say_nothing() -> None:
    asked = "In what year was Halvorsen Marine Instruments started?"
    assert says_nothing("Halvorsen Marine Instruments AS.", asked)
    assert says_nothing("HALVORSEN MARINE INSTRUMENTS - QUESTIONS FOR NEW STAFF", "Why?")
    assert says_nothing("Halvorsen Marine Instruments AS.", "How many staff are there?")
    assert not says_nothing("Fjordgata 22, 0150 Oslo, Norway.", "Where is the office?")
    assert not says_nothing("Halvorsen Marine Instruments has four offices.", asked)
    assert not says_nothing("中文客户服务热线的服务时间为周一至周五。", "Why?")


def test_a_word_counts_in_another_form_of_its_stem() -> None:
    assert stem_support("How employees does the company have?", "We employ 214 people.") == 0.5
    assert stem_support("employees", "The cabin sleeps eight.") == 0.0


def test_names_no_passage_holds() -> None:
    passages = ["IT will contact you.", "Unit 7, Harbour Quay Business Park, Aberdeen."]
    asked = "Who is the contact for the China business?"
    assert unheld_names(asked, passages) == ("China",)
    # in another form of its stem, a part of it, two letters, a word of a place's people
    assert unheld_names("How far does Saharan dust go?", ["dust from the Sahara"]) == ()
    assert unheld_names("What inspired the China-like art?", ["art like this"]) == ()
    assert unheld_names("Who sells in the US?", ["It sells in the U.S."]) == ()
    assert unheld_names("How long may I work from a European country?", ["the EEA"]) == ()


def test_an_unheld_name_abstains_unless_across_scripts() -> None:
    said = "IT will contact you."
    nearest = (Citation(1, context("a", said).chunk, said, 0.5),)
    found = Extract("x", [], True, ("x",), 0.9, nearest, unheld=("China",))
    assert abstains(found, 0.3)
    assert not abstains(Extract("x", [], True, ("x",), 0.9, nearest), 0.3)
    crossed = Extract("x", [], True, ("x",), 0.9, nearest, cross_script=True, unheld=("China",))
    assert not abstains(crossed, 0.3)
