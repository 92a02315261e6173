"""Many clients at once against a real `localqa serve` (its own process, real HTTP):
extractive answers on several threads at once, the same as one after another; a real GGUF
(SmolLM2, in the server's process) writing one answer at a time while an answer that
needs no model is written beside it; `max_queue` refusing with a 503; and a client that
hangs up on an answer not streamed freeing the model, through a real model server too.

Answers are held long on purpose: `temperature` 2 makes SmolLM2 write noise that runs to
its `max_tokens` (400), tens of seconds on a loaded machine, several on an idle one; the
server's /healthz says what is being written and what waits (polled, never timed).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from localqa.config import Settings
from tests.support.model_server import N_CTX, ModelServer
from tests.test_serve_gguf import MODEL_ENV
from tests.test_server import QUESTION, serve, start, stop

ABSTAINS = "Who won the 1998 football world cup?"  # the sample documents do not say
LONG_ENV = {**MODEL_ENV, "LOCALQA_ANSWER_TOKENS": "400", "LOCALQA_MAX_QUEUE": "2"}
LONG = {
    "model": "localqa",
    "messages": [{"role": "user", "content": QUESTION}],
    "temperature": 2.0,
    "max_tokens": 400,
}
ASKED = (
    QUESTION,
    "I lost my access card. What do I do?",
    "How many weeks of parental leave do employees get?",
    "Where is the Berlin office?",
)


def health(base: str) -> dict[str, Any]:
    found: dict[str, Any] = httpx.get(f"{base}/healthz", timeout=30).json()
    return found


def until(
    base: str, holds: Callable[[dict[str, Any]], bool], seconds: float = 240
) -> dict[str, Any]:
    """/healthz once `holds` says so (polled); fails after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        now = health(base)
        if holds(now):
            return now
        time.sleep(0.1)
    pytest.fail(f"the server never got there: {health(base)}")


def hang_up_later(base: str, path: str, body: dict[str, Any]) -> socket.socket:
    """A client that posts `body` and reads nothing: closing its socket hangs up."""
    port = int(base.rsplit(":", 1)[1])
    sock = socket.create_connection(("127.0.0.1", port))
    data = json.dumps(body).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(data)}\r\n\r\n"
    )
    sock.sendall(head.encode() + data)
    return sock


