"""The chat's core without a screen (localqa/answering/session.py): the real Answerer over
a small index of its own, extractive, and the real ConversationStore."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from localqa.answering.answer import Token
from localqa.answering.answerer import Answerer, EmptyQuestion
from localqa.answering.conversations import ConversationStore
from localqa.answering.session import Answered, ChatSession, NotReady, Searched, SessionEvent
from localqa.builder import Builder
from localqa.config import Settings
from localqa.embedding.embedder import Embedder
from tests.conftest import ingest_paths

CARD = "I lost my access card. What do I do?"
COST = "How much does it cost?"
SALARY = "When is salary paid?"


@pytest.fixture(scope="module")
def answerer(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Answerer]:
    from localqa.config import load_settings

    home = tmp_path_factory.mktemp("session")
    docs = home / "docs"
    docs.mkdir()
    (docs / "cards.txt").write_text(
        "Access cards\n\nIf you lose your access card, report it to reception the same day. "
        "A replacement access card costs NOK 150 and is ready the next morning.\n",
        encoding="utf-8",
    )
    (docs / "pay.txt").write_text(
        "Pay\n\nSalary is paid on the 20th of each month. Payslips are sent by email "
        "two days before salary is paid.\n",
        encoding="utf-8",
    )
    (docs / "court.txt").write_text(
        "Courts\n\nFour days ago the President nominated Circuit Court of Appeals Judge "
        "Ketanji Brown Jackson to the Supreme Court. One of our nation's top legal minds, she "
        "will continue Justice Breyer's legacy of excellence.\n",
        encoding="utf-8",
    )
    (docs / "billing.txt").write_text(
        "Billing\n\nThe legacy billing system will continue to run until March. She said the "
        "old printers will continue to print invoices as well.\n",
        encoding="utf-8",
    )
    settings: Settings = load_settings(environ={"LOCALQA_HOME": str(home)})
    assert not ingest_paths(settings, embedder, docs).failed
    builder = Builder(settings)
    index = builder.existing_index()
    yield builder.answerer(index)
    index.close()


def asked(session: ChatSession, question: str) -> tuple[str, Answered, int]:
    """What the question was searched as, its last event, and how many tokens came."""
    events: list[SessionEvent] = list(session.ask(question))
    first, *tokens, last = events
    assert isinstance(first, Searched) and isinstance(last, Answered)
    assert all(isinstance(t, Token) for t in tokens)
    return first.text, last, len(tokens)


def test_follow_ups_are_searched_standalone_saved_and_resumed(
    answerer: Answerer, tmp_path: Path
) -> None:
    store = ConversationStore(tmp_path / "c.sqlite")
    session = ChatSession(store, "default", answerer)
    searched, done, tokens = asked(session, CARD)
    assert searched == CARD and tokens == 1  # an extractive answer comes whole
    assert done.presentation.answer.question == CARD and not done.unsaved
    searched, done, _ = asked(session, COST)
    # the follow-up carried the subject over, so retrieval found the card's price
    assert searched.startswith(COST) and "access" in searched and "card" in searched
    assert done.presentation.answer.question == searched  # what retrieval was asked
    assert "NOK 150" in done.turn.answer and done.turn.searched == searched
    assert done.turn.answer == done.presentation.text
    assert done.turn.sources == done.presentation.sources
    [saved] = store.recent("default")
    assert saved.id == session.conversation_id and saved.turns == 2 and saved.title == CARD
    loaded = [replace(t, created_at="") for t in store.load(saved.id)]
    assert loaded == list(session.turns)  # sources, quotes and scores too
    store.close()

    # another session over the same file goes on where this one stopped
    again = ChatSession(ConversationStore(tmp_path / "c.sqlite"), "default", answerer)
    resumed = again.resume()
    assert resumed is not None and [t.question for t in resumed] == [CARD, COST]
    searched, _, _ = asked(again, "And is it ready soon?")
    assert "access" in searched and "card" in searched  # built on what COST was searched as
    assert again.store.recent("default")[0].turns == 3
    assert ChatSession(again.store, "another index", answerer).resume() is None


def test_new_open_and_a_turn_of_a_conversation_left(answerer: Answerer, tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "c.sqlite")
    session = ChatSession(store, "default", answerer)
    asked(session, CARD)
    first = session.conversation_id
    session.new()
    assert session.turns == () and session.conversation_id is None
    searched, _, _ = asked(session, COST)
    assert searched == COST  # a new conversation: nothing to build on
    assert [c.turns for c in session.recent()] == [1, 1]
    # an answer still being written when its conversation is left is not kept
    events = session.ask(SALARY)
    assert isinstance(next(events), Searched)
    session.new()
    *_, done = events
    assert isinstance(done, Answered) and "20th" in done.turn.answer
    assert session.turns == () and [c.turns for c in session.recent()] == [1, 1]
    assert first is not None
    assert [t.question for t in session.open(first)] == [CARD]
    searched, _, _ = asked(session, COST)
    assert "card" in searched and [c.turns for c in store.recent()] == [2, 1]


def test_a_failed_save_is_reported_and_the_chat_goes_on(answerer: Answerer, tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "c.sqlite")
    session = ChatSession(store, "default", answerer)
    store.close()
    _, done, _ = asked(session, SALARY)
    assert done.unsaved.startswith("could not save the conversation: ")
    assert "20th" in done.turn.answer and session.turns == (done.turn,)
    searched, done, _ = asked(session, "And payslips?")
    assert "salary" in searched.lower() and done.unsaved  # the history still counts


def test_asking_needs_an_answerer_and_a_question(answerer: Answerer, tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "c.sqlite")
    waiting = ChatSession(store, "default")
    with pytest.raises(NotReady):
        next(waiting.ask(SALARY))
    waiting.answerer = answerer
    with pytest.raises(EmptyQuestion):
        list(waiting.ask("  ?! "))
    assert waiting.turns == () and store.recent() == []


def test_a_pronoun_follow_up_is_searched_with_the_names_in_the_last_answer(
    answerer: Answerer, tmp_path: Path
) -> None:
    """Issue 28: "Whose legacy will she continue?" after the answer naming the nominee is
    searched with her name, and quotes the sentence about Justice Breyer's legacy, not the
    legacy billing system that shares its other words."""
    session = ChatSession(ConversationStore(tmp_path / "c.sqlite"), "default", answerer)
    _, first, _ = asked(session, "Who did the President nominate to the Supreme Court?")
    assert "Ketanji Brown Jackson" in first.turn.answer
    searched, then, _ = asked(session, "Whose legacy will she continue?")
    assert "Ketanji Brown Jackson" in searched
    assert "Justice Breyer's legacy" in then.turn.answer
    cited = [s.chunk.source for s in then.presentation.sources if s.quote]
    assert cited[:1] == ["court.txt"], then.turn.answer
