"""The HTTP API of `localqa serve`: `POST /v1/ask` (JSON, or server-sent events with
`stream`), the OpenAI-compatible `POST /v1/chat/completions` and `GET /v1/models`
(completions.py), `GET /v1/sources`, `GET /healthz` and the OpenAPI schema at
/openapi.json.

An answer's JSON is `Answer.as_json()` and `question_cut`, exactly what `localqa ask
--json` prints. No page
loads anything from the internet: FastAPI's /docs and /redoc pages (scripts from a CDN)
are left out. Every error is `{"detail": "one line"}`, never a traceback.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import aclosing, asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import SecretStr

from localqa.errors import LocalqaError, UsageError
from localqa.server.engine import Busy, Engine, one_line
from localqa.server.openai_api import add_openai_routes
from localqa.server.requests import AskRequest, reason

if TYPE_CHECKING:
    from localqa.answering.presentation import Presentation
    from localqa.builder import Builder

log = logging.getLogger("localqa.server")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]
]
RETRY_AFTER_S = 5
SHOWN_HEADER = "localqa-shown"


def create_app(builder: Builder, use_model: bool = True) -> FastAPI:
    """The API over `builder`'s index and model (`use_model` False: extractive), with its
    `serving` settings (`api_token`: every request needs it; `max_queue`). The index is
    opened and the model loaded when the app starts (IndexMissing, ModelError then)."""
    serving = builder.settings.serving
    engine = Engine(builder, serving.max_queue, use_model)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await engine.load()
        try:
            yield
        finally:
            engine.close()

    app = FastAPI(title="localqa", lifespan=lifespan, docs_url=None, redoc_url=None)
    if serving.api_token is not None:
        app.add_middleware(BearerAuth, token=serving.api_token)
    _add_error_handlers(app)

    @app.get("/healthz")
    async def healthz() -> dict[str, Any]:
        """ok, the index's name, its documents and chunks (an ingest beside the server
        counted), the model (null: extractive) and the questions answered or waiting."""
        return await engine.describe()

    @app.get("/v1/sources")
    async def sources() -> list[dict[str, Any]]:
        """The indexed documents, as `localqa sources --json` lists them."""
        return await engine.sources()

    @app.post("/v1/ask", response_model=None)
    async def ask(body: AskRequest, request: Request) -> JSONResponse | StreamingResponse:
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
            shown = await _final(_asked(engine, body, documents))
            answer = await _answer_json(engine, body, shown)
        finally:
            if not streaming:
                engine.release()
        return JSONResponse(answer, headers=headers)

    add_openai_routes(app, engine)
    return app


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


def _add_error_handlers(app: FastAPI) -> None:
    from localqa.store.index import SourceNotFound

    async def invalid(_: Request, err: Exception) -> JSONResponse:
        assert isinstance(err, RequestValidationError)
        return JSONResponse({"detail": reason(err.errors())}, status_code=422)

    async def refused(_: Request, err: Exception) -> JSONResponse:
        if isinstance(err, Busy):
            return JSONResponse(
                {"detail": one_line(err)},
                status_code=503,
                headers={"Retry-After": str(RETRY_AFTER_S)},
            )
        status = 422 if isinstance(err, SourceNotFound | UsageError) else 500
        log.warning("request failed: %s", one_line(err))
        return JSONResponse({"detail": one_line(err)}, status_code=status)

    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(LocalqaError, refused)


class BearerAuth:
    """Every request needs `Authorization: Bearer <token>` (compared in constant time);
    401 otherwise."""

    def __init__(self, app: ASGIApp, token: SecretStr) -> None:
        self.app = app
        self._expected = f"Bearer {token.get_secret_value()}".encode()

    async def __call__(
        self,
        scope: Scope,
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        if scope["type"] == "http":
            given = dict(scope["headers"]).get(b"authorization", b"")
            if not hmac.compare_digest(given, self._expected):
                response = JSONResponse(
                    {"detail": "a valid bearer token is required"},
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
