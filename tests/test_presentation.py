"""What the reader is shown after an answer (localqa/answering/presentation.py), and how
`ask` and the chat render it: each case by hand, then the real pipeline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from typer.testing import CliRunner

from localqa.answering.abstain import ABSTAINED
from localqa.answering.answer import Answer, Token
from localqa.answering.citations import Citation, SentenceCheck
from localqa.answering.conversations import sources_of
from localqa.answering.extractive import LABEL, QUOTED_LABEL
from localqa.answering.presentation import Presentation, Shown, present, shown_stream
from localqa.builder import Builder
from localqa.config import Settings
from localqa.generation.model import LocalModel
from localqa.schema import Chunk

QUOTE = "Leave is 18 weeks at full pay."
CHUNK = Chunk(
    "c", f"Parental leave.\n{QUOTE}", "handbook.pdf", "/d/handbook.pdf", 3, 1, 2, 0, 46, "h", "d"
)
QUOTES = Answer(
    "q", f"{QUOTED_LABEL}\n- {QUOTE} [1]", "extractive", (Citation(1, CHUNK, QUOTE, 0.9),), (CHUNK,)
)
WRONG = Answer(
    "q",
    "Leave is 27 weeks [1].",
    "generative",
    (Citation(1, CHUNK, QUOTE, 0.42),),
    (CHUNK,),
    (SentenceCheck("Leave is 27 weeks.", (1,), 0.42, False, QUOTE),),
    fallback=QUOTES,
    fallback_reason="unsupported",
)
BECAUSE = "The sources do not support this answer; here is what they say:"
CITED = f'[1] handbook.pdf, page 3, line 2 (support 0.42)\n    "{QUOTE}"\n'
QUOTES_CITED = f'[1] handbook.pdf, page 3, line 2 (support 0.90)\n    "{QUOTE}"\n'


@pytest.fixture
def printed(capsys: pytest.CaptureFixture[str]) -> Callable[[Presentation], str]:
    """All that `ask` prints to stdout: the tokens shown live, then `print_shown`."""
    from localqa.cli.answer import print_shown

    def run(shown: Presentation) -> str:
        capsys.readouterr()
        print_shown(shown)
        return (shown.text if shown.live else "") + capsys.readouterr().out

    return run


def test_an_unsupported_answer_with_the_quotes_under_it(
    printed: Callable[[Presentation], str],
) -> None:
    shown = present(WRONG, quotes_only=False)
    assert shown.live and not shown.replaced and shown.under is QUOTES
    assert printed(shown) == (
        f"Leave is 27 weeks [1].\n\nSources:\n{CITED}"
        "\n[not supported by the sources] Leave is 27 weeks.\n"
        f"\n{BECAUSE}\n{QUOTES.text}\n\nSources of these quotes:\n{QUOTES_CITED}"
    )
    assert shown.reader_text() == "\n".join([WRONG.text, QUOTE, QUOTES.text, QUOTE])
    assert shown.short_because == "the sources do not support this answer"


def test_quotes_only_shows_the_quotes_instead(printed: Callable[[Presentation], str]) -> None:
    shown = present(WRONG, quotes_only=True)
    assert shown.replaced and not shown.live and shown.under is None and not shown.unsupported
    assert shown.text == QUOTES.text and shown.sources == sources_of(QUOTES)
    assert printed(shown) == (
        f"The model's answer is not shown. {BECAUSE}\n{QUOTES.text}\n\nSources:\n{QUOTES_CITED}"
    )
    assert shown.reader_text() == f"{QUOTES.text}\n{QUOTE}"
    assert shown.answer is WRONG and shown.shown is QUOTES  # --json still has it all


def test_a_cancelled_answer_is_shown_as_cut() -> None:
    cut = replace(WRONG, text="Leave is 27", cancelled=True)
    for quotes_only in (False, True):
        shown = present(cut, quotes_only)
        assert shown.text == "Leave is 27" and not shown.replaced and not shown.because
        assert shown.under is None and not shown.unsupported


def test_an_answer_that_stands_alone_and_extractive_answers(
    printed: Callable[[Presentation], str],
) -> None:
    checks = (SentenceCheck("Leave is 18 weeks.", (1,), 0.9, True, QUOTE),)
    right = replace(
        WRONG, text="Leave is 18 weeks [1].", fallback=None, fallback_reason="", checks=checks
    )
    for quotes_only in (False, True):  # printed at the end under quotes-only: the same
        shown = present(right, quotes_only)
        assert shown.live is not quotes_only and not shown.because
        assert printed(shown) == f"Leave is 18 weeks [1].\n\nSources:\n{CITED}"
    extracted = replace(QUOTES, text=f"{LABEL}\n- {QUOTE} [1]")
    assert printed(present(extracted, False)) == f"{extracted.text}\n\nSources:\n{QUOTES_CITED}"
    nearest = replace(QUOTES, text=ABSTAINED, abstained=True)
    assert printed(present(nearest, False)) == f"{ABSTAINED}\n\nNearest passages:\n{QUOTES_CITED}"


def test_the_chat_renders_the_same_decisions() -> None:
    from localqa.tui.present import answer_meta, chat_answer

    under = chat_answer(present(WRONG, quotes_only=False)).markdown
    assert under.startswith("Leave is 27 weeks [1].\n\n**⚠ Not supported by the sources:**")
    assert f"**{BECAUSE}**\n\n{QUOTED_LABEL}" in under
    instead = chat_answer(present(WRONG, quotes_only=True)).markdown
    assert instead.startswith(f"**The model's answer is not shown. {BECAUSE}**\n\n")
    assert "27" not in instead
    assert answer_meta(present(WRONG, True)) == (
        "generative · 1 source · 1 cited · the sources do not support this answer"
    )


def test_the_quotes_under_an_answer_count_the_chats_one_list_of_sources() -> None:
    """Issue 28: the [n] on the quotes under a flagged answer are the rows of the chat's
    Sources table: a passage the answer rests on keeps its number, another is added after
    the answer's own; ctrl+y copies the words shown, warning and quotes included."""
    from localqa.tui.present import chat_answer

    other_quote = "Fathers get the same leave."
    other = Chunk("o", other_quote, "faq.txt", "/d/faq.txt", 1, 4, 4, 0, 27, "f", "e")
    spare = Chunk("s", "Unrelated.", "misc.txt", "/d/misc.txt", 1, 1, 1, 0, 10, "m", "g")
    quotes = Answer(
        "q",
        f"{QUOTED_LABEL}\n- {other_quote} [1]\n- {QUOTE} [2]",
        "extractive",
        (Citation(1, other, other_quote, 0.8), Citation(2, CHUNK, QUOTE, 0.9)),
        (other, CHUNK),
    )
    wrong = replace(WRONG, contexts=(CHUNK, spare), fallback=quotes)
    chat = chat_answer(present(wrong, quotes_only=False))
    assert [(s.number, s.chunk.id) for s in chat.sources] == [(1, "c"), (2, "s"), (3, "o")]
    assert chat.sources[2].quote == other_quote
    assert f"- {other_quote} [3]\n- {QUOTE} [1]" in chat.markdown
    assert chat.copied.startswith("Leave is 27 weeks [1].\n\n⚠ Not supported by the sources:")
    assert f"{BECAUSE}\n{QUOTED_LABEL}\n- {other_quote} [3]" in chat.copied
    assert "[3] faq.txt, page 1, line 4" in chat.copied


