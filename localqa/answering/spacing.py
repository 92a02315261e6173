"""A generated answer's whitespace as a reader expects it, while it streams.

A small model copies its sources' layout: "If the 20th falls on a weekend or a public\\n
holiday" (the file's line break and indent inside a sentence). `Spacing` collapses
whitespace inside a sentence to one space and keeps the breaks that mean something: a
paragraph break (a blank line: one is kept), a line that starts a list item ("- ", "2. "),
and a line break after a sentence's end (a line per sentence). Leading and trailing
whitespace of the answer goes.

A run of whitespace is decided only once the text after it shows whether a list item
starts there, so what was shown never needs taking back.
"""

from __future__ import annotations

import re

# A list item at the start of a line: "- x", "* x", "• x", "2. x", "2) x".
LIST_ITEM = re.compile(r"(?:[-*\u2022]|\d{1,3}[.)])\s")
# Characters after a line break that decide whether a list item starts there.
LOOKAHEAD = 5
SENTENCE_ENDS = ".!?:\u3002\uff01\uff1f\uff1a"
RUN = re.compile(r"\s+")


class Spacing:
    """Feed it the text shown so far, piece by piece; show what it returns. `text` is the
    answer as shown: whitespace collapsed inside sentences, breaks kept between them."""

    def __init__(self) -> None:
        self.text = ""
        self._pending = ""

    def feed(self, piece: str) -> str:
        """What can be shown now of `piece` and what was held (possibly "")."""
        self._pending += piece
        cut = self._undecided_from()
        ready, self._pending = self._pending[:cut], self._pending[cut:]
        return self._emit(ready, ended=False)

    def flush(self) -> str:
        """The rest, once the stream has ended: trailing whitespace dropped."""
        ready, self._pending = self._pending, ""
        return self._emit(ready.rstrip(), ended=True)

    def _undecided_from(self) -> int:
        """Where the text still to be decided begins: a trailing run of whitespace, or one
        holding a line break with fewer than LOOKAHEAD characters after it."""
        last = None
        for match in RUN.finditer(self._pending):
            last = match
        if last is None:
            return len(self._pending)
        if last.end() == len(self._pending):
            return last.start()
        if "\n" in last.group() and len(self._pending) - last.end() < LOOKAHEAD:
            return last.start()
        return len(self._pending)

    def _emit(self, ready: str, ended: bool) -> str:
        """`ready` with each run of whitespace replaced as the module docstring says."""
        if not ready:
            return ""
        out: list[str] = []
        at = 0
        for match in RUN.finditer(ready):
            out.append(ready[at : match.start()])
            before = (self.text + "".join(out))[-1:]
            out.append(_space(match.group(), before, ready[match.end() :]))
            at = match.end()
        out.append(ready[at:])
        shown = "".join(out)
        if not self.text:
            shown = shown.lstrip()
        self.text += shown
        return shown


def _space(run: str, before: str, after: str) -> str:
    """What a run of whitespace between `before` (a character, "" at the start) and
    `after` (the text that follows) becomes."""
    if not before:
        return ""
    breaks = run.count("\n")
    if breaks >= 2:
        return "\n\n"
    if breaks == 1 and (before in SENTENCE_ENDS or LIST_ITEM.match(after)):
        return "\n"
    return " "
