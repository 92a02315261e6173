"""What the reader is shown after an answer, decided once for every front end.

`present(answer, quotes_only)` gives a `Presentation`: the text shown (the answer's, or
the extractive quotes' when setting `unsupported_answer = "quotes-only"` replaced a model
answer that does not stand alone), the one line saying why quotes are shown, the
sentences marked unsupported, the quotes shown under the answer, and the numbered
sources of each. Front ends only format it: `ask` as plain text (localqa/cli/answer.py),
the chat as Markdown (localqa/tui/present.py), and `localqa eval` judges its
`reader_text()` ("gold shown", localqa/answer_eval.py), so the benchmark measures what
users read. `shown_stream` is an answer as a front end shows it: the tokens to show live,
then the Presentation. `Answerer.quotes_only` is the policy, read from the settings there.
"""

from __future__ import annotations

import threading
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from localqa.answering.answer import Answer, Final, Token
from localqa.answering.conversations import Source, sources_of
from localqa.answering.reasons import QUOTES_BECAUSE, REPLACED_BECAUSE, SHORT_REASON

if TYPE_CHECKING:
    from localqa.answering.answerer import Answerer
    from localqa.schema import Turn

NOT_SHOWN = "The model's answer is not shown."


@dataclass(frozen=True)
class Presentation:
    """One answer as shown. `answer` is the whole answer as the Answerer gave it (for
    `--json`, the chat's status line); `shown` the answer whose text and sources are shown:
    `answer`, or its extractive quotes when they `replaced` it. `because` is the one line
    above the quotes, saying why they are shown (with `NOT_SHOWN` first when they replaced
    the answer; "" when no quotes are shown); `short_because` the same in a few words.
    `unsupported`: the sentences shown marked as not supported by the sources. `under`: the
    quotes shown under the text, their sources numbered apart. `live`: the text was shown
    token by token as it was written (not under quotes-only: it may be replaced)."""

    answer: Answer
    shown: Answer
    replaced: bool = False
    because: str = ""
    short_because: str = ""
    unsupported: tuple[str, ...] = ()
    under: Answer | None = None
    live: bool = True

    @property
    def text(self) -> str:
        return self.shown.text

    @property
    def sources(self) -> tuple[Source, ...]:
        """Every source of the text shown, numbered as its [n] markers count them; a cited
        one carries its quote and support score."""
        return sources_of(self.shown)

    @property
    def under_sources(self) -> tuple[Source, ...]:
        return () if self.under is None else sources_of(self.under)

    @property
    def nearest(self) -> bool:
        """The sources are the passages nearest to a question the documents do not answer."""
        return self.shown.abstained

    def reader_text(self) -> str:
        """The words the reader reads, in the order shown: the text, the quote of each
        source it cites, then the quotes shown under it and their sources' quotes. Not the
        lines a front end adds around them (headings, `because`, the sources' locations and
        scores): a gold answer "3" is not shown by "lines 3-4"."""
        parts = [self.text, *(s.quote for s in cited(self.sources))]
        if self.under is not None:
            parts += [self.under.text, *(s.quote for s in cited(self.under_sources))]
        return "\n".join(parts)


def cited(sources: Sequence[Source]) -> list[Source]:
    """The sources an answer cites (those with a quote), in their order."""
    return [s for s in sources if s.quote]


def present(answer: Answer, quotes_only: bool) -> Presentation:
    """How `answer` is shown; `quotes_only`: `Answerer.quotes_only`. The extractive quotes
    of an answer that does not stand alone (answering/relevance.py) are shown under it,
    or instead of it with `quotes_only`. An answer cut short by a cancel is shown as it
    was cut, unjudged: its last sentence may be half written. An answer that rests on a
    source's instructions to the model (REPLACED_BECAUSE) is always replaced: its text was
    shown as it streamed, but the final presentation is the quotes."""
    # an answer over a source that addresses the model was not streamed (answerer.py)
    live = not quotes_only and not (answer.mode == "generative" and answer.instruction_sources)
    quotes = answer.fallback
    if quotes is None or answer.cancelled:
        unsupported = () if answer.cancelled else tuple(answer.unsupported)
        return Presentation(answer, answer, unsupported=unsupported, live=live)
    because = QUOTES_BECAUSE[answer.fallback_reason]
    short = SHORT_REASON[answer.fallback_reason]
    if quotes_only or answer.fallback_reason in REPLACED_BECAUSE:
        return Presentation(
            answer,
            quotes,
            replaced=True,
            because=f"{NOT_SHOWN} {because}",
            short_because=short,
            live=live,
        )
    return Presentation(
        answer,
        answer,
        because=because,
        short_because=short,
        unsupported=tuple(answer.unsupported),
        under=quotes,
        live=live,
    )


@dataclass(frozen=True)
class Shown:
    """The last event of `shown_stream`: the answer and how it is shown."""

    presentation: Presentation


ShownEvent = Token | Shown


def shown_stream(
    answerer: Answerer,
    question: str,
    history: Sequence[Turn] = (),
    stop: threading.Event | None = None,
    documents: Sequence[str] = (),
) -> Iterator[ShownEvent]:
    """`answerer.stream` as a front end shows it: `Token`s to show as they come (none
    under quotes-only), then one `Shown`. Raises what `Answerer.stream` raises."""
    quotes_only = answerer.quotes_only
    events = answerer.stream(question, history, stop, documents)
    try:
        for event in events:
            if isinstance(event, Final):
                yield Shown(present(event.answer, quotes_only))
            elif not quotes_only:
                yield event
    finally:
        if isinstance(events, Generator):
            events.close()  # closed early: generation ends now, not when garbage-collected
