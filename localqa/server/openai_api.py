"""The OpenAI-compatible routes of `localqa serve`: `GET /v1/models` and
`POST /v1/chat/completions` (the protocol's objects and the reply's text: completions.py),
answered by the engine's `converse`, one question at a time as `/v1/ask` is."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from localqa.errors import LocalqaError
from localqa.server.completions import ChatRequest, Reply, models, reply_head, reply_tail
from localqa.server.engine import Engine, one_line

if TYPE_CHECKING:
    from localqa.answering.session import Answered


def add_openai_routes(app: FastAPI, engine: Engine) -> None:
    """`GET /v1/models` and `POST /v1/chat/completions` on `app`, answered by `engine`."""

    @app.get("/v1/models")
    async def list_models() -> dict[str, Any]:
        """The one model an OpenAI-compatible client can ask for: "localqa"."""
        return models()

    @app.post("/v1/chat/completions", response_model=None)
    async def chat_completions(
        body: ChatRequest, request: Request
    ) -> JSONResponse | StreamingResponse:
        """OpenAI's chat completion: the answer to the last message, a follow-up searched
        as the chat does, with footnotes, `citations` and `searched`; with `stream`, its
        `chat.completion.chunk` events, then `data: [DONE]`."""
        engine.admit()  # first: a question waiting for the engine holds its place
        exchanges, question = body.conversation()
        if body.stream:  # the chunks release the place when they end
            chunks = _chunks(engine, exchanges, question, request)
            return StreamingResponse(chunks, media_type="text/event-stream")
        try:
            done = await _conversed(engine, exchanges, question)
        finally:
            engine.release()
        reply = Reply().completion(done.presentation, done.turn.searched)
        return JSONResponse(engine.localized(reply))


async def _conversed(engine: Engine, exchanges: list[tuple[str, str]], question: str) -> Answered:
    from localqa.answering.session import Answered

    async with aclosing(engine.converse(exchanges, question)) as events:
        async for event in events:
            if isinstance(event, Answered):
                return event
    raise AssertionError("every ChatSession.ask ends with Answered")


async def _chunks(
    engine: Engine, exchanges: list[tuple[str, str]], question: str, request: Request
) -> AsyncIterator[str]:
    """The reply's `chat.completion.chunk` events: the role, the tokens as written, what
    was not streamed (footnotes, quotes), the last chunk with `citations`, `[DONE]`. A
    client gone closes the engine's stream at the next token, which stops generation. An
    error midway is one `{"error": {"message", "type"}}` event, as OpenAI's servers send."""
    from localqa.answering.answerer import Token
    from localqa.answering.session import Answered

    reply = Reply()
    try:
        yield _data(reply.chunk("", role=True))
        async with aclosing(engine.converse(exchanges, question)) as events:
            async for event in events:
                if await request.is_disconnected():
                    return
                if isinstance(event, Token):
                    yield _data(reply.chunk(event.text))
                elif isinstance(event, Answered):
                    shown = event.presentation
                    rest = ("" if shown.live else reply_head(shown)) + reply_tail(shown)
                    if rest:
                        yield _data(reply.chunk(rest))
                    yield _data(engine.localized(reply.last_chunk(shown, event.turn.searched)))
        yield "data: [DONE]\n\n"
    except LocalqaError as err:
        yield _data({"error": {"message": one_line(err), "type": type(err).__name__}})
    finally:
        engine.release()


def _data(data: Any) -> str:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"
