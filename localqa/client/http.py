"""Talking to a `localqa serve` over HTTP: `POST /v1/ask` (streamed or not) and
`GET /healthz`, with the server's bearer token when one is set (`api_token`).

Every failure is one `ServerError` line (exit 1) naming the URL, what happened and what
to do: the server down or unreachable, slow past the timeout, refusing the token (401),
busy (503), refusing the question (422), failing, or cutting the stream short.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import SecretStr

from localqa.errors import LocalqaError, UsageError

CONNECT_TIMEOUT_S = 5.0
SHOWN_HEADER = "localqa-shown"  # localqa/server/app.py sets it


class ServerError(LocalqaError):
    """The localqa server is down, refused the request, or failed: one line, exit 1."""


@dataclass(frozen=True)
class ServerEvent:
    """One event of a streamed answer: "searched" and "token" carry `text`, "answer"
    the answer's JSON (`ask --json`'s) in `answer`."""

    kind: str
    text: str = ""
    answer: dict[str, Any] | None = None


@dataclass(frozen=True)
class Asked:
    """A question asked: whether the server replaces an answer that does not stand alone
    by its quotes (its `unsupported_answer` setting), and the events as they come."""

    quotes_only: bool
    events: Iterator[ServerEvent]


class ServerClient:
    """A client of the localqa server at `url` (http://host:port), sending `token` as a
    bearer token when given; a read waits up to `timeout_s` seconds. Raises UsageError
    for a URL that is not http(s). `transport`: httpx's (a test's stand-in server)."""

    def __init__(
        self,
        url: str,
        token: SecretStr | None = None,
        timeout_s: float = 600,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        if not self.url.startswith(("http://", "https://")):
            raise UsageError(f"--server {url}: give the server's URL, e.g. http://127.0.0.1:8000")
        headers = {"authorization": f"Bearer {token.get_secret_value()}"} if token else {}
        self._timeout_s = timeout_s
        self._http = httpx.Client(
            base_url=self.url,
            headers=headers,
            timeout=httpx.Timeout(timeout_s, connect=CONNECT_TIMEOUT_S),
            transport=transport,  # tests' stand-in servers; None: the network
        )

    def close(self) -> None:
        self._http.close()

    def health(self) -> dict[str, Any]:
        """`GET /healthz`: the index's name, documents, chunks, model. Raises ServerError."""
        with self._request("GET", "/healthz") as response:
            result: dict[str, Any] = json.loads(response.read())
            return result

    def answer(
        self, question: str, top_k: int | None = None, sources: Sequence[str] = ()
    ) -> dict[str, Any]:
        """The answer's JSON, as the server gives it (`ask --json`'s). Raises ServerError."""
        body = _body(question, top_k, sources, None, stream=False)
        with self._request("POST", "/v1/ask", body) as response:
            result: dict[str, Any] = json.loads(response.read())
            return result

    def ask(
        self,
        question: str,
        top_k: int | None = None,
        sources: Sequence[str] = (),
        history: Sequence[tuple[str, str]] | None = None,
    ) -> Asked:
        """The answer streamed: ("searched" with `history`,) "token"s, then one "answer".
        Closing `events` early hangs up, which stops the server's generation. Raises
        ServerError, at once or while the events are read."""
        body = _body(question, top_k, sources, history, stream=True)
        held = ExitStack()
        response = held.enter_context(self._request("POST", "/v1/ask", body))
        quotes_only = response.headers.get(SHOWN_HEADER) == "quotes-only"
        return Asked(quotes_only, self._events(held, response))

    def _events(self, held: ExitStack, response: httpx.Response) -> Iterator[ServerEvent]:
        with held:  # the response, and the failures made ServerErrors
            for kind, data in _sse(response.iter_lines()):
                if kind == "error":
                    raise ServerError(f"the localqa server at {self.url}: {data.get('detail')}")
                if kind == "answer":
                    yield ServerEvent(kind, answer=data)
                    return
                yield ServerEvent(kind, str(data.get("text", "")))
            raise ServerError(
                f"the localqa server at {self.url} ended the answer before it was whole; "
                "see its log, and ask again"
            )

    @contextmanager
    def _request(self, method: str, path: str, body: Any = None) -> Iterator[httpx.Response]:
        """The response to one request, open while the block runs; httpx's failures, in
        the request or while the block reads it, made one ServerError line."""
        where = f"the localqa server at {self.url}"
        try:
            with self._http.stream(method, path, json=body) as response:
                if response.status_code != 200:
                    raise self._refused(response)
                yield response
        except httpx.ConnectError as err:
            raise ServerError(
                f"cannot reach {where} ({_reason(err)}); start it with `localqa serve`, "
                "or check the URL"
            ) from None
        except httpx.TimeoutException:
            raise ServerError(
                f"{where} sent nothing for {self._timeout_s:g} s; it may be overloaded: "
                f"check {self.url}/healthz"
            ) from None
        except httpx.HTTPError as err:
            raise ServerError(
                f"the connection to {where} failed or was cut ({_reason(err)}); check that "
                "it is still running, and ask again"
            ) from None

    def _refused(self, response: httpx.Response) -> ServerError:
        try:
            detail = str(json.loads(response.read()).get("detail", ""))
        except (ValueError, AttributeError, httpx.HTTPError):
            detail = ""
        where = f"the localqa server at {self.url}"
        status = response.status_code
        if status == 401:
            return ServerError(
                f"{where} refused the request (401): set api_token (LOCALQA_API_TOKEN) "
                "to the server's token"
            )
        if status == 503:
            after = response.headers.get("retry-after", "a few")
            return ServerError(f"{where} is busy (503: {detail}); retry in {after} s")
        if status == 422:
            return ServerError(f"{where} refused the question: {detail}")
        return ServerError(f"{where} failed ({status}: {detail or response.reason_phrase})")


def _reason(err: Exception) -> str:
    text = str(err) or type(err).__name__
    return "connection refused" if "refused" in text.lower() else text


def _body(
    question: str,
    top_k: int | None,
    sources: Sequence[str],
    history: Sequence[tuple[str, str]] | None,
    stream: bool,
) -> dict[str, Any]:
    body: dict[str, Any] = {"question": question, "stream": stream, "sources": list(sources)}
    if top_k is not None:
        body["top_k"] = top_k
    if history is not None:
        body["history"] = [{"question": q, "answer": a} for q, a in history]
    return body


def _sse(lines: Iterator[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(event, data) of each server-sent event: `event:` and `data:` lines, a blank line
    ending each (the server's events are one `data:` line of JSON)."""
    kind, data = "message", ""
    for line in lines:
        if not line:
            if data:
                yield kind, json.loads(data)
            kind, data = "message", ""
        elif line.startswith("event:"):
            kind = line[6:].strip()
        elif line.startswith("data:"):
            data += line[5:].strip()
    if data:
        yield kind, json.loads(data)
