"""The OpenAI-compatible face of `localqa serve`: `POST /v1/chat/completions` and
`GET /v1/models`, so chat front ends and editor plugins that speak that protocol use
localqa as a model named "localqa".

The conversation in `messages` drives a ChatSession (localqa/answering/session.py), as the
chat does: a follow-up is searched as its standalone form. The reply's text is the answer
as `localqa ask` shows it, its citations as footnotes (`[1] file, page 3, lines 10-12:
"quote"`); an extra top-level `citations` field carries them as `ask --json` does, and
`searched` what the question was searched as, `verdict` what the reader was shown (as
`ask --json`'s). With `stream`, `chat.completion.chunk` server-sent events, the footnotes,
`citations` and `verdict` in the last ones, then `data: [DONE]`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from localqa.server.requests import MAX_QUESTION_CHARS

if TYPE_CHECKING:
    from localqa.answering.conversations import Source
    from localqa.answering.presentation import Presentation

MODEL_NAME = "localqa"
MAX_MESSAGES = 200
UNSUPPORTED = "[not supported by the sources]"


class ContentPart(BaseModel):
    """One part of a message's content; only text parts are read."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    type: str
    text: str = ""


class ChatMessage(BaseModel):
    """One message of the conversation, as OpenAI's API takes it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None

    @property
    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(p.text for p in self.content if p.type == "text")
        return self.content or ""


class StreamOptions(BaseModel):
    """OpenAI's `stream_options`: `include_usage` adds a last chunk with the usage."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    include_usage: bool = False


class ChatRequest(BaseModel):
    """`POST /v1/chat/completions`: `model` "localqa", the conversation (1..200 messages,
    the last a user's question of 1..4000 characters with a word in it), whether to
    stream (`stream_options.include_usage`: a last chunk with the usage), and the answer's
    `max_tokens` (or `max_completion_tokens`: at most that many, within the budget the
    model's size and window allow) and `temperature` (0..2; none: the server's setting,
    greedy by default). Only one choice (`n` 1). Other OpenAI parameters (top_p, stop,
    tools, ...) are accepted and ignored: localqa answers with its own prompt."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    model: str = MODEL_NAME
    messages: list[ChatMessage] = Field(min_length=1, max_length=MAX_MESSAGES)
    stream: bool = False
    stream_options: StreamOptions | None = None
    max_tokens: int | None = Field(None, ge=1)
    max_completion_tokens: int | None = Field(None, ge=1)
    temperature: float | None = Field(None, ge=0.0, le=2.0)
    n: int = Field(1, ge=1, le=1)

    @property
    def include_usage(self) -> bool:
        return self.stream_options is not None and self.stream_options.include_usage

    @property
    def answer_tokens(self) -> int | None:
        """The answer's token limit asked for (`max_completion_tokens` first, as OpenAI)."""
        return self.max_completion_tokens or self.max_tokens

    @field_validator("model")
    @classmethod
    def _is_localqa(cls, value: str) -> str:
        if value != MODEL_NAME:
            raise ValueError(f"the only model here is {MODEL_NAME!r}, not {value!r}")
        return value

    @field_validator("messages")
    @classmethod
    def _ends_with_a_question(cls, value: list[ChatMessage]) -> list[ChatMessage]:
        last = value[-1]
        if last.role != "user":
            raise ValueError("the last message must be the user's question")
        question = last.text
        if len(question) > MAX_QUESTION_CHARS:
            raise ValueError(f"the question is longer than {MAX_QUESTION_CHARS} characters")
        if not any(ch.isalnum() for ch in question):
            raise ValueError("the question has no word in it")
        return value

    def conversation(self) -> tuple[list[tuple[str, str]], str]:
        """The (question, answer) pairs before the last question, oldest first (the
        footnotes localqa added to an answer taken off), and that question. System
        messages are left out: localqa answers with its own prompt."""
        exchanges: list[tuple[str, str]] = []
        asked: str | None = None
        for message in self.messages[:-1]:
            if message.role == "user":
                asked = message.text if asked is None else f"{asked}\n{message.text}"
            elif message.role == "assistant" and asked is not None:
                exchanges.append((asked, without_footnotes(message.text)))
                asked = None
        return exchanges, self.messages[-1].text


def without_footnotes(reply: str) -> str:
    """An answer as localqa wrote it, from a reply of `reply_text`'s (what follows the
    answer, from its first blank-line-separated footnote block on, taken off, and the
    marks of unsupported sentences in it)."""
    blocks = reply.split("\n\n")
    for i, block in enumerate(blocks[1:], start=1):
        if block.startswith(("Sources:", "Nearest passages:", UNSUPPORTED)):
            reply = "\n\n".join(blocks[:i])
            break
    return reply.replace(f"{UNSUPPORTED} ", "").rstrip()  # marks in the text too


def footnotes(sources: Sequence[Source], heading: str) -> str:
    """`heading`, then one line per cited source: `[n] file, page p, lines a-b: "quote"`
    (the quote's own lines); "" when none is cited."""
    from localqa.answering.presentation import cited

    lines = [
        f'[{s.number}] {s.chunk.location(s.chunk.quote_lines(s.quote))}: "{s.quote}"'
        for s in cited(sources)
    ]
    return f"\n\n{heading}\n" + "\n".join(lines) if lines else ""


