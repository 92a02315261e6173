"""`localqa chat` under Textual's Pilot, on a real index of sample_docs and the real embedder.

The index is the session's shared one (conftest's `sample_index`, ingested once); every
test gets its own conversation store and its own core over that index.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Generator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Static
from typer.testing import CliRunner

from localqa.answering.answer import Answer, Token
from localqa.answering.conversations import Conversation, ConversationStore, SavedTurn
from localqa.answering.presentation import present
from localqa.answering.session import Answered, Searched, SessionEvent, turn_of
from localqa.builder import Builder, PartsInfo
from localqa.config import Settings, load_settings
from localqa.embedding.embedder import Embedder
from localqa.generation.model import LocalModel
from localqa.store.index import Index
from localqa.tui.adapter import (
    ChatCore,
    CoreFactory,
    CoreParts,
    SessionCore,
    core_factory,
)
from localqa.tui.app import ChatApp
from localqa.tui.opener import view_command
from localqa.tui.widgets import (
    QUOTE_STYLE,
    AnswerView,
    PassageView,
    QuestionInput,
    SourcesTable,
    column_widths,
)

SALARY = "When is salary paid?"


@pytest.fixture
def indexed(sample_index: Settings) -> Settings:
    return sample_index


class GatedModel:
    """The real model, held after its `hold_at`-th token until the stop event is set, so a
    test cancels in the middle of an answer however fast or slow the machine is."""

    def __init__(self, model: LocalModel, hold_at: int) -> None:
        self._model = model
        self._hold_at = hold_at

    def __getattr__(self, name: str) -> object:
        return getattr(self._model, name)

    def stream(
        self,
        tokens: list[int],
        max_tokens: int,
        sampling: object,
        stop: threading.Event,
        fixed_prefix: int = 0,
    ) -> Generator[str]:
        pieces = self._model.stream(tokens, max_tokens, sampling, stop, fixed_prefix)
        for n, piece in enumerate(pieces, 1):
            yield piece
            if n == self._hold_at:
                assert stop.wait(60), "the test never cancelled"


class RecordingCore:
    """The real core, noting what retrieval was asked and what the answers were."""

    def __init__(self, core: ChatCore) -> None:
        self.core = core
        self.searched: list[str] = []
        self.answers: list[Answer] = []
        self.tokens = 0

    def load(self) -> PartsInfo:
        return self.core.load()

    def ask(self, question: str, stop: threading.Event) -> Generator[SessionEvent]:
        for event in self.core.ask(question, stop):
            if isinstance(event, Searched):
                self.searched.append(event.text)
            elif isinstance(event, Answered):
                self.answers.append(event.presentation.answer)
            else:
                self.tokens += 1
            yield event

    def new_conversation(self) -> None:
        self.core.new_conversation()

    def open_conversation(self, conversation_id: int) -> tuple[SavedTurn, ...]:
        return self.core.open_conversation(conversation_id)

    def resume(self) -> tuple[SavedTurn, ...] | None:
        return self.core.resume()

    def conversations(self) -> list[Conversation]:
        return self.core.conversations()

    def close(self) -> None:
        self.core.close()


def recording_factory(
    settings: Settings, store: Path, model: LocalModel | GatedModel | None = None
) -> tuple[CoreFactory, list[RecordingCore]]:
    made: list[RecordingCore] = []

    def parts() -> CoreParts:  # runs on the core's thread, which must open the index
        builder, index = Builder(settings), Index.open_existing(settings.store)
        return CoreParts(builder.answerer(index, model), index, builder.describe(index, model))  # type: ignore[arg-type]

    def build() -> ChatCore:
        core = SessionCore(lambda: ConversationStore(store), parts, settings.index)
        made.append(RecordingCore(core))
        return made[-1]

    return build, made


def chat_app(
    settings: Settings, embedder: Embedder, store: Path, resume: bool = False
) -> tuple[ChatApp, list[RecordingCore]]:
    factory, made = recording_factory(settings, store)
    return ChatApp(factory, resume=resume), made


async def settle(pilot: Pilot[None]) -> None:
    """Wait for the workers (core loading, answering) and the UI updates they sent."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def ask(pilot: Pilot[None], question: str) -> AnswerView:
    app = pilot.app
    assert isinstance(app, ChatApp)
    await settle(pilot)
    app.query_one(QuestionInput).focus()
    await pilot.press(*question, "enter")
    await settle(pilot)
    return app.exchanges[-1].answer_view


