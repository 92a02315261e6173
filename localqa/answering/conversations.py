"""Saved chat conversations: one SQLite file beside the indexes.

A turn keeps what the chat showed: the question, the answer, what retrieval searched for,
and its sources with their passages (JSON), so a reopened conversation can show them
without the index, even after the documents change.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from localqa.schema import Chunk

if TYPE_CHECKING:
    from localqa.answering.answer import Answer

FILE_NAME = "conversations.sqlite"
TITLE_CHARS = 60
SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id INTEGER PRIMARY KEY,
    index_name TEXT NOT NULL,
    title TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS turns (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    searched TEXT NOT NULL,
    mode TEXT NOT NULL,
    cancelled INTEGER NOT NULL,
    sources TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS turns_by_conversation ON turns(conversation_id, id);
"""
_CHUNK_FIELDS = frozenset(f.name for f in fields(Chunk))


@dataclass(frozen=True)
class Conversation:
    id: int
    index_name: str
    title: str
    created_at: str
    updated_at: str
    turns: int


@dataclass(frozen=True)
class Source:
    """One source an answer rested on: [number] as the answer cites it; quote and score
    when the answer cites it (its best supporting sentence), else "" and None."""

    number: int
    chunk: Chunk
    quote: str = ""
    score: float | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "n": self.number,
            "quote": self.quote,
            "score": self.score,
            "chunk": asdict(self.chunk),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Source:
        # Unknown keys are dropped so a file written by a newer version still opens.
        chunk = Chunk(**{k: v for k, v in data["chunk"].items() if k in _CHUNK_FIELDS})
        return cls(int(data["n"]), chunk, str(data.get("quote", "")), data.get("score"))


@dataclass(frozen=True)
class SavedTurn:
    question: str
    answer: str
    searched: str
    mode: str
    cancelled: bool = False
    sources: tuple[Source, ...] = ()
    created_at: str = ""


def sources_of(answer: Answer) -> tuple[Source, ...]:
    """Every context of an answer, numbered as the answer's markers count them."""
    cited = {c.number: c for c in answer.citations}
    out: list[Source] = []
    for number, chunk in enumerate(answer.contexts, start=1):
        citation = cited.get(number)
        if citation is None:
            out.append(Source(number, chunk))
        else:
            out.append(Source(number, chunk, citation.quote, citation.score))
    return tuple(out)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class ConversationStore:
    """Create, list, load and extend conversations. Not thread-safe: one thread uses it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.unsaved = ""  # why conversations are kept in memory only ("": they are saved)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=10.0, isolation_level=None)
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(SCHEMA)
        except (OSError, sqlite3.OperationalError) as err:
            # a read-only home (a snapshot, a shared mount): the chat answers all the same
            self.unsaved = f"{path} cannot be written ({err}); conversations are not saved"
            self._db = sqlite3.connect(":memory:", isolation_level=None)
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(SCHEMA)

    @classmethod
    def in_home(cls, home: Path) -> ConversationStore:
        return cls(home / FILE_NAME)

    def create(self, index_name: str, first_question: str) -> Conversation:
        title = " ".join(first_question.split())
        if len(title) > TITLE_CHARS:
            title = title[: TITLE_CHARS - 1] + "…"
        now = _now()
        cursor = self._db.execute(
            "INSERT INTO conversations (index_name, title, created_at, updated_at) "
            "VALUES (?, ?, ?, ?)",
            (index_name, title, now, now),
        )
        assert cursor.lastrowid is not None
        return Conversation(cursor.lastrowid, index_name, title, now, now, 0)

    def append_turn(self, conversation_id: int, turn: SavedTurn) -> None:
        sources = json.dumps([s.as_json() for s in turn.sources], ensure_ascii=False)
        now = _now()
        with self._db:  # one transaction: the turn and the conversation's new time
            self._db.execute("BEGIN")
            self._db.execute(
                "INSERT INTO turns (conversation_id, question, answer, searched, mode, "
                "cancelled, sources, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    conversation_id,
                    turn.question,
                    turn.answer,
                    turn.searched,
                    turn.mode,
                    int(turn.cancelled),
                    sources,
                    now,
                ),
            )
            self._db.execute(
                "UPDATE conversations SET updated_at = ? WHERE id = ?", (now, conversation_id)
            )

    def recent(self, index_name: str | None = None, limit: int = 100) -> list[Conversation]:
        """Most recently active first."""
        where, args = ("WHERE c.index_name = ?", [index_name]) if index_name else ("", [])
        rows = self._db.execute(
            "SELECT c.id, c.index_name, c.title, c.created_at, c.updated_at, "
            "(SELECT count(*) FROM turns t WHERE t.conversation_id = c.id) "
            f"FROM conversations c {where} ORDER BY c.updated_at DESC, c.id DESC LIMIT ?",
            (*args, limit),
        ).fetchall()
        return [Conversation(*row) for row in rows]

    def latest(self, index_name: str | None = None) -> Conversation | None:
        found = self.recent(index_name, limit=1)
        return found[0] if found else None

    def load(self, conversation_id: int) -> list[SavedTurn]:
        rows = self._db.execute(
            "SELECT question, answer, searched, mode, cancelled, sources, created_at "
            "FROM turns WHERE conversation_id = ? ORDER BY id",
            (conversation_id,),
        ).fetchall()
        return [
            SavedTurn(
                q,
                a,
                s,
                mode,
                bool(cancelled),
                tuple(Source.from_json(d) for d in json.loads(src)),
                created,
            )
            for q, a, s, mode, cancelled, src, created in rows
        ]

    def close(self) -> None:
        self._db.close()
