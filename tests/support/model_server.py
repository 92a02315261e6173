"""A real OpenAI-compatible model server for the tests: llama-cpp-python's own
(`python -m llama_cpp.server`) with SmolLM2, on 127.0.0.1 and a free port, and `Relay`, a
TCP relay in front of it that a test can make refuse, stall, answer with an HTTP error or
cut a response short, as a down, slow, failing or dropping server would.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Literal

import httpx

from tests.support.needs import missing

# What llama_cpp.server needs beyond llama_cpp (llama-cpp-python[server]).
SERVER_PACKAGES = ("fastapi", "uvicorn", "sse_starlette", "pydantic_settings", "starlette_context")
N_CTX = 2048
START_S = 120  # ~10 s on an idle machine; a busy shared one takes longer


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class ModelServer:
    """A running server: its /v1 address, its root (for /extras/tokenize) and its log."""

    url: str
    root: str
    log: Path

    def logged(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_logged(self, text: str, after: int = 0, seconds: float = 60) -> bool:
        """Whether `text` appears in the log after its first `after` characters, waiting
        for it up to `seconds` (the server prints as it goes)."""
        for _ in range(int(seconds / 0.1)):
            if text in self.logged()[after:]:
                return True
            time.sleep(0.1)
        return False

    def tokenize(self, text: str) -> list[int]:
        """The token ids the server makes of `text`, as it does for a completion's prompt."""
        answer = httpx.post(f"{self.root}/extras/tokenize", json={"input": text}, timeout=60)
        answer.raise_for_status()
        return list(answer.json()["tokens"])


def start_model_server(
    gguf: Path, log: Path, n_ctx: int = N_CTX, threads: int = 1, interrupt: bool = False
) -> tuple[subprocess.Popen[bytes], ModelServer]:
    """Start llama-cpp-python's server on `gguf` and wait until it lists its model. The
    compute settings are LocalModel's with `threads` (flash attention, batches of 512,
    logits of the last token only), so that greedy answers can be compared with the
    in-process model's. `interrupt`: its `--interrupt_requests` (its own default is true:
    a new request stops the running one; the README says to start it with false). Used by
    the tests and by benchmarks/bench_llm_url.py."""
    absent = [p for p in SERVER_PACKAGES if find_spec(p) is None]
    if find_spec("llama_cpp.server") is None or absent:
        missing(f"llama-cpp-python[server] is not installed ({', '.join(absent)} missing)")
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(gguf),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        str(n_ctx),
        "--n_threads",
        str(threads),
        "--n_threads_batch",
        str(threads),
        "--flash_attn",
        "true",
        "--n_batch",
        "512",
        "--n_ubatch",
        "512",
        # its default (true) computes the vocabulary's logits for every prompt token: a
        # fifth more work for SmolLM2's prompts, and other sums for the last token's
        "--logits_all",
        "false",
        "--interrupt_requests",
        str(interrupt).lower(),
    ]
    env = os.environ | {"PYTHONUNBUFFERED": "1"}  # its "disconnected" lines, as they happen
    with log.open("wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    server = ModelServer(f"http://127.0.0.1:{port}/v1", f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the model server exited: {server.logged()[-2000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{server.url}/models", timeout=2).status_code == 200:
                return proc, server
        time.sleep(0.25)
    stop_process(proc)
    raise RuntimeError(f"the model server did not start in {START_S} s: {server.logged()[-2000:]}")


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(20)


Mode = Literal["pass", "refuse", "stall", "error", "cut"]
ERROR_RESPONSE = (
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n"
    b'content-length: 44\r\nconnection: close\r\n\r\n{"error": {"message": "model is reloading"}}'
)
EVENT = b"data: {"  # the start of a completion stream's event


class Relay:
    """A TCP relay from 127.0.0.1:`port` to `target`, in the `mode` set last (`set`):
    "pass" (relayed), "refuse" (closed at once), "stall" (read, never answered), "error"
    (an HTTP 503), "cut" (relayed until the server has sent `cut_events` stream events,
    then closed in the middle of the next, as a server that dies mid-answer)."""

    def __init__(self, target: str) -> None:
        host, port = target.removeprefix("http://").split("/")[0].split(":")
        self._target = (host, int(port))
        self.mode: Mode = "pass"
        self.cut_events = 3
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def set(self, mode: Mode) -> None:
        """Give new connections `mode`, and close the open ones (a client's kept-alive
        connection included), so the next request meets it."""
        self.mode = mode
        self._drop()

    def close(self) -> None:
        self._listener.close()
        self._drop()

    def _drop(self) -> None:
        for sock in self._open:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self._open.clear()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self._open.append(client)
            threading.Thread(target=self._serve, args=(client, self.mode), daemon=True).start()

    def _serve(self, client: socket.socket, mode: Mode) -> None:
        if mode == "refuse":
            client.close()
            return
        if mode in ("stall", "error"):
            with contextlib.suppress(OSError):
                client.recv(65536)
                if mode == "error":
                    client.sendall(ERROR_RESPONSE)
                    client.close()
            return  # stalled: left open until set() or close()
        upstream = socket.create_connection(self._target)
        self._open.append(upstream)
        events = self.cut_events if mode == "cut" else None
        threading.Thread(target=_pipe, args=(client, upstream, None), daemon=True).start()
        _pipe(upstream, client, events)


def _pipe(source: socket.socket, sink: socket.socket, events: int | None) -> None:
    """Copy until either side closes, or until `events` stream events have gone and a
    few bytes of the next; then close both."""
    seen = 0
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            if events is not None and seen + data.count(EVENT) > events:
                at = -1
                for _ in range(events - seen + 1):
                    at = data.index(EVENT, at + 1)
                sink.sendall(data[: at + len(EVENT) + 5])
                break
            seen += data.count(EVENT)
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
