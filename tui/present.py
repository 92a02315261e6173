"""Short texts the chat shows: about an answer, the status bar's context and speed."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from localqa.answering.answerer import Answer
from localqa.answering.conversations import Source
from localqa.answering.relevance import QUOTES_BECAUSE, SHORT_REASON
from localqa.errors import LocalqaError
from localqa.tui.adapter import ChatCore
from localqa.tui.widgets import verbatim

# Failures a person can act on: their messages say what to do, so they are shown as they are.
KNOWN_ERRORS = (LocalqaError, OSError)


def readable(err: Exception) -> str:
    """One line for the user; the exception's type only where the message may not say."""
    return str(err) if isinstance(err, KNOWN_ERRORS) else f"{type(err).__name__}: {err}"


def count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def answer_meta(answer: Answer) -> str:
    """The line under an answer: mode, sources, and whether they support it."""
    parts = [answer.mode, count(len(answer.contexts), "source")]
    if answer.abstained:
        parts.append("the documents do not answer this; nearest passages shown")
    elif answer.mode == "generative":
        parts.append(f"{len(answer.citations)} cited")
        if answer.cancelled:
            pass
        elif answer.fallback is not None:
            parts.append(SHORT_REASON[answer.fallback_reason])
        elif not answer.grounded:
            parts.append(f"{count(len(answer.unsupported), 'sentence')} not supported")
    return " · ".join(parts)


def answer_shown(answer: Answer, quotes_only: bool = False) -> Answer:
    """The answer whose text and sources the chat shows: with `quotes_only`, the extractive
    quotes instead of a model answer its sources do not support."""
    if quotes_only and answer.fallback is not None and not answer.cancelled:
        return answer.fallback
    return answer


def shown_answer(answer: Answer, quotes_only: bool = False) -> str:
    """The answer as the chat shows it (Markdown): the text verbatim; under a generated
    one, the sentences its sources do not support, and when it does not stand alone
    (answering/relevance.py), what the sources say and why (with `quotes_only`, only
    that: setting `unsupported_answer`)."""
    shown = verbatim(answer.text)
    if answer.mode != "generative" or answer.cancelled:
        return shown
    if answer_shown(answer, quotes_only) is not answer:
        because = QUOTES_BECAUSE[answer.fallback_reason]
        return f"**The model's answer is not shown. {because}**\n\n" + (
            verbatim(answer.fallback.text if answer.fallback else "")
        )
    if answer.unsupported:
        marked = "\n".join(f"- {verbatim(s)}" for s in answer.unsupported)
        shown += f"\n\n**⚠ Not supported by the sources:**\n\n{marked}"
    if answer.fallback is not None:
        because = QUOTES_BECAUSE[answer.fallback_reason]
        shown += f"\n\n**{because}**\n\n" + verbatim(answer.fallback.text)
    return shown


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
    question: str, core: ChatCore | None, core_error: str | None, running: threading.Event | None
) -> str | None:
    """Why a question cannot be sent now, or None when it can."""
    if not question:
        return "Type a question first."
    if core_error is not None:
        return f"Cannot answer: {core_error}"
    if core is None:
        return "Still loading the index and model; try again in a moment."
    if running is not None:
        return "An answer is still being written: wait, or press Esc to cancel it."
    return None


def answer_with_sources(text: str, sources: Sequence[Source]) -> str:
    """What ctrl+y copies: the answer, then the sources it cites."""
    cited = [s for s in sources if s.quote]
    if not cited:
        return text
    lines = [f"[{s.number}] {s.chunk.location(s.chunk.quote_lines(s.quote))}" for s in cited]
    return text + "\n\nSources:\n" + "\n".join(lines)