def _marked(shown: Presentation, streamed: bool) -> tuple[str, list[str]]:
    """The text shown with each sentence the sources do not support marked where it
    stands ("[not supported by the sources] It is blue."), and the sentences left to list
    after the footnotes: all of them when the text went out token by token (as `localqa
    ask` prints them), else those not found in it. A reply that is not streamed gave the
    text and then the same sentence again under its mark."""
    if streamed and shown.live:
        return shown.text, list(shown.unsupported)
    from localqa.answering.citations import MARKER
    from localqa.sentences import split_sentences

    # as the check read them: without their [n] markers ("Leave is 27 weeks [1].")
    written = {MARKER.sub("", s).strip(): s for s in split_sentences(shown.text)}
    text, rest = shown.text, []
    for sentence in shown.unsupported:
        found = written.get(sentence)
        if found and found in text:
            text = text.replace(found, f"{UNSUPPORTED} {found}", 1)
        else:
            rest.append(sentence)
    return text, rest


def reply_head(shown: Presentation, streamed: bool = False) -> str:
    """The text of the reply before its footnotes, when it was not streamed token by
    token: the line saying why quotes replaced the answer, then the text shown, its
    unsupported sentences marked (`_marked`)."""
    text = _marked(shown, streamed)[0]
    return f"{shown.because}\n\n{text}" if shown.replaced else text


def reply_tail(shown: Presentation, streamed: bool = False) -> str:
    """What follows the answer's text in the reply, as `localqa ask` prints it: the line
    naming other documents a whole-document question matched, the footnotes of its
    sources, the sentences they do not support not marked in the text (`_marked`), and
    the quotes shown under it (with the line saying why) and their own footnotes."""
    heading = "Nearest passages:" if shown.nearest else "Sources:"
    also = "\n".join(shown.answer.lines_after)
    tail = (f"\n\n{also}" if also else "") + footnotes(shown.sources, heading)
    listed = _marked(shown, streamed)[1]
    tail += "".join(f"\n\n{UNSUPPORTED} {sentence}" for sentence in listed)
    if shown.under is not None:
        tail += f"\n\n{shown.because}\n\n{shown.under.text}"
        tail += footnotes(shown.under_sources, "Sources of these quotes:")
    return tail


def citations(shown: Presentation) -> list[dict[str, Any]]:
    """The footnotes of the text shown, as `ask --json` gives citations."""
    return [c.as_json() for c in shown.shown.citations]


def quote_citations(shown: Presentation) -> list[dict[str, Any]]:
    """The footnotes of the quotes shown under the text ("Sources of these quotes:",
    numbered apart), as `ask --json` gives citations; [] when no quotes are shown."""
    return [] if shown.under is None else [c.as_json() for c in shown.under.citations]


def finish_reason(shown: Presentation) -> str:
    """OpenAI's finish_reason: "length" when the model ran out of tokens, else "stop"."""
    return "length" if shown.answer.finish_reason == "length" else "stop"


class Reply:
    """One reply's identity (`id`, `created`) and its objects: the whole
    `chat.completion`, or its `chat.completion.chunk`s."""

    def __init__(self) -> None:
        self.id = f"chatcmpl-{uuid.uuid4().hex}"
        self.created = int(time.time())

    def _object(self, kind: str, choice: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": kind,
            "created": self.created,
            "model": MODEL_NAME,
            "choices": [{"index": 0, **choice}],
        }

    def completion(self, shown: Presentation, searched: str) -> dict[str, Any]:
        message = {"role": "assistant", "content": reply_head(shown) + reply_tail(shown)}
        choice = {"message": message, "finish_reason": finish_reason(shown)}
        completion = self._object("chat.completion", choice) | {"usage": usage(shown)}
        return completion | _extra(shown, searched)

    def usage_chunk(self, shown: Presentation) -> dict[str, Any]:
        """The last chunk with `stream_options.include_usage`: no choice, the usage."""
        return {**self._object("chat.completion.chunk", {}), "choices": [], "usage": usage(shown)}

    def chunk(self, content: str | None = None, role: bool = False) -> dict[str, Any]:
        delta: dict[str, Any] = {"role": "assistant"} if role else {}
        if content is not None:
            delta["content"] = content
        return self._object("chat.completion.chunk", {"delta": delta, "finish_reason": None})

    def last_chunk(self, shown: Presentation, searched: str) -> dict[str, Any]:
        choice = {"delta": {}, "finish_reason": finish_reason(shown)}
        return {**self._object("chat.completion.chunk", choice), **_extra(shown, searched)}


def usage(shown: Presentation) -> dict[str, int]:
    """OpenAI's `usage` of the answer: the prompt's tokens and the answer's, as the model
    counted them (a follow-up's rewrite not included); 0 for an answer no model wrote
    (extractive, or abstaining)."""
    timings = shown.answer.timings
    prompt = int(timings.get("prompt_tokens", 0))
    written = int(timings.get("generated_tokens", 0))
    return {"prompt_tokens": prompt, "completion_tokens": written, "total_tokens": prompt + written}


def _extra(shown: Presentation, searched: str) -> dict[str, Any]:
    """localqa's fields beside OpenAI's: the footnotes as `ask --json`'s citations, what
    the question was searched as (a follow-up made standalone), and `verdict`, what the
    reader was shown (`Answer.verdict`: whether a script may trust the reply)."""
    return {
        "verdict": shown.answer.verdict,
        "citations": citations(shown),
        "quote_citations": quote_citations(shown),
        "searched": searched,
    }


def models() -> dict[str, Any]:
    """`GET /v1/models`: the one model, "localqa"."""
    return {
        "object": "list",
        "data": [{"id": MODEL_NAME, "object": "model", "created": 0, "owned_by": "localqa"}],
    }
