"""A real GGUF (SmolLM2-135M-Instruct, in the server's process through llama.cpp)
answering end to end through a real `localqa serve`, streamed: over `/v1/ask`, over the
OpenAI-compatible `/v1/chat/completions`, and to `localqa ask --server`."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from localqa.config import Settings
from tests.test_server import QUESTION, free_port, serve_env, stop
from tests.test_server_chat import streamed

MODEL_ENV = {
    "LOCALQA_N_CTX": "2048",
    "LOCALQA_ANSWER_TOKENS": "48",
    "LOCALQA_TEMPERATURE": "0",
    "LOCALQA_PREFIX_CACHE": "false",
}


@pytest.fixture(scope="module")
def served(
    sample_index: Settings, smollm2_gguf: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """`localqa serve --model SmolLM2` over the sample index; its URL."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "localqa",
            "serve",
            "--port",
            str(port),
            "--model",
            str(smollm2_gguf),
        ],
        env=serve_env(sample_index, **MODEL_ENV),
        cwd=tmp_path_factory.mktemp("serve-gguf"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 300
    while True:  # uvicorn listens once the model is loaded (the app's lifespan)
        if server.poll() is not None:
            pytest.fail(f"localqa serve exited: {server.communicate()[0]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                server.kill()
                pytest.fail("localqa serve did not start")
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}"
    log = stop(server)
    assert "Traceback" not in log, log


def ask_events(base: str, body: dict[str, Any]) -> list[tuple[str, Any]]:
    from tests.test_server import events_of

    with httpx.stream("POST", f"{base}/v1/ask", json=body, timeout=300) as response:
        assert response.status_code == 200
        return events_of(response.read().decode())


def test_a_real_model_answers_streamed_over_ask(served: str, smollm2_gguf: Path) -> None:
    health = httpx.get(f"{served}/healthz").json()
    assert health["model"] == smollm2_gguf.name
    events = ask_events(served, {"question": QUESTION, "stream": True})
    kind, answer = events[-1]
    assert kind == "answer" and answer["mode"] == "generative"
    tokens = [data["text"] for kind, data in events if kind == "token"]
    assert len(tokens) > 3  # written token by token, not at once
    assert "".join(tokens).strip() == answer["answer"].strip()
    assert Path(answer["model"]).name == smollm2_gguf.name and answer["sentences"]
    assert answer["contexts"] and answer["contexts"][0]["source"] == "faq.txt"


def test_a_real_model_answers_a_streamed_chat_completion(served: str) -> None:
    events = streamed(served, [{"role": "user", "content": QUESTION}])
    assert events[-1] == "[DONE]"
    *body, last = events[:-1]
    contents = [c["choices"][0]["delta"].get("content", "") for c in body]
    assert len([c for c in contents if c]) > 3  # the model's tokens, then the footnotes
    assert last["choices"][0]["finish_reason"] in {"stop", "length"}
    text = "".join(contents)
    for cited in last["citations"]:
        assert f"[{cited['n']}] {cited['source']}, page {cited['page']}" in text
    # a follow-up, searched with the conversation before it
    said = {"role": "assistant", "content": text}
    conversation = [{"role": "user", "content": QUESTION}, said]
    follow = streamed(served, [*conversation, {"role": "user", "content": "And payslips?"}])
    assert follow[-1] == "[DONE]" and follow[-2]["searched"] != "And payslips?"


def test_a_client_gone_mid_answer_frees_the_server(served: str) -> None:
    body = {"model": "localqa", "messages": [{"role": "user", "content": QUESTION}]}
    with httpx.stream(
        "POST", f"{served}/v1/chat/completions", json={**body, "stream": True}, timeout=300
    ) as response:
        for line in response.iter_lines():
            if line.startswith("data: {"):
                chunk = json.loads(line.removeprefix("data: "))
                if chunk["choices"][0]["delta"].get("content"):
                    break  # the first token: hang up
    deadline = time.monotonic() + 120
    while httpx.get(f"{served}/healthz").json()["questions"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert httpx.get(f"{served}/healthz").json()["questions"] == 0
    again = httpx.post(f"{served}/v1/chat/completions", json=body, timeout=300)
    assert again.status_code == 200 and again.json()["citations"] is not None


def test_ask_server_shows_the_real_models_answer(served: str, tmp_path: Path) -> None:
    from tests.test_client import client_env, localqa

    env = client_env(tmp_path)
    done = localqa("ask", QUESTION, "--server", served, "--json", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["mode"] == "generative"
    shown = localqa("ask", QUESTION, "--server", served, cwd=tmp_path, env=env)
    assert shown.returncode == 0 and "Sources:" in shown.stdout
    assert "[generative]" in shown.stderr and "prompt layout:" in shown.stderr
