"""The OpenAI-compatible routes of `localqa serve`: `GET /v1/models` and
`POST /v1/chat/completions` (the protocol's objects and the reply's text: completions.py),
answered by the engine's `converse` as `/v1/ask` is. Errors are in OpenAI's shape
(errors.py)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from localqa.errors import LocalqaError
from localqa.server.completions import ChatRequest, Reply, models, reply_head, reply_tail
from localqa.server.engine import Engine, one_line
from localqa.server.middleware import CLIENT_GONE
from localqa.server.relay import ClientGone, unless_gone
from localqa.server.tuning import Tuning

if TYPE_CHECKING:
    from localqa.answering.session import Answered


def add_openai_routes(app: FastAPI, engine: Engine) -> None:
    """`GET /v1/models` and `POST /v1/chat/completions` on `app`, answered by `engine`."""

    @app.get("/v1/models")
    async def list_models() -> dict[str, Any]:
        """The one model an OpenAI-compatible client can ask for: "localqa"."""
        return models()

    @app.post("/v1/chat/completions", response_model=None)
    async def chat_completions(body: ChatRequest, request: Request) -> Response:
        """OpenAI's chat completion: the answer to the last message, a follow-up searched
        as the chat does, with footnotes, `citations`, `searched` and `usage`; with
        `stream`, its `chat.completion.chunk` events, then `data: [DONE]`."""
        engine.admit()  # first: a question waiting for the engine holds its place
        exchanges, question = body.conversation()
        tuning = Tuning(body.answer_tokens, body.temperature)
        if body.stream:  # the chunks release the place when they end
            chunks = _chunks(engine, body, tuning, request)
            return StreamingResponse(chunks, media_type="text/event-stream")
        try:
            done = await unless_gone(
                _conversed(engine, exchanges, question, tuning), request.is_disconnected
            )
        except ClientGone:
            return Response(status_code=CLIENT_GONE)
        finally:
            engine.release()
        reply = Reply().completion(done.presentation, done.turn.searched)
        return JSONResponse(engine.localized(reply))


async def _conversed(
    engine: Engine, exchanges: list[tuple[str, str]], question: str, tuning: Tuning
) -> Answered:
    from localqa.answering.session import Answered

    async with aclosing(engine.converse(exchanges, question, tuning=tuning)) as events:
        async for event in events:
            if isinstance(event, Answered):
                return event
    raise AssertionError("every ChatSession.ask ends with Answered")


async def _chunks(
    engine: Engine, body: ChatRequest, tuning: Tuning, request: Request
) -> AsyncIterator[str]:
    """The reply's `chat.completion.chunk` events: the role, the tokens as written, what
    was not streamed (footnotes, quotes), the last chunk with `citations`, with
    `stream_options.include_usage` one more with the usage (the others with `"usage":
    null`, as OpenAI sends them), `[DONE]`. A client gone closes the engine's stream at
    the next token, which stops generation. An error midway is one `{"error": {"message",
    "type", "param", "code"}}` event, as OpenAI's servers send."""
    from localqa.answering.answer import Token
    from localqa.answering.session import Answered

    reply = Reply()
    extra = {"usage": None} if body.include_usage else {}
    exchanges, question = body.conversation()
    try:
        yield _data(reply.chunk("", role=True) | extra)
        asked = engine.converse(exchanges, question, tuning=tuning)
        async with aclosing(asked) as events:
            async for event in events:
                if await request.is_disconnected():
                    return
                if isinstance(event, Token):
                    yield _data(reply.chunk(event.text) | extra)
                elif isinstance(event, Answered):
                    shown = event.presentation
                    head = "" if shown.live else reply_head(shown, streamed=True)
                    rest = head + reply_tail(shown, streamed=True)
                    if rest:
                        yield _data(reply.chunk(rest) | extra)
                    last = reply.last_chunk(shown, event.turn.searched)
                    yield _data(engine.localized(last) | extra)
                    if body.include_usage:
                        yield _data(reply.usage_chunk(shown))
        yield "data: [DONE]\n\n"
    except LocalqaError as err:
        error = {"message": one_line(err), "type": "server_error", "param": None, "code": None}
        yield _data({"error": error})
    finally:
        engine.release()


def _data(data: Any) -> str:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"