def test_ask_numbers_the_quotes_under_an_answer_in_the_answers_list(
    printed: Callable[[Presentation], str],
) -> None:
    """A new user's finding: the quotes under a flagged answer were numbered [1..] apart
    from the answer's sources, so their [1] read as the answer's [1]. `ask` counts them as
    the chat does: a passage the answer cites keeps its number, another comes after."""
    other_quote = "Fathers get the same leave."
    other = Chunk("o", other_quote, "faq.txt", "/d/faq.txt", 1, 4, 4, 0, 27, "f", "e")
    title = "Parental leave."  # another sentence of the answer's passage: its own number
    quotes = Answer(
        "q",
        f"{QUOTED_LABEL}\n- {other_quote} [1]\n- {QUOTE} [2]\n- {title} [3]",
        "extractive",
        (
            Citation(1, other, other_quote, 0.8),
            Citation(2, CHUNK, QUOTE, 0.9),
            Citation(3, CHUNK, title, 0.5),
        ),
        (other, CHUNK, CHUNK),
    )
    shown = printed(present(replace(WRONG, fallback=quotes), quotes_only=False))
    under = shown.split(BECAUSE)[1]
    assert f"- {other_quote} [2]\n- {QUOTE} [1]\n- {title} [3]\n" in under
    other_cited = f'[2] faq.txt, page 1, line 4 (support 0.80)\n    "{other_quote}"\n'
    title_cited = f'[3] handbook.pdf, page 3, line 1 (support 0.50)\n    "{title}"\n'
    assert under.endswith(f"Sources of these quotes:\n{other_cited}{QUOTES_CITED}{title_cited}")


