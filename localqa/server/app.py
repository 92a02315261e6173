"""The HTTP API of `localqa serve`: `POST /v1/ask` (JSON, or server-sent events with
`stream`), the OpenAI-compatible `POST /v1/chat/completions` and `GET /v1/models`
(completions.py), `GET /v1/sources`, `GET /healthz` and the OpenAPI schema at
/openapi.json.

An answer's JSON is `Answer.as_json()` and `question_cut`, exactly what `localqa ask
--json` prints. No page
loads anything from the internet: FastAPI's /docs and /redoc pages (scripts from a CDN)
are left out. Every error of /v1/ask, /v1/sources and /healthz is `{"detail": "one line"}`,
never a traceback; the OpenAI-compatible paths answer errors in OpenAI's shape
(`{"error": {"message", "type", "param", "code"}}`, errors.py). A non-streamed answer
whose client hangs up is given up (generation stops at its next token), as a stream's is.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing, asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from localqa.errors import LocalqaError
from localqa.server.engine import Engine, one_line
from localqa.server.errors import add_error_handlers
from localqa.server.middleware import CLIENT_GONE, AccessLog, BearerAuth
from localqa.server.openai_api import add_openai_routes
from localqa.server.relay import ClientGone, unless_gone
from localqa.server.requests import AskRequest

if TYPE_CHECKING:
    from localqa.answering.presentation import Presentation
    from localqa.builder import Builder

SHOWN_HEADER = "localqa-shown"


def create_app(builder: Builder, use_model: bool = True, engine: Engine | None = None) -> FastAPI:
    """The API over `builder`'s index and model (`use_model` False: extractive), with its
    `serving` settings (`api_token`: every request needs it; `max_queue`). `engine`: one
    loaded already (`localqa serve` loads it before it says it is serving, so that a model
    that cannot load is one line); else the index is opened and the model loaded when the
    app starts (IndexMissing, ModelError then)."""
    serving = builder.settings.serving
    engine = engine or Engine(builder, serving.max_queue, use_model)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if not engine.loaded:
            await engine.load()
        try:
            yield
        finally:
            engine.close()

    app = FastAPI(title="localqa", lifespan=lifespan, docs_url=None, redoc_url=None)
    if serving.api_token is not None:
        app.add_middleware(BearerAuth, token=serving.api_token)
    app.add_middleware(AccessLog)  # the outermost: a request refused for its token is logged
    add_error_handlers(app)
    _add_routes(app, engine)
    add_openai_routes(app, engine)
    return app


def _add_routes(app: FastAPI, engine: Engine) -> None:
    """`GET /healthz`, `GET /v1/sources` and `POST /v1/ask` on `app`, answered by `engine`."""

    @app.get("/healthz", response_model=None)
    async def healthz() -> JSONResponse:
        """`status` ("ok", or "degraded" naming the parts in `degraded`), each part's state
        (`parts`: index, vectors, model), the index's name, its documents and chunks (an
        ingest beside the server counted), the model (null: extractive) and the questions
        answered or waiting. 503 when the index cannot be read."""
        described = await engine.describe()
        readable = described["parts"]["index"] == "ok"
        return JSONResponse(described, status_code=200 if readable else 503)

    @app.get("/v1/sources")
    async def sources() -> list[dict[str, Any]]:
        """The indexed documents, as `localqa sources --json` lists them."""
        return await engine.sources()

    @app.post("/v1/ask", response_model=None)
    async def ask(body: AskRequest, request: Request) -> Response:
        """The answer as `localqa ask --json` prints it; with `stream`, server-sent events:
        (`searched` ({"text"}) with `history`,) `token` ({"text"}) as written, then one
        `answer` with that object. Header `localqa-shown`: "quotes-only" when a model
        answer that does not stand alone is replaced by its quotes, else "answer"."""
        engine.admit()  # first: a question waiting for the engine holds its place
        streaming = False
        headers = {SHOWN_HEADER: "quotes-only" if engine.quotes_only else "answer"}
        try:
            documents = await engine.documents(body.sources)
            if body.stream:
                streaming = True  # the events release the place when they end
                events = _events(engine, body, _asked(engine, body, documents), request)
                return StreamingResponse(events, media_type="text/event-stream", headers=headers)
            shown = await unless_gone(
                _final(_asked(engine, body, documents)), request.is_disconnected
            )
            answer = await _answer_json(engine, body, shown)
        except ClientGone:
            return Response(status_code=CLIENT_GONE)
        finally:
            if not streaming:
                engine.release()
        return JSONResponse(answer, headers=headers)


def _asked(engine: Engine, body: AskRequest, documents: list[str]) -> AsyncGenerator[Any]:
    """The engine's events for the question: alone, or after its `history`."""
    if body.history is None:
        return engine.stream(body.question, body.top_k, documents)
    exchanges = [(e.question, e.answer) for e in body.history]
    return engine.converse(exchanges, body.question, body.top_k, documents)


def _shown(event: Any) -> Presentation | None:
    """The answer as shown, from the last event of either stream."""
    from localqa.answering.presentation import Shown
    from localqa.answering.session import Answered

    return event.presentation if isinstance(event, Shown | Answered) else None


async def _final(asked: AsyncGenerator[Any]) -> Presentation:
    async with aclosing(asked) as events:
        async for event in events:
            shown = _shown(event)
            if shown is not None:
                return shown
    raise AssertionError("every answer stream ends with the answer shown")


async def _answer_json(engine: Engine, body: AskRequest, shown: Presentation) -> dict[str, Any]:
    """What `localqa ask --json` prints: the answer's JSON and whether the question (as
    searched) was cut for the dense search."""
    cut = await engine.question_cut(shown.answer.question, body.top_k)
    answer: dict[str, Any] = engine.localized({**shown.answer.as_json(), "question_cut": cut})
    return answer


def _sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def _events(
    engine: Engine, body: AskRequest, asked: AsyncGenerator[Any], request: Request
) -> AsyncIterator[str]:
    """The answer's server-sent events. When the client has gone, the engine's stream is
    closed at the next token: that sets its stop event, and generation ends."""
    from localqa.answering.session import Searched

    try:
        async with aclosing(asked) as events:
            async for event in events:
                if await request.is_disconnected():
                    return
                shown = _shown(event)
                if shown is not None:
                    yield _sse("answer", await _answer_json(engine, body, shown))
                elif isinstance(event, Searched):
                    yield _sse("searched", {"text": event.text})
                else:
                    yield _sse("token", {"text": event.text})
    except LocalqaError as err:
        yield _sse("error", {"detail": one_line(err)})
    finally:
        engine.release()