async def until(pilot: Pilot[None], ready: Callable[[], bool], seconds: float = 30) -> None:
    for _ in range(int(seconds / 0.02)):
        if ready():
            return
        await pilot.pause(0.02)
    raise AssertionError("timed out")


def passage_text(app: ChatApp) -> Static:
    return app.query_one("#passage-text", Static)


@pytest.mark.anyio
async def test_answer_sources_passage_open_and_copy(
    indexed: Settings,
    embedder: Embedder,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app, _ = chat_app(indexed, embedder, tmp_path / "c.sqlite")
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ask(pilot, SALARY)
        assert "20th" in view.text and not view.failed
        table = app.query_one(SourcesTable)
        files = [s.chunk.source for s in table.sources]
        # the FAQ's answer alone: the handbook's and memo's salary sentences answer no "when"
        assert table.row_count == len(files) == 1 and files == ["faq.txt"]
        # the source shows its passage, the supporting quote (the answer and the rule that
        # follows it, without the FAQ's "A:") highlighted
        passage = app.query_one(PassageView)
        table.focus()
        assert passage.border_title == f"[1] {table.sources[0].chunk.location()}"
        content = passage_text(app).visual
        assert "Salary is paid on the 20th" in str(content)
        quoted = [s for s in getattr(content, "spans", []) if s.style == QUOTE_STYLE]
        assert [" ".join(str(content)[s.start : s.end].split()) for s in quoted] == [
            "Salary is paid on the 20th of each month. If the 20th falls on a weekend or a "
            "public holiday, it is paid on the last working day before."
        ]
        # `o` hands the file to $PAGER; a headless terminal cannot, and says so
        messages: list[str] = []
        monkeypatch.setattr(app, "notify", lambda message, **_: messages.append(message))
        monkeypatch.setenv("PAGER", "less")
        await pilot.press("o")
        assert messages and "cannot hand over to less" in messages[0]
        await pilot.press("ctrl+y")
        assert app.clipboard.startswith(view.text) and "faq.txt" in app.clipboard
        first = table.sources[0]  # the quote's own line, as `ask` cites it
        assert f"[1] {first.chunk.location(first.chunk.quote_lines(first.quote))}" in app.clipboard
        status = str(app.query_one("#status", Static).visual)
        assert "extractive mode" in status and "10 docs" in status and "ctx: " in status
        # two quotes of one passage: two rows, each with its own lines; moving selects each
        await ask(pilot, "How long is parental leave?")
        sources = table.sources
        assert len(sources) >= 2 and sources[0].chunk.page == sources[1].chunk.page == 3
        assert table.get_row_at(0)[3] != table.get_row_at(1)[3]
        table.focus()
        await pilot.press("down")
        assert passage.border_title == f"[2] {sources[1].chunk.location()}"
        await pilot.press("up")
        assert passage.border_title == f"[1] {sources[0].chunk.location()}"


@pytest.mark.anyio
async def test_follow_up_is_rewritten_for_retrieval_and_saved(
    indexed: Settings, embedder: Embedder, tmp_path: Path
) -> None:
    app, made = chat_app(indexed, embedder, tmp_path / "c.sqlite")
    async with app.run_test(size=(120, 40)) as pilot:
        await ask(pilot, "I lost my access card. What do I do?")
        view = await ask(pilot, "How much does it cost?")
        [core] = made
        assert core.searched[0] == "I lost my access card. What do I do?"
        # the follow-up carried the subject over, so retrieval found the card's price
        assert core.searched[1].startswith("How much does it cost?")
        assert "access" in core.searched[1] and "card" in core.searched[1]
        assert [a.question for a in core.answers] == core.searched  # what retrieval was asked
        assert "searched for" in str(app.exchanges[1].question_view.visual)
        assert "NOK 150" in view.text
        assert "faq.txt" in [s.chunk.source for s in app.query_one(SourcesTable).sources]
    [saved] = ConversationStore(tmp_path / "c.sqlite").recent()
    assert saved.turns == 2 and saved.title == "I lost my access card. What do I do?"


@pytest.mark.anyio
async def test_saved_conversation_reopens(
    indexed: Settings, embedder: Embedder, tmp_path: Path
) -> None:
    store = tmp_path / "c.sqlite"
    first, _ = chat_app(indexed, embedder, store)
    async with first.run_test(size=(100, 30)) as pilot:
        answer = (await ask(pilot, SALARY)).text
    resumed, _ = chat_app(indexed, embedder, store, resume=True)
    async with resumed.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        [exchange] = resumed.exchanges
        assert exchange.question == SALARY and exchange.answer_view.text == answer
        assert "faq.txt" in [s.chunk.source for s in resumed.query_one(SourcesTable).sources]
        await pilot.press("ctrl+n")
        assert resumed.exchanges == [] and resumed.query_one(SourcesTable).row_count == 0
        await pilot.press("ctrl+o")  # the list of past conversations; enter picks the first
        await pilot.press("enter")
        await pilot.pause()
        assert [e.question for e in resumed.exchanges] == [SALARY]
        # a follow-up in the reopened conversation goes on with the saved history
        view = await ask(pilot, "And payslips?")
        assert "salary" in resumed.exchanges[-1].question_view.searched.lower()
        assert not view.failed
    [saved] = ConversationStore(store).recent()
    assert saved.turns == 2


@pytest.mark.anyio
async def test_problems_are_messages_not_tracebacks(
    indexed: Settings, embedder: Embedder, tmp_path: Path
) -> None:
    empty = load_settings(environ={"LOCALQA_HOME": str(tmp_path / "nothing")})
    app = ChatApp(
        core_factory(
            Builder(empty), use_model=False, open_store=lambda: ConversationStore(tmp_path / "a")
        )
    )
    async with app.run_test() as pilot:
        await settle(pilot)
        assert app.info is None and app.core_error and "localqa ingest" in app.core_error
        assert "Cannot answer" in str(app.query_one(".error", Static).visual)
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF but not really a model")
    with_model = Builder(
        Settings.model_validate({**indexed.model_dump(), "model_path": str(broken)})
    )
    app = ChatApp(
        core_factory(
            with_model, use_model=True, open_store=lambda: ConversationStore(tmp_path / "b")
        )
    )
    async with app.run_test() as pilot:
        await settle(pilot)
        assert app.core_error is not None and "broken.gguf" in app.core_error
    app, _ = chat_app(indexed, embedder, tmp_path / "c.sqlite")
    async with app.run_test() as pilot:
        view = await ask(pilot, "?!")
        assert view.failed and "empty" in view.text + str(
            view.query_one(".answer-meta", Static).visual
        )
        view = await ask(pilot, SALARY)  # the app goes on working
        assert not view.failed and "20th" in view.text


@pytest.mark.anyio
async def test_generative_answer_streams_and_cancels(
    indexed: Settings,
    embedder: Embedder,
    tmp_path: Path,
    tiny_gguf: Path,
) -> None:
    # A random-weight model writes noise, but real tokens, one at a time, for as long as
    # answer_tokens allows: long enough to cancel in the middle.
    settings = Settings.model_validate(
        {**indexed.model_dump(), "n_ctx": 2048, "answer_tokens": 1500, "context_chars": 1200}
    )
    model = GatedModel(LocalModel.load(tiny_gguf, n_ctx=2048, n_gpu_layers=0), hold_at=3)
    factory, made = recording_factory(settings, tmp_path / "c.sqlite", model)
    app = ChatApp(factory)
    # wide enough for the whole status line (narrower, its end gives way: fit_line)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        app.query_one(QuestionInput).focus()
        await pilot.press(*SALARY, "enter")
        await until(
            pilot, lambda: bool(app.exchanges) and app.exchanges[-1].answer_view.updates >= 3
        )
        await pilot.press("escape")
        await settle(pilot)
        view = app.exchanges[-1].answer_view
        [answer] = made[0].answers
        assert answer.cancelled and answer.mode == "generative"
        # held at the 3rd piece until the cancel, then stopped before the next decode step
        assert made[0].tokens == 3 and answer.timings["generated_tokens"] < 1500
        assert view.updates >= 3 and view.cancelled and view.text == answer.text
        assert "[cancelled]" in str(view.query_one(".answer-meta", Static).visual)
        status = str(app.query_one("#status", Static).visual)
        assert "tiny-llama.gguf" in status and "tok/s" in status and "prompt tokens" in status
        assert app.exchanges[-1].turn is not None and app.exchanges[-1].turn.cancelled


@pytest.mark.anyio
async def test_a_new_conversation_during_an_answer_keeps_nothing_of_it(
    indexed: Settings, tmp_path: Path, tiny_gguf: Path
) -> None:
    settings = Settings.model_validate({**indexed.model_dump(), "n_ctx": 2048})
    model = GatedModel(LocalModel.load(tiny_gguf, n_ctx=2048, n_gpu_layers=0), hold_at=3)
    factory, made = recording_factory(settings, tmp_path / "c.sqlite", model)
    app = ChatApp(factory)

    async def held(question: str) -> None:
        app.query_one(QuestionInput).focus()
        await pilot.press(*question, "enter")
        await until(
            pilot, lambda: bool(app.exchanges) and app.exchanges[-1].answer_view.updates >= 3
        )

    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await held(SALARY)
        await pilot.press("ctrl+n")  # while the model is held mid-answer
        assert app.exchanges == []
        await held("How much does it cost?")  # no need to wait for the old answer to end
        await pilot.press("escape")
        await settle(pilot)
        [core] = made
        assert [a.cancelled for a in core.answers] == [True, True]
        # the follow-up builds on nothing: the first answer's conversation was left
        assert core.searched == [SALARY, "How much does it cost?"]
    [saved] = ConversationStore(tmp_path / "c.sqlite").recent()
    assert saved.title == "How much does it cost?" and saved.turns == 1


async def take_answer_screenshot(pilot: Pilot[None]) -> None:
    await ask(pilot, SALARY)
    pilot.app.query_one(QuestionInput).cursor_blink = False  # no clock in the picture


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_main_screen_snapshot(
    snap_compare: Callable[..., bool],
    indexed: Settings,
    embedder: Embedder,
    tmp_path: Path,
    size: tuple[int, int],
) -> None:
    app, _ = chat_app(indexed, embedder, tmp_path / "c.sqlite")
    assert snap_compare(app, terminal_size=size, run_before=take_answer_screenshot)


def test_view_command_uses_the_pager_for_text_and_the_viewer_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        shutil, "which", lambda name: f"/usr/bin/{name}" if name == "xdg-open" else None
    )
    text, pdf = tmp_path / "a.txt", tmp_path / "b.pdf"
    command = view_command(text, 12, {"PAGER": "less -R"})
    assert command is not None and command.argv == ["less", "-R", "+12", str(text)]
    assert command.in_terminal
    command = view_command(pdf, 3, {"PAGER": "less"})
    assert command is not None and command.argv == ["/usr/bin/xdg-open", str(pdf)]
    assert not command.in_terminal
    command = view_command(text, 1, {})
    assert command is not None and command.argv[0] == "/usr/bin/xdg-open"


