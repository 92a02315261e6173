"""A chat with the documents, without a screen: the conversation's turns, each follow-up
rewritten to stand alone for retrieval, the answer streamed and shown, the turn saved.

`ChatSession.ask` yields what a front end shows, in order: `Searched` (what the question
was searched as), `Token`s (none under quotes-only: presentation.py), then one `Answered`
with the Presentation and the turn as recorded. The chat (localqa/tui/app.py, through
localqa/tui/adapter.py) drives one; an HTTP chat endpoint can drive another the same way.

Threads: the session uses its Answerer (the index's SQLite connection) and its
ConversationStore, which only the thread that opened them may use, so every method runs
on that thread, except `new`, which any thread may call at any time.

A conversation held by someone else (an HTTP client sends it whole with each question)
is taken up with `follow`: its questions' searched forms are replayed by rule, and none
of its turns, nor the new one, is saved.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from localqa.answering.answer import Token
from localqa.answering.conversations import Conversation, ConversationStore, SavedTurn
from localqa.answering.followup import rewrite_by_rule, standalone_question
from localqa.answering.presentation import Presentation, Shown, shown_stream
from localqa.errors import LocalqaError
from localqa.schema import Turn

if TYPE_CHECKING:
    from localqa.answering.answerer import Answerer


class NotReady(LocalqaError):
    """The session has no answerer yet."""


@dataclass(frozen=True)
class Searched:
    """What retrieval searched for: the question, or the follow-up made standalone."""

    text: str


@dataclass(frozen=True)
class Answered:
    """The last event of a turn: how its answer is shown, the turn as recorded, and why it
    could not be saved ("" when it was; the conversation goes on either way)."""

    presentation: Presentation
    turn: SavedTurn
    unsaved: str = ""


SessionEvent = Searched | Token | Answered


@dataclass
class _Held:
    """The conversation being held: its id once saved, its turns, and whether a new turn
    is saved (not in a conversation the caller holds: `follow`)."""

    id: int | None = None
    turns: list[SavedTurn] = field(default_factory=list)
    keep: bool = True


def turn_of(question: str, searched: str, shown: Presentation) -> SavedTurn:
    """The turn kept of an answer: what was shown (the quotes, when they replaced the
    model's answer) with its sources, and the mode it was answered in."""
    answer = shown.answer
    return SavedTurn(question, shown.text, searched, answer.mode, answer.cancelled, shown.sources)


class ChatSession:
    """One conversation at a time over one index's saved conversations (`store`, those of
    `index_name`; None: nothing is saved or reopened). `answerer` may come later than the
    store (the chat lists and reopens conversations while the model loads); asking before
    raises NotReady."""

    def __init__(
        self, store: ConversationStore | None, index_name: str, answerer: Answerer | None = None
    ) -> None:
        self.store = store
        self.index_name = index_name
        self.answerer = answerer
        self._held = _Held()

    @property
    def turns(self) -> tuple[SavedTurn, ...]:
        return tuple(self._held.turns)

    @property
    def conversation_id(self) -> int | None:
        """The saved conversation's id; None until its first turn is saved."""
        return self._held.id

    def ask(
        self, question: str, stop: threading.Event | None = None, documents: Sequence[str] = ()
    ) -> Iterator[SessionEvent]:
        """Answer `question` in this conversation (events: module docstring), from
        `documents` only when any are given (absolute paths). Setting `stop` ends
        generation at the next token; the turn is then kept as cancelled. A turn whose
        conversation was left (`new`, `open`) before it ended is not kept. Raises NotReady,
        and what `Answerer.stream` raises (EmptyQuestion, ContextTooSmall)."""
        answerer = self.answerer
        if answerer is None:
            raise NotReady("still loading the index and model; try again in a moment")
        held = self._held
        question = question.strip()
        history = [Turn(t.question, t.answer) for t in held.turns]
        # follow-ups build on what the last question was searched as: a chain keeps its subject
        previous = held.turns[-1].searched if held.turns else ""
        searched = standalone_question(question, history, previous, answerer.model, stop)
        yield Searched(searched)
        shown: Presentation | None = None
        for event in shown_stream(answerer, searched, history, stop, documents):
            if isinstance(event, Shown):
                shown = event.presentation
            else:
                yield event
        assert shown is not None  # every stream ends with one Shown
        turn = turn_of(question, searched, shown)
        if held is not self._held:
            yield Answered(shown, turn)  # the conversation was left: nothing to keep
            return
        held.turns.append(turn)
        yield Answered(shown, turn, self._save(held, turn) if held.keep else "")

    def _save(self, held: _Held, turn: SavedTurn) -> str:
        """Save the turn, creating the conversation at its first; why not, or ""."""
        if self.store is None:
            return ""
        try:
            if held.id is None:
                held.id = self.store.create(self.index_name, turn.question).id
            self.store.append_turn(held.id, turn)
        except Exception as err:  # noqa: BLE001 - sqlite3.Error or OSError: the chat goes on
            return f"could not save the conversation: {err}"
        return self.store.unsaved

    def new(self) -> None:
        """Leave the conversation for a new, empty one (saved at its first turn). Safe from
        any thread: it swaps one attribute, so an answer still being written finds its
        conversation left and is not kept."""
        self._held = _Held()

    def follow(self, exchanges: Sequence[tuple[str, str]]) -> None:
        """Go on with a conversation the caller holds: its (question, answer) pairs, oldest
        first. What each question was searched as is replayed by rule (the model is not
        asked again for turns already answered); nothing of it is saved."""
        turns: list[SavedTurn] = []
        previous = ""
        for question, answer in exchanges:
            last_answer = turns[-1].answer if turns else ""
            previous = rewrite_by_rule(question, previous, last_answer)
            turns.append(SavedTurn(question.strip(), answer, previous, mode=""))
        self._held = _Held(turns=turns, keep=False)

    def _saved(self) -> ConversationStore:
        if self.store is None:
            raise NotReady("this conversation is not saved anywhere")
        return self.store

    def open(self, conversation_id: int) -> tuple[SavedTurn, ...]:
        """Go on with a saved conversation; its turns. Raises sqlite3.Error."""
        turns = self._saved().load(conversation_id)
        self._held = _Held(conversation_id, turns)
        return tuple(turns)

    def resume(self) -> tuple[SavedTurn, ...] | None:
        """Go on with this index's most recent conversation; None when there is none."""
        latest = self._saved().latest(self.index_name)
        return None if latest is None else self.open(latest.id)

    def recent(self) -> list[Conversation]:
        """This index's saved conversations, most recently active first."""
        return self._saved().recent(self.index_name)
