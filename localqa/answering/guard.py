"""What reaches the reader of a streamed answer: the model's text, less what must not show.

A `StreamGuard` sits between the model's token stream and the screen. It

- drops citation markers for sources that do not exist (`[11]` when there are 4), so an
  invented marker is never printed as a citation;
- ends the answer at a stop sequence of the prompt layout ("\\nQuestion:" for a base model
  that starts writing the next exchange), which is not shown;
- ends the answer when the model repeats a line or sentence it has already written (small
  models loop on one line until the token cap), dropping the repeat;
- ends it too when words repeat in a loop inside a sentence ("2022-08-22 2022-08-22 ..."
  until the cap, seen with SmolLM2-135M), keeping the first copy;
- and when sentences keep opening with one label, their values changing ("Answer: Tuesday
  and Thursday.", "Answer: Wednesday and Thursday.", ... 30 lines to the cap, Gemma-3-270M
  asked a question that held "Answer:"): a template in a loop, not repeats of one line;
  the first LABEL_RUN - 1 are kept.

Text that might still turn into one of these (an unclosed `[1`, the start of a stop
sequence, an unfinished line) is held back until it is decided, so what was shown never
needs taking back.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator, Sequence
from typing import TYPE_CHECKING

from localqa.answering.answer import Token
from localqa.answering.citations import MARKER, clean_markers
from localqa.text import unlisted

if TYPE_CHECKING:
    from localqa.answering.spacing import Spacing

# An opening bracket that may still become a marker: "[", "[1", "[1, 2".
OPEN_MARKER = re.compile(r"\s?\[[\d,\s]*$")
# Sentence ends, as the support check splits them; repeats shorter than this are normal.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n")
MIN_REPEAT_CHARS = 12
# A run of words is a loop when it comes twice in a row and is at least this long, or three
# times and at least LOOP_THRICE_CHARS ("ha ha ha"); runs of up to LOOP_MAX_WORDS words.
LOOP_TWICE_CHARS = 8
LOOP_THRICE_CHARS = 3
LOOP_MAX_WORDS = 16
WORD = re.compile(r"\S+")
# A sentence opening with a label ("Answer: ...", "Team lead: ..."): one to three words
# before a colon, then its value. LABEL_RUN sentences in a row opening with one label
# are a loop.
LABEL = re.compile(r"\s*([^\W\d_][^\W_]*(?: [^\W\d_][^\W_]*){0,2})\s*[:：]\s*\S")
LABEL_RUN = 3
# What may still become a list item's number or bullet ("2", "2.", "- ").
LIST_MARK_SO_FAR = re.compile(r"\s*(?:\d{1,3}[.)]?|[-*\u2022])\s*")


class StreamGuard:
    """Feed it the model's pieces; show what it returns. `finished` says to stop
    generating; `reason` is "stop" (a stop sequence) or "repetition" once it is."""

    def __init__(self, n_sources: int, stops: Sequence[str] = ()) -> None:
        self._n_sources = n_sources
        self._stops = tuple(s for s in stops if s)
        self._pending = ""  # received, not yet shown
        self._sentence = ""  # the shown part of the sentence being written
        self.text = ""  # shown so far
        self._seen: set[str] = set()
        self._labels: list[str] = []  # each shown sentence's label ("" for none), in order
        self.finished = False
        self.reason = ""

    def feed(self, piece: str) -> str:
        """The text that can be shown now (possibly "")."""
        if self.finished:
            return ""
        self._pending += piece
        self._cut_at_stop()
        self._cut_at_loop()
        held = "" if self.finished else self._pending[len(self._pending) - self._undecided() :]
        self._pending = self._pending[: len(self._pending) - len(held)]
        shown, after = [self._end_shown_sentence()], 0
        while match := SENTENCE_END.search(self._pending, after):
            part = self._pending[: match.end()]
            if not unlisted(self._sentence + part).strip():
                after = match.end()  # "2. " opens a list item; its sentence follows
                continue
            self._pending, after = self._pending[match.end() :], 0
            if not self._accept(self._sentence + part):
                break
            self._sentence = ""
            shown.append(part)
        if self.finished:  # what came before the stop sequence or the loop is final
            shown.append(self._take_rest())
        elif not self.finished:
            shown.append(self._release_partial())
            self._pending += held
        return self._show("".join(shown))

    def flush(self) -> str:
        """What is left once the model has finished."""
        self._cut_at_loop(ended=True)
        return self._show(self._take_rest())

    def _end_shown_sentence(self) -> str:
        """The whitespace after a sentence whose last piece ended on its full stop ("...
        policies." then " The"): the sentence is complete, so it counts for repeats now
        (SENTENCE_END cannot see a stop shown before the space that follows it)."""
        space = len(self._pending) - len(self._pending.lstrip())
        ended = self._sentence.rstrip()[-1:] in (".", "!", "?")
        if self.finished or not space or not ended or not unlisted(self._sentence).strip():
            return ""
        part, self._pending = self._pending[:space], self._pending[space:]
        if not self._accept(self._sentence + part):  # shown already: only its repeat goes
            return ""
        self._sentence = ""
        return part

    def _release_partial(self) -> str:
        """The unfinished sentence so far, unless it may still turn out a repeat (it begins
        like a sentence already shown, or the words waiting were written just before in
        this sentence: the start of a loop)."""
        key = _key(self._sentence + self._pending)
        if key and any(seen.startswith(key) for seen in self._seen):
            return ""
        if LIST_MARK_SO_FAR.fullmatch(self._sentence + self._pending):
            return ""  # "2." may open a list item that repeats one shown
        if self._pending.strip() and self._pending in self._sentence:
            return ""
        if self._runs_on(self._sentence + self._pending):  # a label in a loop
            return ""
        if _ends_doubled(_whole_words(self.text + self._pending)):  # a third copy may come
            return ""
        part, self._pending = self._pending, ""
        self._sentence += part
        return part

    def _take_rest(self) -> str:
        rest, self._pending = OPEN_MARKER.sub("", self._pending), ""
        return rest if rest and self._accept(self._sentence + rest) else ""

    def _show(self, text: str) -> str:
        text = clean_markers(text, self._n_sources)
        self.text += text
        return text

    def _accept(self, sentence: str) -> bool:
        """False, and finished, when the sentence repeats one already shown, or opens with
        the label the LABEL_RUN - 1 sentences before it opened with."""
        key = _key(sentence)
        if (len(key) >= MIN_REPEAT_CHARS and key in self._seen) or self._runs_on(sentence):
            self._pending = ""
            self.finished, self.reason = True, "repetition"
            return False
        if len(key) >= MIN_REPEAT_CHARS:
            self._seen.add(key)
        self._labels.append(_label(sentence))
        return True

    def _runs_on(self, sentence: str) -> bool:
        """The sentence (or its start) opens with the label of each of the LABEL_RUN - 1
        sentences shown before it."""
        label, before = _label(sentence), self._labels[1 - LABEL_RUN :]
        return bool(label) and len(before) == LABEL_RUN - 1 and all(b == label for b in before)

    def _cut_at_loop(self, ended: bool = False) -> None:
        """End where the words start to loop (`loop_start`), dropping the copies not shown
        yet. Only whole words count: a word is whole once whitespace follows it, or
        (`ended`) once the model has stopped."""
        if self.finished:
            return
        whole = self.text + self._pending
        at = loop_start(whole if ended else _whole_words(whole))
        if at is not None:
            self._pending = self._pending[: max(0, at - len(self.text))]
            self.finished, self.reason = True, "repetition"

    def _undecided(self) -> int:
        """How many characters at the end of the pending text may still change meaning."""
        held = 0
        if match := OPEN_MARKER.search(self._pending):
            held = len(self._pending) - match.start()
        for stop in self._stops:  # a suffix that begins a stop sequence
            for size in range(min(len(stop) - 1, len(self._pending)), 0, -1):
                if self._pending.endswith(stop[:size]):
                    held = max(held, size)
                    break
        return held

    def _cut_at_stop(self) -> None:
        """End at the first stop sequence; it may begin in text already shown (a newline)."""
        whole = self.text + self._pending
        for stop in self._stops:
            at = whole.find(stop, max(0, len(self.text) - len(stop) + 1))
            if at >= 0:
                self._pending = self._pending[: max(0, at - len(self.text))]
                self.finished, self.reason = True, "stop"


def loop_start(text: str) -> int | None:
    """Where the loop at the end of `text` begins repeating: the index just after the first
    copy of a run of words that ends `text` twice in a row (a run of LOOP_TWICE_CHARS or
    more) or three times (LOOP_THRICE_CHARS or more); None when it does not end in one."""
    spans = [(m.start(), m.end()) for m in WORD.finditer(text)]
    words = [text[a:b] for a, b in spans]
    for size in range(1, min(LOOP_MAX_WORDS, len(words) // 2) + 1):
        chars = len(" ".join(words[-size:]))
        copies = 2 if chars >= LOOP_TWICE_CHARS else 3
        if chars >= LOOP_THRICE_CHARS and _ends_with_copies(words, size, copies):
            return spans[len(words) - (copies - 1) * size - 1][1]  # the end of the first copy
    return None


def _ends_with_copies(words: list[str], size: int, copies: int) -> bool:
    """The last `size` words come `copies` times in a row at the end of `words`."""
    if len(words) < copies * size:
        return False
    unit, end = words[-size:], len(words)
    return all(words[end - (n + 1) * size : end - n * size] == unit for n in range(copies))


def _whole_words(text: str) -> str:
    """`text` without its last word unless whitespace follows it (the word may go on)."""
    if not text.strip():
        return ""
    return text if text[-1].isspace() else text[: len(text) - len(text.split()[-1])]


def _ends_doubled(text: str) -> bool:
    """`text` ends with a run of words (LOOP_THRICE_CHARS or more) written twice in a row."""
    words = text.split()
    return any(
        len(" ".join(words[-size:])) >= LOOP_THRICE_CHARS and _ends_with_copies(words, size, 2)
        for size in range(1, min(LOOP_MAX_WORDS, len(words) // 2) + 1)
    )


def _key(sentence: str) -> str:
    """A sentence as repeats are compared: markers and a list item's number dropped
    ("2. The alcohol is not reimbursed." repeats "1. The ..."), and case, punctuation and
    whitespace too: "The handbook is legal." repeats "the handbook is legal"."""
    return " ".join(_KEY_WORD.findall(unlisted(MARKER.sub("", sentence).strip()).lower()))


_KEY_WORD = re.compile(r"\w+")


def _label(sentence: str) -> str:
    """The label the sentence opens with (LABEL), lower-cased: "" without one."""
    found = LABEL.match(unlisted(MARKER.sub("", sentence)))
    return found.group(1).lower() if found else ""


def guarded(pieces: Generator[str], guard: StreamGuard, spacing: Spacing) -> Iterator[Token]:
    """The model's pieces as the guard lets them through, until it or the model ends,
    spaced as a reader expects (answering/spacing.py)."""
    try:
        for piece in pieces:
            if shown := spacing.feed(guard.feed(piece)):
                yield Token(shown)
            if guard.finished:
                break
    finally:
        pieces.close()  # ends generation when the guard stopped it
    if rest := spacing.feed(guard.flush()) + spacing.flush():
        yield Token(rest)
