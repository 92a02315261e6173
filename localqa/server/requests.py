"""The API's request bodies, validated at the HTTP boundary, and the one readable reason
a bad one is refused with (422)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_QUESTION_CHARS = 4000
MAX_ANSWER_CHARS = 100_000
MAX_HISTORY = 100


class Exchange(BaseModel):
    """One earlier question of a conversation and the answer it got."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    question: str = Field(max_length=MAX_QUESTION_CHARS)
    answer: str = Field(max_length=MAX_ANSWER_CHARS)


class AskRequest(BaseModel):
    """`POST /v1/ask`: the question (1..4000 characters, at least one word), the sources
    to consider (1..100; null: the `top_k` setting), the documents to answer from (as
    `/v1/sources` lists them, or their paths; none: all), whether to stream, and the
    conversation it follows (`history`, oldest first, up to 100; given, even empty, the
    question is a chat's: a follow-up is searched standalone, and a stream opens with a
    `searched` event)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    top_k: int | None = Field(None, ge=1, le=100)
    sources: list[str] = Field(default_factory=list, max_length=100)
    stream: bool = False
    history: list[Exchange] | None = Field(None, max_length=MAX_HISTORY)

    @field_validator("question")
    @classmethod
    def _has_a_word(cls, value: str) -> str:
        if not any(ch.isalnum() for ch in value):
            raise ValueError("the question has no word in it")
        return value


def reason(errors: Sequence[Any], content_type: str | None = "application/json") -> str:
    """The first validation error as one line: `field: what is wrong`; a body that is not
    JSON: what the parser found, and where; a body not sent as JSON (`content_type`, the
    request's header, None when it had none: curl's `-d` sends form data's type unless
    told otherwise) or not an object: what to send instead."""
    if not errors:
        return "the request is not valid"
    first = errors[0]
    if tuple(first.get("loc", ())) == ("body",):
        return _body_reason(first, content_type)
    if first.get("type") == "json_invalid":
        loc = [p for p in first.get("loc", ()) if p != "body"]
        where = f" at character {loc[0]}" if loc else ""
        why = str((first.get("ctx") or {}).get("error", "")).strip()
        said = f" ({why})" if why else ""
        return f"the request body is not valid JSON{said}{where}; send a JSON object"
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
    message = str(first.get("msg", "is not valid")).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def _body_reason(first: Any, content_type: str | None) -> str:
    """Why the body as a whole is refused. A body whose Content-Type is not JSON is not
    parsed, even when it is JSON (FastAPI's strict content type: a browser page may send
    text/plain or form data to 127.0.0.1 without asking first, never application/json)."""
    kind = (content_type or "").split(";")[0].strip().lower()
    if not (kind == "application/json" or kind.endswith("+json")):
        had = f"Content-Type {kind}" if kind else "no Content-Type"
        return (
            f"the request body must be a JSON object sent with the header Content-Type: "
            f"application/json (this request has {had}; curl: add -H 'Content-Type: "
            "application/json')"
        )
    if first.get("type") == "missing":
        return "the request has no body; send a JSON object"
    return "the request body must be a JSON object ({...}), not an array, a string or a number"
