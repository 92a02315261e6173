"""Extractive quotes (issue 25 item 4): each quote cited to its own lines, cleaned of FAQ
labels, completed at chunk edges, kept to the question, the asked kind of fact first."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from localqa.answering.answerer import Answerer
from localqa.answering.citations import SupportChecker
from localqa.answering.continuing import new_names
from localqa.answering.extractive import extract_answer
from localqa.answering.quoting import Quoted, completed, unlabelled, without_repeats
from localqa.builder import Builder
from localqa.config import Settings
from localqa.schema import Chunk, ScoredChunk
from localqa.sentences import is_whole_end, split_sentences


def chunk(text: str, n: int = 0, start: int = 0, line: int = 1, path: str = "/d/a.txt") -> Chunk:
    return Chunk(
        id=f"c{n}",
        text=text,
        source=path.rsplit("/", 1)[-1],
        abs_path=path,
        page=1,
        line_start=line,
        line_end=line + text.count("\n"),
        char_start=start,
        char_end=start + len(text),
        doc_hash="h",
    )


@pytest.fixture(scope="module")
def answerer(sample_index: Settings) -> Answerer:
    builder = Builder(sample_index)
    return builder.answerer(builder.existing_index())


def test_each_quote_of_one_passage_cites_its_own_lines(answerer: Answerer) -> None:
    answer = answerer.ask("How long is parental leave?")
    numbers = [c.number for c in answer.citations]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 2
    for c in answer.citations:  # [n] in the text is the n-th quote
        assert f"{c.quote[:40]}" in answer.text.split(f"[{c.number}]")[0]
        assert answer.contexts[c.number - 1] == c.chunk
    handbook = [c for c in answer.citations if c.chunk.page == 3]
    lines = {c.chunk.quote_lines(c.quote) for c in handbook}
    assert len(handbook) >= 2 and len(lines) == len(handbook)  # two quotes, two places
    assert (6, 7) in lines  # "The leave can be taken in one block ..."
    as_json = answer.as_json()["citations"]
    assert [c["quote_lines"] for c in as_json] == [
        list(c.chunk.quote_lines(c.quote)) for c in answer.citations
    ]


def test_ask_json_and_the_terminal_give_each_quote_its_lines(sample_index: Settings) -> None:
    from localqa.cli.main import cli

    env = {"LOCALQA_HOME": str(sample_index.home)}
    runner = CliRunner()
    shown = runner.invoke(cli, ["ask", "How long is parental leave?"], env=env)
    assert shown.exit_code == 0, shown.stderr
    assert "northwind-handbook.pdf, page 3, lines 6-7" in shown.stdout
    assert "quote(s) from 2 passage(s)" in shown.stderr  # three quotes, two of one passage
    data = json.loads(
        runner.invoke(cli, ["ask", "How long is parental leave?", "--json"], env=env).stdout
    )
    assert [6, 7] in [c["quote_lines"] for c in data["citations"]]


def test_the_salary_answer_is_the_faq_answer_whole_and_alone(answerer: Answerer) -> None:
    answer = answerer.ask("When is salary paid?")
    first = answer.citations[0]
    assert first.quote.startswith("Salary is paid on the 20th")  # no "A:"
    assert "weekend" in first.quote  # the rule that follows is part of the answer
    assert first.chunk.quote_lines(first.quote) == (7, 8)
    # the handbook's reimbursement and the memo's allowance share the words, not the meaning
    assert {c.chunk.source for c in answer.citations} == {"faq.txt"}


def test_faq_labels_are_no_part_of_a_quote() -> None:
    assert unlabelled("A: Salary is paid on the 20th.") == "Salary is paid on the 20th."
    assert unlabelled("Answer 3: Yes, in Bergen.") == "Yes, in Bergen."
    assert unlabelled("Q: When is salary paid?") == "When is salary paid?"
    assert unlabelled("A. Scope of the policy") == "A. Scope of the policy"  # a list's letter
    assert unlabelled("Area: 40 square metres.") == "Area: 40 square metres."


def test_a_question_line_is_never_quoted() -> None:
    text = "Q: When is salary paid each month here?\nA: Salary is paid on the 20th of each month."
    found = extract_answer(
        "When is salary paid each month?", [ScoredChunk(chunk(text), 1.0)], SupportChecker(None)
    )
    assert found.quotes and not any(q.endswith("?") for q in found.quotes)


def test_a_sentence_cut_at_a_chunk_edge_is_completed_from_its_neighbour() -> None:
    first = chunk("Todd Cravens joined in 2017. Prior to joining Galaxy Gaming, Mr.", 1)
    start = len(first.text) - 3  # the chunks overlap by a word, as stored chunks do
    second = chunk("Mr. Cravens served as the Chief Executive Officer of TCS. He left.", 2, start)

    def neighbours(c: Chunk) -> tuple[Chunk | None, Chunk | None]:
        return (None, second) if c.id == "c1" else (first, None)

    cut = Quoted(first, "Prior to joining Galaxy Gaming, Mr.", False, 0.8)
    whole = completed(cut, neighbours)
    assert whole.text == (
        "Prior to joining Galaxy Gaming, Mr. Cravens served as the Chief Executive Officer of TCS."
    )
    assert whole.chunk.quote_lines(whole.text) == (1, 1) and "+" in whole.chunk.id
    # a whole sentence at the edge stays as it is, and so does one with no neighbour
    done = Quoted(second, "He left.", False, 0.5)
    assert completed(done, neighbours) == done
    assert completed(cut, None) == cut
    # the cut one and the whole one quoted together are one quote
    assert without_repeats([cut, whole]) == [whole]


def test_a_sentence_starting_mid_way_is_completed_from_the_chunk_before() -> None:
    first = chunk("The grant is paid once. Each employee may claim", 1)
    second = chunk("claim NOK 6,500 for a chair or a desk. Receipts go in the app.", 2, 42)

    def neighbours(c: Chunk) -> tuple[Chunk | None, Chunk | None]:
        return (first, None) if c.id == "c2" else (None, second)

    cut = Quoted(second, "claim NOK 6,500 for a chair or a desk.", False, 0.8)
    assert (
        completed(cut, neighbours).text
        == "Each employee may claim NOK 6,500 for a chair or a desk."
    )
    # a sentence on a line of its own after a heading is whole
    heading = chunk("Home office support\n", 3)
    below = chunk("To set up a workplace, claim NOK 6,500.", 4, 20, line=2)

    def around(c: Chunk) -> tuple[Chunk | None, Chunk | None]:
        return (heading, None)

    whole = Quoted(below, "To set up a workplace, claim NOK 6,500.", False, 0.8)
    assert completed(whole, around) == whole


def test_sentence_ends_know_abbreviations() -> None:
    assert is_whole_end("He left.") and is_whole_end('He said "yes."') and is_whole_end("Why?")
    assert not is_whole_end("Prior to joining Galaxy Gaming, Mr.")
    assert not is_whole_end("as shown in Fig.") and not is_whole_end("the company had")


def test_a_table_and_a_heading_inside_prose_are_units_of_their_own() -> None:
    text = (
        "Each team has fixed anchor days.\n"
        "Team | Anchor days\n"
        "Firmware | Tuesday and Thursday\n"
        "Home office support\n"
        "To set up a proper workplace at home, each employee can claim a grant."
    )
    assert split_sentences(text) == [
        "Each team has fixed anchor days.",
        "Team | Anchor days",
        "Firmware | Tuesday and Thursday",
        "Home office support",
        "To set up a proper workplace at home, each employee can claim a grant.",
    ]
    # a sentence wrapped over lines is not cut at a short line
    wrapped = "The leave is paid in full by the\ncompany for every employee.\nIt ends early."
    assert (
        split_sentences(wrapped)[0]
        == "The leave is paid in full by the company for every employee."
    )


def test_the_sentence_with_the_asked_kind_of_fact_comes_first() -> None:
    text = (
        "The committee counted the responses collected for the survey with great care. "
        "In total 5,000 responses were collected for the survey."
    )
    found = extract_answer(
        "How many responses were collected for the survey?",
        [ScoredChunk(chunk(text), 1.0)],
        SupportChecker(None),
    )
    assert found.quotes[0].startswith("In total 5,000")


def test_names_are_runs_of_capitals_the_question_does_not_hold() -> None:
    asked = "Who did the President nominate to the Supreme Court?"
    lead = (
        "One of the most serious constitutional responsibilities a President has is "
        "nominating someone to serve on the United States Supreme Court."
    )
    named = (
        "And I did that 4 days ago, when I nominated Circuit Court of Appeals Judge "
        "Ketanji Brown Jackson."
    )
    assert new_names(lead, asked) == []
    assert new_names(named, asked) == ["Appeals Judge Ketanji Brown Jackson"]
    # a sentence's first word alone is no name; a title stays with its name
    assert new_names("Then he met Mr. Cravens in Paris.", "Who left?") == ["Mr Cravens", "Paris"]
    assert new_names("Paris is far.", "Who left?") == []


def test_the_sentence_after_a_quote_that_names_who_was_asked_for_goes_with_it() -> None:
    text = (
        "One of the most serious constitutional responsibilities a President has is "
        "nominating someone to serve on the United States Supreme Court.\n\n"
        "And I did that 4 days ago, when I nominated Circuit Court of Appeals Judge Ketanji "
        "Brown Jackson.\n\nA former top litigator in private practice."
    )
    found = extract_answer(
        "Who did the President nominate to the Supreme Court?",
        [ScoredChunk(chunk(text), 1.0)],
        SupportChecker(None),
    )
    assert "Ketanji Brown Jackson" in found.quotes[0]
    assert found.citations[0].chunk.quote_lines(found.quotes[0]) == (1, 3)