def test_chat_command_is_registered_and_light() -> None:
    from localqa.cli.main import cli

    result = CliRunner().invoke(cli, ["chat", "--help"])
    assert result.exit_code == 0
    for option in (
        "--index",
        "--home",
        "--config",
        "--model",
        "--n-gpu-layers",
        "--extractive",
        "--resume",
    ):
        assert option in result.stdout
    probe = (
        "import sys, localqa.cli.main; "
        "print([m for m in sys.modules if m.startswith(('textual', 'localqa.tui'))])"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.anyio
async def test_ask_and_chat_answer_with_the_same_sources_in_the_same_order(
    indexed: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from localqa.cli.main import cli

    question = "How many weeks of parental leave do employees get?"
    monkeypatch.setenv("LOCALQA_HOME", str(indexed.home))
    monkeypatch.chdir(tmp_path)  # no models/ folder: both answer extractively
    result = CliRunner().invoke(cli, ["ask", question, "--json"])
    assert result.exit_code == 0, result.stderr
    asked = json.loads(result.stdout)
    app = ChatApp(
        core_factory(
            Builder(indexed),
            use_model=False,
            open_store=lambda: ConversationStore(tmp_path / "c.sqlite"),
        )
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await ask(pilot, question)
        table = app.query_one(SourcesTable)
        shown = table.sources
        answered = app.exchanges[-1].answer_view.text
        lines = [str(table.get_row_at(i)[3]) for i in range(table.row_count)]
    assert asked["contexts"] and answered == asked["answer"]
    # each quote's own lines, as `ask` lists them (two quotes of one passage differ)
    # (a one-line quote is "line 3", as `ask` names it: never "3-3")
    named = zip(lines, asked["citations"], strict=True)
    assert all(c["location"].endswith(f", {line}") for line, c in named)
    contexts = [asked["contexts"][c["context"] - 1] for c in asked["citations"]]  # each once
    assert [
        (s.chunk.source, s.chunk.page, [s.chunk.line_start, s.chunk.line_end]) for s in shown
    ] == [(c["source"], c["page"], c["lines"]) for c in contexts]


@pytest.mark.anyio
async def test_the_chat_names_the_other_documents_a_whole_document_question_matched(
    indexed: Settings, tmp_path: Path
) -> None:
    from tests.test_new_user import HANDBOOK_LINE

    app = ChatApp(
        core_factory(
            Builder(indexed),
            use_model=False,
            open_store=lambda: ConversationStore(tmp_path / "c.sqlite"),
        )
    )
    async with app.run_test(size=(100, 30)) as pilot:
        view = await ask(pilot, "Summarise the employee handbook")
        await until(pilot, lambda: bool(view.sources))
        shown = view.body.source
    assert view.text.startswith("northwind-handbook.pdf in ")
    assert HANDBOOK_LINE in shown and HANDBOOK_LINE in view.copied


class ScriptedCore:
    """A ChatCore that streams a fixed model text over real sources, shown as the core
    shows it (answering/presentation.py: no tokens under quotes-only), so a test can say
    what the model wrote (the real core is tested above, in tests/test_session.py and in
    tests/test_real_models.py)."""

    def __init__(self, tokens: list[str], answer: Answer, quotes_only: bool = False) -> None:
        self._tokens, self._shown = tokens, present(answer, quotes_only)
        self.info = PartsInfo("default", 1, 1, "scripted.gguf", 0, 2, layout="completion")

    def load(self) -> PartsInfo:
        return self.info

    def ask(self, question: str, stop: threading.Event) -> Generator[SessionEvent]:
        yield Searched(question)
        for token in self._tokens if self._shown.live else ():
            yield Token(token)
        yield Answered(self._shown, turn_of(question, question, self._shown))

    def new_conversation(self) -> None:
        pass

    def open_conversation(self, conversation_id: int) -> tuple[SavedTurn, ...]:
        return ()

    def resume(self) -> tuple[SavedTurn, ...] | None:
        return None

    def conversations(self) -> list[Conversation]:
        return []

    def close(self) -> None:
        pass


@pytest.mark.anyio
async def test_model_text_is_shown_verbatim_and_unsupported_sentences_are_marked(
    tmp_path: Path,
) -> None:
    from textual.widgets._markdown import MarkdownBlock

    from localqa.answering.citations import SentenceCheck
    from localqa.schema import Chunk

    text = "<SYS> says & means it. Leave is 27 weeks."
    quote = "Leave is 18 weeks at full pay."
    chunk = Chunk("c", quote, "handbook.pdf", "/d/handbook.pdf", 3, 1, 2, 0, 30, "d")
    fallback = Answer("q", f"- {quote} [1]", "extractive", (), (chunk,))
    checks = (
        SentenceCheck("<SYS> says & means it.", (), 0.1, False),
        SentenceCheck("Leave is 27 weeks.", (), 0.2, False),
    )
    answer = Answer(
        "q",
        text,
        "generative",
        (),
        (chunk,),
        checks,
        fallback=fallback,
        fallback_reason="unsupported",
    )
    core = ScriptedCore(["<SYS> says ", "& means it. ", "Leave is 27 weeks."], answer)
    app = ChatApp(lambda: core)
    async with app.run_test(size=(100, 40)) as pilot:
        view = await ask(pilot, "How long is parental leave?")
        shown = "\n".join(str(b._content) for b in view.body.query(MarkdownBlock))
        status = str(app.query_one("#status", Static).visual)
    assert "<SYS> says & means it." in shown  # not read as markup
    assert "Not supported by the sources" in shown and "Leave is 27 weeks." in shown
    assert "The sources do not support this answer; here is what they say" in shown
    assert quote in shown
    assert view.text == text  # what is saved is the model's own text
    # what ctrl+y copies is what was shown: the answer, the warning, the quotes under it
    assert view.copied.startswith(f"{text}\n\n⚠ Not supported by the sources:\n- ")
    assert "here is what they say:" in view.copied and quote in view.copied
    assert "layout completion" in status


@pytest.mark.anyio
async def test_quotes_only_shows_the_sources_instead_of_an_unsupported_answer(
    tmp_path: Path,
) -> None:
    from textual.widgets._markdown import MarkdownBlock

    from localqa.answering.citations import Citation, SentenceCheck
    from localqa.schema import Chunk

    quote = "Leave is 18 weeks at full pay."
    chunk = Chunk("c", quote, "handbook.pdf", "/d/handbook.pdf", 3, 1, 2, 0, 30, "d")
    fallback = Answer(
        "q", f"- {quote} [1]", "extractive", (Citation(1, chunk, quote, 0.9),), (chunk,)
    )
    checks = (SentenceCheck("Leave is 27 weeks.", (), 0.2, False),)
    answer = Answer(
        "q",
        "Leave is 27 weeks.",
        "generative",
        (),
        (chunk,),
        checks,
        fallback=fallback,
        fallback_reason="unsupported",
    )
    core = ScriptedCore(["Leave is ", "27 weeks."], answer, quotes_only=True)
    app = ChatApp(lambda: core)
    async with app.run_test(size=(100, 40)) as pilot:
        view = await ask(pilot, "How long is parental leave?")
        shown = "\n".join(str(b._content) for b in view.body.query(MarkdownBlock))
    assert "27 weeks" not in shown and quote in shown
    assert "not shown. The sources do not support this answer" in shown
    assert view.text == fallback.text  # saved and copied: what was shown
    assert [s.quote for s in view.sources] == [quote]


MEAL = "在中国出差每天的餐补是多少？"


async def take_chinese_answer_screenshot(pilot: Pilot[None]) -> None:
    view = await ask(pilot, MEAL)
    assert "300 元人民币" in view.text
    pilot.app.query_one(QuestionInput).cursor_blink = False  # no clock in the picture


@pytest.mark.anyio
async def test_the_sources_table_names_one_line_as_line_n(
    indexed: Settings, embedder: Embedder, tmp_path: Path
) -> None:
    """A new user's finding: the Sources table gave a one-line quote as "17-17". It names
    the lines as `ask` cites them: "line 17", "lines 7-8"."""
    app, _ = chat_app(indexed, embedder, tmp_path / "c.sqlite")
    async with app.run_test(size=(120, 40)) as pilot:
        await ask(pilot, SALARY)
        table = app.query_one(SourcesTable)
        assert str(table.get_row_at(0)[3]) == "lines 7-8"
        await ask(pilot, MEAL)
        [meal] = table.sources
        assert meal.chunk.quote_lines(meal.quote) == (17, 17)
        assert str(table.get_row_at(0)[3]) == "line 17"
        assert [str(c.label) for c in table.ordered_columns][3] == "Where"


def test_chinese_answer_snapshot(
    snap_compare: Callable[..., bool],
    indexed: Settings,
    embedder: Embedder,
    tmp_path: Path,
) -> None:
    """Wide characters in the answer, the sources and the passage: nothing cut mid-character
    or drawn past its border at the smallest supported size."""
    app, _ = chat_app(indexed, embedder, tmp_path / "c.sqlite")
    assert snap_compare(app, terminal_size=(80, 24), run_before=take_chinese_answer_screenshot)


@pytest.mark.anyio
async def test_copy_takes_the_selected_turn_and_typing_on_an_answer_asks_anew(
    indexed: Settings, embedder: Embedder, tmp_path: Path
) -> None:
    """Issue 28: ctrl+y copies the turn selected (not the last one), and keys typed while
    an answer has focus go to the question box instead of being lost."""
    app, _ = chat_app(indexed, embedder, tmp_path / "c.sqlite")
    async with app.run_test(size=(80, 24)) as pilot:
        first = await ask(pilot, SALARY)
        second = await ask(pilot, "How many vacation days do new employees get?")
        assert first.copied != second.copied
        first.focus()
        await pilot.pause()
        await pilot.press("ctrl+y")
        assert app.clipboard == first.copied and app.clipboard.startswith(first.text)
        await pilot.press("W", "h", "o")
        box = app.query_one(QuestionInput)
        assert app.focused is box and box.value == "Who"


def test_the_status_bar_is_one_line_that_gives_up_the_least_needed_first() -> None:
    from rich.cells import cell_len

    from localqa.tui.widgets import fit_line

    parts = ["default: 10 docs, 55 chunks", "model.gguf · GPU layers 0/30", "ctx: 4", "9 tok/s"]
    assert fit_line(parts, 200) == " │ ".join(parts)
    assert fit_line(parts, 62, keep=2) == " │ ".join(parts[:2])
    cut = fit_line(parts, 40, keep=2)
    assert cut.endswith("…") and cell_len(cut) == 40
    assert cell_len(fit_line(["员工手册" * 20], 11)) <= 11


def test_source_columns_are_as_wide_as_their_cells() -> None:
    assert column_widths([("File", "#"), ("员工手册.txt", "[10]")]) == [12, 4]
