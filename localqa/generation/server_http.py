"""HTTP to an OpenAI-compatible model server (httpx, imported when a server is used): its
models, context size and tokenize endpoint, and completions streamed as server-sent
events. Every failure is a `ModelServerError`: one line with the URL, what happened and
what to do. The API key goes in a header only, never into a message.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from localqa.errors import LocalqaError

if TYPE_CHECKING:
    import httpx

# How often a stream waiting for the server looks at its `stop` event (seconds).
STOP_POLL_S = 0.05
# At most this much of an error response is read and quoted.
ERROR_BYTES = 2000


class ModelServerError(LocalqaError):
    """The model server is down, slow, refused or broke off; the message says which URL,
    what happened and what to do."""

    http_status = 502  # a bad gateway: the server behind localqa serve failed


@dataclass(frozen=True)
class Chunk:
    """One event of a completion stream: text (may be empty), and why it ended (None until
    the last)."""

    text: str
    finish_reason: str | None


class ServerClient:
    """The endpoints localqa uses, under `url` (the /v1 address) and, for the tokenize
    extras, the server's root (`url` without /v1)."""

    def __init__(self, url: str, api_key: str, timeout_s: float) -> None:
        import httpx

        self.url = url.rstrip("/")
        self.root = self.url.removesuffix("/v1")
        self.timeout_s = timeout_s
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        timeout = httpx.Timeout(timeout_s, connect=min(timeout_s, 10.0))
        self._http = httpx.Client(headers=headers, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    # --- plain requests --------------------------------------------------------------

    def get(self, path: str, at_root: bool = False) -> Any:
        """The JSON of GET `path`. Raises ModelServerError."""
        return self._json("GET", path, at_root, None)

    def post(self, path: str, body: dict[str, Any], at_root: bool = False) -> Any:
        """The JSON of POST `path` with a JSON `body`. Raises ModelServerError."""
        return self._json("POST", path, at_root, body)

    def optional(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """The JSON of an endpoint some servers lack (at the root): None when it answers
        with an HTTP error or not JSON; unreachable is still a ModelServerError."""
        try:
            return self._json(method, path, True, body)
        except _Refused:
            return None

    def _json(self, method: str, path: str, at_root: bool, body: dict[str, Any] | None) -> Any:
        where = f"{self.root if at_root else self.url}{path}"
        with self._errors(where):
            response = self._http.request(method, where, json=body)
        if response.status_code >= 400:
            raise _Refused(self._refusal(where, response.status_code, response.text))
        try:
            return response.json()
        except ValueError as err:
            raise _Refused(
                f"model server {where} did not answer with JSON; check that llm_url is an "
                "OpenAI-compatible /v1 address"
            ) from err

    # --- streaming -------------------------------------------------------------------

    def stream(self, body: dict[str, Any], stop: threading.Event | None) -> Generator[Chunk]:
        """POST /completions with `stream: true`, yielding its events until the last; ends
        quietly (closing the connection, so the server stops generating) when `stop` is
        set, even while waiting for the first token. Closing the generator closes it too."""
        where = f"{self.url}/completions"
        with self._errors(where), self._http.stream("POST", where, json=body) as response:
            if response.status_code >= 400:
                text = response.read()[:ERROR_BYTES].decode(errors="replace")
                raise ModelServerError(self._refusal(where, response.status_code, text))
            with _hang_up_when(stop, response):
                ended = yield from self._events(where, response, stop)
            if not ended and not (stop is not None and stop.is_set()):
                raise ModelServerError(
                    f"model server {where} ended the stream before the answer did; check its "
                    "log (a prompt longer than its context? then set llm_n_ctx to it)"
                )

    def _events(
        self, where: str, response: httpx.Response, stop: threading.Event | None
    ) -> Generator[Chunk, None, bool]:
        """The stream's chunks; returns whether it ended properly ([DONE] or a finish
        reason), False when the connection closed first or `stop` was set. Raises
        ModelServerError for a [DONE] before any finish reason (the server stopped the
        answer: `_stopped`)."""
        import httpx

        finished = False
        try:
            for line in response.iter_lines():
                if stop is not None and stop.is_set():
                    return False
                if not line.startswith("data:"):
                    continue  # comments (pings), event names, blank separators
                data = line[5:].strip()
                if data == "[DONE]" and not finished:
                    raise ModelServerError(_stopped(where))
                if data == "[DONE]":
                    return True
                chunk = _chunk(where, data)
                finished = finished or chunk.finish_reason is not None
                yield chunk
        except httpx.TransportError as err:
            if stop is not None and stop.is_set():
                return False  # our own hang-up
            if isinstance(err, httpx.TimeoutException):
                raise  # _errors says how long it waited
            raise ModelServerError(
                f"model server {where} broke off the answer ({_reason(err)}); the answer "
                "is incomplete: check the server and ask again"
            ) from err
        return finished

    # --- errors ----------------------------------------------------------------------

    @contextlib.contextmanager
    def _errors(self, where: str) -> Iterator[None]:
        import httpx

        try:
            yield
        except httpx.ConnectTimeout as err:
            raise ModelServerError(
                f"model server {where} did not accept a connection within "
                f"{min(self.timeout_s, 10.0):g} s; check that it is up and llm_url is right"
            ) from err
        except httpx.ConnectError as err:
            raise ModelServerError(
                f"model server {where} is not reachable ({_reason(err)}); start it, or "
                "correct llm_url"
            ) from err
        except httpx.TimeoutException as err:
            raise ModelServerError(
                f"model server {where} sent nothing for {self.timeout_s:g} s; it may be "
                "overloaded: check it, or raise llm_timeout_s"
            ) from err
        except httpx.TransportError as err:
            raise ModelServerError(
                f"model server {where} broke off ({_reason(err)}); check the server and try again"
            ) from err

    def _refusal(self, where: str, status: int, text: str) -> str:
        said = _said(text)
        if status in (401, 403):
            return (
                f"model server {where} refused the request (HTTP {status}: {said}); set "
                "llm_api_key (or $LOCALQA_LLM_API_KEY) to a key it accepts"
            )
        if status == 404:
            return (
                f"model server {where} has no such endpoint or model (HTTP 404: {said}); "
                "llm_url should be the /v1 address, e.g. http://host:8080/v1, and "
                "llm_model a name from its /v1/models"
            )
        return f"model server {where} answered HTTP {status} ({said}); check the server's log"


class _Refused(ModelServerError):
    """The server answered, but with an HTTP error or something that is not JSON."""


def _stopped(where: str) -> str:
    """The line for a stream the server ended without a finish reason: llama-cpp-python's
    server (`--interrupt_requests`, on by default) ends a running answer that way as soon
    as another request comes in, and localqa sends `llm_parallel` at once."""
    return (
        f"model server {where} stopped the answer before it was finished (no finish "
        "reason: another request interrupted it); start llama-cpp-python's server with "
        "--interrupt_requests false, or set llm_parallel = 1"
    )


def _reason(err: Exception) -> str:
    """What went wrong, briefly: the exception's own text, else its name."""
    text = " ".join(str(err).split())
    return text[:200] if text else type(err).__name__


def _said(text: str) -> str:
    """The message of an error body (OpenAI's {"error": {"message"}} or FastAPI's
    {"detail"}), on one line and short."""
    try:
        data = json.loads(text)
    except ValueError:
        data = text
    if isinstance(data, dict):
        inner = data.get("error", data.get("detail", data))
        data = inner.get("message", inner) if isinstance(inner, dict) else inner
    line = " ".join(str(data).split())
    return (line[:200] + "...") if len(line) > 200 else (line or "no message")


def _chunk(where: str, data: str) -> Chunk:
    try:
        event = json.loads(data)
        if "error" in event:
            raise ModelServerError(
                f"model server {where} failed mid-answer ({_said(data)}); check its log"
            )
        choice = event["choices"][0]
        return Chunk(str(choice.get("text") or ""), choice.get("finish_reason"))
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as err:
        raise ModelServerError(
            f"model server {where} sent an event that is not an OpenAI completion chunk; "
            "check that llm_url is an OpenAI-compatible /v1 address"
        ) from err


@contextlib.contextmanager
def _hang_up_when(stop: threading.Event | None, response: httpx.Response) -> Iterator[None]:
    """While open, a watcher thread shuts the response's socket down once `stop` is set:
    that wakes a read blocked on the server (a long prompt being processed), and the
    server sees the client go and stops generating."""
    if stop is None:
        yield
        return
    done = threading.Event()

    def watch() -> None:
        while not done.wait(STOP_POLL_S):
            if stop.is_set():
                _shut(response)
                return

    watcher = threading.Thread(target=watch, name="localqa-server-stop", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()


def _shut(response: httpx.Response) -> None:
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def tokenizer(client: ServerClient, model: str) -> tuple[str, Callable[[str], list[int]]] | None:
    """The server's tokenize endpoint (its path, and it as a function of text), or None
    when it has none: llama-cpp-python's /extras/tokenize (special tokens parsed, BOS as
    for a completion), else /tokenize as llama.cpp's server ("content") and vLLM ("prompt")
    take it."""
    shapes: list[tuple[str, Callable[[str], dict[str, Any]]]] = [
        ("/extras/tokenize", lambda text: {"input": text, "model": model}),
        (
            "/tokenize",
            lambda text: {
                "content": text,
                "prompt": text,
                "model": model,
                "add_special": False,
                "add_special_tokens": False,
            },
        ),
    ]
    for path, body in shapes:
        answer = client.optional("POST", path, body("Hello"))
        if isinstance(answer, dict) and _ints(answer.get("tokens")):

            def tokenize(text: str, path: str = path, body: Any = body) -> list[int]:
                return _ints(client.post(path, body(text), at_root=True).get("tokens")) or []

            return path, tokenize
    return None


def _ints(value: Any) -> list[int] | None:
    if isinstance(value, list) and all(isinstance(v, int) for v in value):
        return [int(v) for v in value]
    return None
