"""What wraps every request of `localqa serve`: the bearer token (`api_token`) and the
access log, one line a request.

The log line is `METHOD PATH STATUS DURATIONms` at INFO on the "localqa.server.access"
logger (`localqa serve` prints it on stderr): the path without its query string, never a
header (the token), never a body (the question). A request whose client hung up before its
answer was written is logged with status 499, as nginx does.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import SecretStr

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

access = logging.getLogger("localqa.server.access")
CLIENT_GONE = 499
# The paths that answer as `localqa` does; every other /v1/ path answers as OpenAI does.
OWN_PATHS = frozenset({"/v1/ask", "/v1/sources"})


def openai_path(path: str) -> bool:
    """Whether `path` is one of the OpenAI-compatible API's (errors in OpenAI's shape)."""
    return path.startswith("/v1/") and path not in OWN_PATHS


def openai_error(
    message: str, status: int, kind: str, param: str | None = None, code: str | None = None
) -> JSONResponse:
    """An error as OpenAI's API sends it: `{"error": {"message", "type", "param", "code"}}`."""
    error = {"message": message, "type": kind, "param": param, "code": code}
    return JSONResponse({"error": error}, status_code=status)


class BearerAuth:
    """Every request needs `Authorization: Bearer <token>` (compared in constant time);
    401 otherwise."""

    def __init__(self, app: ASGIApp, token: SecretStr) -> None:
        self.app = app
        self._expected = f"Bearer {token.get_secret_value()}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            given = dict(scope["headers"]).get(b"authorization", b"")
            if not hmac.compare_digest(given, self._expected):
                reason = "a valid bearer token is required"
                if openai_path(scope["path"]):
                    response = openai_error(
                        reason, 401, "invalid_request_error", None, "invalid_api_key"
                    )
                else:
                    response = JSONResponse({"detail": reason}, status_code=401)
                response.headers["WWW-Authenticate"] = "Bearer"
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class AccessLog:
    """One INFO line a request on "localqa.server.access" once its response has ended
    (a stream: its last event), or once it failed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            ms = (time.perf_counter() - started) * 1000
            access.info("%s %s %d %.0fms", scope["method"], scope["path"], status[0], ms)
