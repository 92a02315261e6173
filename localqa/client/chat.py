"""`localqa chat --server URL`: the chat's core (the `ChatCore` of tui/adapter.py) over a
localqa server. The server answers, each question with the conversation before it
(`POST /v1/ask` with `history`: a follow-up is searched standalone there, as a local
chat does); the conversations are saved here, beside the local ones, under the server's
URL, so ctrl+o and `--resume` find them. A cited file is opened (`o`) where this machine
mounts its root (`source_roots`: the server names each cited file's root and its path
under it), else at the server's path.

Everything runs on one thread of the core's own (the saved conversations' SQLite
connection belongs to it), as the local core does; Esc hangs up, which stops the
server's generation, and the partial answer is kept as cancelled.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from localqa.threads import OwnThread

if TYPE_CHECKING:
    from localqa.answering.conversations import Conversation, ConversationStore, SavedTurn
    from localqa.answering.presentation import Presentation
    from localqa.answering.session import SessionEvent
    from localqa.builder import PartsInfo
    from localqa.client.http import ServerClient


@dataclass
class _Held:
    """The conversation being held: its id once saved, and its turns."""

    id: int | None = None
    turns: list[SavedTurn] = field(default_factory=list)


class RemoteCore:
    """ChatCore over the server `client` talks to; conversations in `store` (opened on
    the core's thread by `open_store`)."""

    def __init__(
        self,
        client: ServerClient,
        open_store: Callable[[], ConversationStore],
        mounts: Sequence[tuple[str, Path]] = (),
    ) -> None:
        self._client = client
        self._mounts = tuple(mounts)  # source_roots: cited files opened where mounted here
        self._name = client.url  # the conversations with this server are saved under it
        self._held = _Held()
        self._thread = OwnThread()
        try:
            self._store = self._thread.call(open_store)
        except BaseException:
            self._thread.close()
            raise

    def load(self) -> PartsInfo:
        """What the server answers from (`/healthz`). Raises ServerError."""
        from localqa.builder import PartsInfo

        health = self._thread.call(self._client.health)
        return PartsInfo(
            f"{health['index']} at {self._client.url}",
            documents=health.get("documents"),
            chunks=health.get("chunks"),
            model_name=health.get("model"),
        )

    def ask(self, question: str, stop: threading.Event) -> Generator[SessionEvent]:
        return self._thread.iterate(lambda: self._ask(question, stop))

    def _ask(self, question: str, stop: threading.Event) -> Iterator[SessionEvent]:
        from localqa.answering.answer import Token
        from localqa.answering.answer_json import answer_from_json
        from localqa.answering.presentation import present
        from localqa.answering.session import Answered, Searched, turn_of
        from localqa.store.roots import on_this_desk

        held = self._held
        question = question.strip()
        history = [(t.question, t.answer) for t in held.turns]
        asked = self._client.ask(question, history=history)
        searched, written, shown = question, "", None
        events = asked.events
        try:
            for event in events:
                if event.answer is not None:
                    here = on_this_desk(event.answer, self._mounts)
                    shown = present(answer_from_json(here), asked.quotes_only)
                elif event.kind == "searched":
                    searched = event.text
                    yield Searched(searched)
                else:
                    written += event.text
                    yield Token(event.text)
                if stop.is_set():
                    break
        finally:
            if isinstance(events, Generator):
                events.close()  # hangs up: the server stops generating
        if shown is None:  # stopped before the answer was whole: kept as written
            shown = _cancelled(searched, written)
        turn = turn_of(question, searched, shown)
        if held is not self._held:
            yield Answered(shown, turn)  # the conversation was left: nothing to keep
            return
        held.turns.append(turn)
        yield Answered(shown, turn, self._save(held, turn))

    def _save(self, held: _Held, turn: SavedTurn) -> str:
        try:
            if held.id is None:
                held.id = self._store.create(self._name, turn.question).id
            self._store.append_turn(held.id, turn)
        except Exception as err:  # noqa: BLE001 - sqlite3.Error or OSError: the chat goes on
            return f"could not save the conversation: {err}"
        return ""

    def new_conversation(self) -> None:
        self._held = _Held()  # one attribute swapped: safe from any thread

    def open_conversation(self, conversation_id: int) -> tuple[SavedTurn, ...]:
        return self._thread.call(lambda: self._open(conversation_id))

    def resume(self) -> tuple[SavedTurn, ...] | None:
        def latest() -> tuple[SavedTurn, ...] | None:
            found = self._store.latest(self._name)
            return None if found is None else self._open(found.id)

        return self._thread.call(latest)

    def _open(self, conversation_id: int) -> tuple[SavedTurn, ...]:
        turns = self._store.load(conversation_id)
        self._held = _Held(conversation_id, turns)
        return tuple(turns)

    def conversations(self) -> list[Conversation]:
        return self._thread.call(lambda: self._store.recent(self._name))

    def close(self) -> None:
        def release() -> None:
            self._store.close()
            self._client.close()

        self._thread.close(last=release)


def _cancelled(searched: str, written: str) -> Presentation:
    """An answer cut short by Esc, as a local chat keeps it: the text written so far."""
    from localqa.answering.answer import Answer
    from localqa.answering.presentation import present

    answer = Answer(searched, written, "generative", (), (), cancelled=True)
    return present(replace(answer, finish_reason="cancelled"), quotes_only=False)
