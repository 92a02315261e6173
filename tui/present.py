"""Short texts the chat shows: about an answer, the status bar's context and speed."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from localqa.answering import numbering
from localqa.answering.answer import Answer
from localqa.answering.conversations import Source
from localqa.answering.presentation import cited
from localqa.errors import LocalqaError
from localqa.tui.widgets import verbatim

if TYPE_CHECKING:
    from localqa.answering.presentation import Presentation
    from localqa.builder import PartsInfo

# Failures a person can act on: their messages say what to do, so they are shown as they are.
KNOWN_ERRORS = (LocalqaError, OSError)
LOADING = "Still loading the index and model; try again in a moment."


def readable(err: Exception) -> str:
    """One line for the user; the exception's type only where the message may not say."""
    return str(err) if isinstance(err, KNOWN_ERRORS) else f"{type(err).__name__}: {err}"


def count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def answer_meta(shown: Presentation) -> str:
    """The line under an answer: mode, sources, and whether they support it."""
    answer = shown.answer
    parts = [answer.mode, count(len(answer.contexts), "source")]
    if answer.abstained:
        parts.append("the documents do not answer this; nearest passages shown")
    elif answer.mode == "generative":
        parts.append(f"{len(answer.citations)} cited")
        if answer.cancelled:
            pass
        elif shown.short_because:
            parts.append(shown.short_because)
        elif not answer.grounded:
            parts.append(f"{count(len(answer.unsupported), 'sentence')} not supported")
    return " · ".join(parts)


UNSUPPORTED_HEADING = "⚠ Not supported by the sources:"


@dataclass(frozen=True)
class ChatAnswer:
    """An answer as the chat shows it: `markdown` displayed, `plain` the same words as
    plain text (what ctrl+y copies, with the sources), and `sources` the rows of the
    Sources table, numbered as every [n] shown counts them."""

    markdown: str
    plain: str
    sources: tuple[Source, ...]

    @property
    def copied(self) -> str:
        return answer_with_sources(self.plain, self.sources)


def one_numbering(shown: Presentation) -> tuple[str, tuple[Source, ...]]:
    """The quotes shown under an answer, their [n] markers renumbered into the answer's
    sources, and the one list of sources both count (answering/numbering.py)."""
    numbered = numbering.one_numbering(shown)
    return numbered.under_text, numbered.sources


def chat_answer(shown: Presentation) -> ChatAnswer:
    """The answer as the chat shows it (answering/presentation.py decides what): the text
    verbatim, the line naming other documents a whole-document question matched and the
    one on the answer given with the question, the sentences its sources do not support,
    and the quotes shown under or instead of it, below the line saying why."""
    also = "\n\n".join(shown.answer.lines_after)  # other documents matched, the answer given
    after = (f"\n\n{verbatim(also)}", f"\n\n{also}") if also else ("", "")
    if shown.replaced:
        plain = f"{shown.because}\n\n{shown.text}{after[1]}"
        markdown = f"**{shown.because}**\n\n" + verbatim(shown.text) + after[0]
        return ChatAnswer(markdown, plain, shown.sources)
    under, sources = one_numbering(shown)
    markdown, plain = verbatim(shown.text) + after[0], shown.text + after[1]
    if shown.unsupported:
        markdown += f"\n\n**{UNSUPPORTED_HEADING}**\n\n"
        markdown += "\n".join(f"- {verbatim(s)}" for s in shown.unsupported)
        plain += f"\n\n{UNSUPPORTED_HEADING}\n" + "\n".join(f"- {s}" for s in shown.unsupported)
    if shown.under is not None:
        markdown += f"\n\n**{shown.because}**\n\n" + verbatim(under)
        plain += f"\n\n{shown.because}\n{under}"
    return ChatAnswer(markdown, plain, sources)


def context_line(answer: Answer) -> str:
    """How much context the last answer used, for the status bar."""
    line = f"ctx: {count(len(answer.contexts), 'source')}, {answer.sources_dropped} dropped"
    prompt_tokens = answer.timings.get("prompt_tokens")
    if answer.mode == "generative" and prompt_tokens is not None:
        line += f", {int(prompt_tokens)} prompt tokens"
    return line


def speed_line(answer: Answer) -> str:
    """Generation speed; empty in extractive mode, where no tokens are generated."""
    if answer.mode != "generative":
        return ""
    return f"{answer.timings.get('tokens_per_s', 0.0):.1f} tok/s"


def why_not_ask(
    question: str, info: PartsInfo | None, core_error: str | None, running: threading.Event | None
) -> str | None:
    """Why a question cannot be sent now, or None when it can (`info`: the loaded parts)."""
    if not question:
        return "Type a question first."
    if core_error is not None:
        return f"Cannot answer: {core_error}"
    if info is None:
        return LOADING
    if running is not None:
        return "An answer is still being written: wait, or press Esc to cancel it."
    return None


def answer_with_sources(text: str, sources: Sequence[Source]) -> str:
    """What ctrl+y copies: the answer, then the sources it cites."""
    listed = cited(sources)
    if not listed:
        return text
    lines = [f"[{s.number}] {s.chunk.location(s.chunk.quote_lines(s.quote))}" for s in listed]
    return text + "\n\nSources:\n" + "\n".join(lines)