@pytest.fixture(scope="module")
def extractive(sample_index: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server, url = start(sample_index, tmp_path_factory.mktemp("serve-many"))
    yield url
    log = stop(server)
    assert "Traceback" not in log, log


def test_extractive_answers_are_written_at_once_and_as_one_after_another(extractive: str) -> None:
    alone = {
        q: httpx.post(f"{extractive}/v1/ask", json={"question": q}, timeout=120).json()
        for q in ASKED
    }
    answers: list[tuple[str, int, dict[str, Any]]] = []

    def client(number: int) -> None:
        with httpx.Client(base_url=extractive, timeout=300) as http:
            for turn in range(3):
                question = ASKED[(number + turn) % len(ASKED)]
                response = http.post("/v1/ask", json={"question": question})
                answers.append((question, response.status_code, response.json()))

    clients = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join(600)
    assert len(answers) == 24 and {status for _, status, _ in answers} == {200}
    for question, _, answer in answers:  # threads share the parts: nothing mixed up
        assert {k: v for k, v in answer.items() if k != "timings"} == {
            k: v for k, v in alone[question].items() if k != "timings"
        }
    now = health(extractive)
    assert now["most_answering"] >= 2 and now["answering"] == now["questions"] == 0
    assert "model_slots" not in now


@pytest.fixture(scope="module")
def long_served(
    sample_index: Settings, smollm2_gguf: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """`localqa serve --model SmolLM2` with 400 answer tokens and max_queue 2; its URL.
    Its log, once stopped: one line a request (those hung up on as 499), no question."""
    cwd = tmp_path_factory.mktemp("serve-long")
    server, url = serve(sample_index, cwd, "--model", str(smollm2_gguf), **LONG_ENV)
    yield url
    log = stop(server)
    assert "Traceback" not in log and QUESTION not in log and ABSTAINS not in log, log
    for line in ("POST /v1/chat/completions 499 ", "POST /v1/ask 503 ", "GET /healthz 200 "):
        assert line in log, log


def test_a_gguf_writes_one_answer_at_a_time_and_no_other_answer_waits_behind_it(
    long_served: str,
) -> None:
    base = long_served
    first = hang_up_later(base, "/v1/chat/completions", LONG)
    until(base, lambda h: h["writing"] == 1)
    second = hang_up_later(base, "/v1/chat/completions", LONG)
    now = until(base, lambda h: h["waiting"] == 1)
    assert (now["model_slots"], now["writing"], now["questions"]) == (1, 1, 2)
    # an answer that needs no model is written while the model writes another
    beside = httpx.post(f"{base}/v1/ask", json={"question": ABSTAINS}, timeout=300).json()
    assert beside["abstained"] and beside["mode"] == "generative"
    assert (health(base)["writing"], health(base)["waiting"]) == (1, 1)
    # one answered and max_queue (2) waiting: the next is refused at once
    third = hang_up_later(base, "/v1/ask", {"question": QUESTION})
    until(base, lambda h: h["questions"] == 3)
    refused = httpx.post(f"{base}/v1/ask", json={"question": QUESTION}, timeout=60)
    assert refused.status_code == 503 and refused.headers["retry-after"] == "5"
    assert refused.json() == {"detail": "2 questions are waiting already; retry shortly"}
    openai = httpx.post(f"{base}/v1/chat/completions", json=LONG, timeout=60)
    assert openai.status_code == 503 and openai.headers["retry-after"] == "5"
    assert openai.json()["error"] | {"message": ""} == {
        "message": "",
        "type": "server_error",
        "param": None,
        "code": "overloaded",
    }
    # hanging up frees the model for the next question, answers not streamed included
    first.close()
    until(base, lambda h: h["questions"] == 2 and h["writing"] == 1)
    second.close()
    third.close()
    until(base, lambda h: h["questions"] == 0 and h["writing"] == 0)


def test_max_tokens_and_usage_with_a_real_model(long_served: str) -> None:
    base = long_served
    body = {"model": "localqa", "messages": [{"role": "user", "content": QUESTION}]}
    short = httpx.post(f"{base}/v1/chat/completions", json=body | {"max_tokens": 3}, timeout=300)
    assert short.status_code == 200, short.text
    reply = short.json()
    usage = reply["usage"]
    assert 0 < usage["completion_tokens"] <= 3 < usage["prompt_tokens"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert reply["choices"][0]["finish_reason"] == "length"
    streamed = {**body, "max_tokens": 3, "stream": True, "stream_options": {"include_usage": True}}
    with httpx.stream("POST", f"{base}/v1/chat/completions", json=streamed, timeout=300) as r:
        lines = [line.removeprefix("data: ") for line in r.iter_lines() if line]
    assert lines[-1] == "[DONE]"
    last = json.loads(lines[-2])
    assert last["choices"] == [] and 0 < last["usage"]["completion_tokens"] <= 3


def test_through_a_model_server_answers_are_written_at_once_and_a_hang_up_stops_them(
    sample_index: Settings, smollm2_gguf: Path, model_server: ModelServer, tmp_path: Path
) -> None:
    """`llm_url`: `llm_parallel` (2) answers written at once; a client that hangs up on
    an answer not streamed makes the server hang up on the model server (which logs it)."""
    env = {
        **LONG_ENV,
        "LOCALQA_LLM_URL": model_server.url,
        "LOCALQA_LLM_TOKENIZER": str(smollm2_gguf),
        "LOCALQA_LLM_N_CTX": str(N_CTX),
        "LOCALQA_LLM_PARALLEL": "2",
    }
    server, base = serve(sample_index, tmp_path, **env)
    try:
        before = len(model_server.logged())
        clients = [hang_up_later(base, "/v1/chat/completions", LONG) for _ in range(2)]
        now = until(base, lambda h: h["writing"] == 2)
        assert now["model_slots"] == 2 and now["waiting"] == 0
        for client in clients:
            client.close()
        until(base, lambda h: h["questions"] == 0)
        assert model_server.wait_logged("Disconnected from client", after=before)
    finally:
        log = stop(server)
    assert "POST /v1/chat/completions 499 " in log and "Traceback" not in log, log
