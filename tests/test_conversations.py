"""The conversation store behind `localqa chat`: create, list, load, append."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest

from localqa.answering.answer import Answer
from localqa.answering.citations import Citation
from localqa.answering.conversations import (
    FILE_NAME,
    ConversationStore,
    SavedTurn,
    Source,
    sources_of,
)
from localqa.schema import Chunk


def chunk(n: int, text: str = "Salary is paid on the 20th of each month.") -> Chunk:
    return Chunk(
        id=f"c{n}",
        text=text,
        source=f"doc{n}.txt",
        abs_path=f"/docs/doc{n}.txt",
        page=1,
        line_start=3,
        line_end=9,
        char_start=0,
        char_end=len(text),
        doc_hash="d",
        title="FAQ",
        section="Pay",
    )


def turn(question: str, *, cancelled: bool = False) -> SavedTurn:
    sources = (Source(1, chunk(1), "Salary is paid on the 20th.", 0.91), Source(2, chunk(2)))
    return SavedTurn(question, f"About {question} [1]", question, "extractive", cancelled, sources)


def test_create_append_load_round_trips_everything(tmp_path: Path) -> None:
    store = ConversationStore.in_home(tmp_path / "home")
    assert (tmp_path / "home" / FILE_NAME).is_file()
    conversation = store.create("default", "When is salary paid?")
    store.append_turn(conversation.id, turn("When is salary paid?"))
    store.append_turn(conversation.id, turn("And payslips?", cancelled=True))
    first, second = store.load(conversation.id)
    assert first.question == "When is salary paid?" and first.answer.endswith("[1]")
    assert first.sources == turn("x").sources  # chunks, quotes and scores survive JSON
    assert first.sources[1].score is None and first.sources[1].quote == ""
    assert not first.cancelled and second.cancelled and second.created_at
    store.close()


def test_recent_lists_newest_activity_first_per_index(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "c.sqlite")
    old = store.create("default", "first")
    new = store.create("default", "second " * 20)
    other = store.create("other-index", "elsewhere")
    store.append_turn(old.id, turn("first"))  # activity moves it to the top
    listed = store.recent("default")
    assert [c.id for c in listed] == [old.id, new.id]
    assert listed[0].turns == 1 and listed[1].turns == 0
    assert len(listed[1].title) == 60 and listed[1].title.endswith("…")
    assert store.latest("other-index") == store.recent("other-index")[0]
    assert store.latest("other-index") is not None and other.title == "elsewhere"
    assert {c.id for c in store.recent()} == {old.id, new.id, other.id}
    assert store.latest("missing") is None


def test_citations_are_stored_as_json_and_unknown_chunk_keys_are_ignored(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "c.sqlite")
    conversation = store.create("default", "q")
    store.append_turn(conversation.id, turn("q"))
    db = sqlite3.connect(tmp_path / "c.sqlite")
    [(raw,)] = db.execute("SELECT sources FROM turns").fetchall()
    data = json.loads(raw)
    assert data[0]["n"] == 1 and data[0]["chunk"]["source"] == "doc1.txt"
    data[0]["chunk"]["added_by_a_newer_version"] = 1
    data[0]["chunk"]["content_hash"] = "h"  # as versions that had the field saved it
    db.execute("UPDATE turns SET sources = ?", (json.dumps(data),))
    db.commit()
    [loaded] = store.load(conversation.id)
    assert loaded.sources[0].chunk == chunk(1)


def test_sources_of_numbers_contexts_as_the_answer_cites_them() -> None:
    answer = Answer(
        question="q",
        text="Paid on the 20th [2].",
        mode="generative",
        citations=(Citation(2, chunk(2), "Salary is paid on the 20th.", 0.8),),
        contexts=(chunk(1), chunk(2)),
    )
    first, second = sources_of(answer)
    assert (first.number, first.quote, first.score) == (1, "", None)
    assert (second.number, second.chunk, second.score) == (2, chunk(2), 0.8)


def test_records_are_frozen(tmp_path: Path) -> None:
    conversation = ConversationStore(tmp_path / "c.sqlite").create("default", "q")
    with pytest.raises(FrozenInstanceError):
        conversation.title = "changed"  # type: ignore[misc]