@pytest.mark.parametrize("setting", ["with-quotes", "quotes-only"])
def test_quotes_only_streams_nothing_and_shows_the_quotes(
    sample_index: Settings, tiny_model: LocalModel, setting: str
) -> None:
    # random weights write noise that the sources do not support: the quotes are shown
    settings = Settings.model_validate(
        {**sample_index.model_dump(), "answer_tokens": 24, "unsupported_answer": setting}
    )
    builder = Builder(settings)
    index = builder.existing_index()
    try:
        assert not builder.answerer(index).quotes_only  # no model: nothing to replace
        answerer = builder.answerer(index, tiny_model)
        *tokens, last = shown_stream(answerer, "How long is parental leave?")
    finally:
        index.close()
    assert isinstance(last, Shown) and all(isinstance(t, Token) for t in tokens)
    shown, quotes = last.presentation, last.presentation.answer.fallback
    assert answerer.quotes_only is (setting == "quotes-only") and quotes is not None
    if answerer.quotes_only:
        assert tokens == [] and not shown.live
        assert shown.replaced and shown.text == quotes.text and shown.under is None
    else:
        assert len(tokens) > 1 and shown.live and shown.under is quotes
        assert shown.text == shown.answer.text and shown.text in "".join(t.text for t in tokens)


def test_ask_without_a_model_shows_its_quotes_under_quotes_only(
    sample_index: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from localqa.cli.main import cli

    monkeypatch.setenv("LOCALQA_HOME", str(sample_index.home))
    monkeypatch.setenv("LOCALQA_UNSUPPORTED_ANSWER", "quotes-only")
    monkeypatch.chdir(sample_index.home)
    result = CliRunner().invoke(cli, ["ask", "When is salary paid?", "--extractive"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(LABEL) and "20th" in result.stdout


def test_a_reply_not_streamed_marks_unsupported_sentences_where_they_stand() -> None:
    """The OpenAI endpoint's reply (server/completions.py): not streamed, the answer is
    given once with its unsupported sentence marked in place (a new user saw "Jonas Aasen,
    ..." and then "[not supported by the sources] Jonas Aasen, ..." again); streamed token
    by token, the mark follows the footnotes, as `ask` prints it; a reply sent back in the
    conversation is the answer as written."""
    from localqa.server.completions import reply_head, reply_tail, without_footnotes

    shown = present(WRONG, quotes_only=False)
    whole = reply_head(shown) + reply_tail(shown)
    assert whole.startswith("[not supported by the sources] Leave is 27 weeks [1].\n\nSources:")
    assert whole.count("27 weeks") == 1
    streamed = reply_tail(shown, streamed=True)
    assert "\n\n[not supported by the sources] Leave is 27 weeks." in streamed
    assert without_footnotes(whole) == WRONG.text
    assert without_footnotes(WRONG.text + streamed) == WRONG.text
