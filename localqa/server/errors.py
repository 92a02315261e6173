"""How `localqa serve` refuses a request: one readable line, never a traceback, in the
shape its client expects.

- /v1/ask, /v1/sources, /healthz: `{"detail": "one line"}`; a bad request is a 422.
- The OpenAI-compatible paths (/v1/chat/completions, /v1/models, any other /v1/ path):
  `{"error": {"message", "type", "param", "code"}}` as OpenAI's API sends it: a bad
  request is a 400 `invalid_request_error` naming the field in `param`; an unknown model a
  404 with code `model_not_found`; an unknown path a 404; a full queue a 503.

A full queue is a 503 with `Retry-After` either way. A model server that fails or is down
is a 502, PostgreSQL or a Chroma server down a 503 (the server itself works: not a 500).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from localqa.errors import LocalqaError, UsageError
from localqa.server.engine import Busy, one_line
from localqa.server.middleware import openai_error, openai_path
from localqa.server.requests import reason

log = logging.getLogger("localqa.server")
RETRY_AFTER_S = 5


def add_error_handlers(app: FastAPI) -> None:
    """The handlers of bad requests, HTTP errors (an unknown path) and localqa's errors."""
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(LocalqaError, _refused)


async def _invalid(request: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, RequestValidationError)
    errors = err.errors()
    said = reason(errors, request.headers.get("content-type"))
    if not openai_path(request.url.path):
        return JSONResponse({"detail": said}, status_code=422)
    first = errors[0] if errors else {}
    loc = [str(p) for p in first.get("loc", ()) if p != "body"]
    param = ".".join(loc) if loc and first.get("type") != "json_invalid" else None
    if param == "model" and first.get("type") == "value_error":
        return openai_error(said, 404, "invalid_request_error", param, "model_not_found")
    return openai_error(said, 400, "invalid_request_error", param)


async def _http(request: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, HTTPException)
    if not openai_path(request.url.path):
        return JSONResponse({"detail": err.detail}, status_code=err.status_code)
    path = request.url.path
    said = (
        f"{request.method} {path}: {err.detail}; localqa serves /v1/chat/completions and /v1/models"
    )
    kind = "not_found_error" if err.status_code == 404 else "invalid_request_error"
    return openai_error(said, err.status_code, kind)


async def _refused(request: Request, err: Exception) -> JSONResponse:
    from localqa.store.index import SourceNotFound

    said = one_line(err)
    openai = openai_path(request.url.path)
    if isinstance(err, Busy):
        headers = {"Retry-After": str(RETRY_AFTER_S)}
        if openai:
            response = openai_error(said, 503, "server_error", None, "overloaded")
            response.headers.update(headers)
            return response
        return JSONResponse({"detail": said}, status_code=503, headers=headers)
    bad = isinstance(err, SourceNotFound | UsageError)
    if not bad:
        log.warning("request failed: %s", said)
    status = err.http_status if isinstance(err, LocalqaError) else 500
    if openai:
        status = 400 if bad else status
        return openai_error(said, status, "invalid_request_error" if bad else "server_error")
    return JSONResponse({"detail": said}, status_code=422 if bad else status)
