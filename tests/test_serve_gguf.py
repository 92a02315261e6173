"""A real GGUF (SmolLM2-135M-Instruct, in the server's process through llama.cpp)
answering end to end through a real `localqa serve`, streamed: over `/v1/ask`, over the
OpenAI-compatible `/v1/chat/completions`, and to `localqa ask --server`."""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from localqa.config import Settings
from tests.test_server import QUESTION, serve, serve_env, stop
from tests.test_server_chat import FOOTNOTE, streamed

MODEL_ENV = {
    "LOCALQA_N_CTX": "2048",
    "LOCALQA_ANSWER_TOKENS": "48",
    "LOCALQA_TEMPERATURE": "0",
    "LOCALQA_PREFIX_CACHE": "false",
    # llama.cpp's sums depend on its thread count, which by default follows the load: a
    # server and a local ask compared here compute on one thread each
    "LOCALQA_THREADS": "1",
}


def serve_model(
    settings: Settings, gguf: Path, cwd: Path, **env: str
) -> tuple[subprocess.Popen[str], str]:
    """`localqa serve --model GGUF` over `settings`' index, with MODEL_ENV and `env`;
    the process and its URL, once it listens (uvicorn does once the model is loaded)."""
    return serve(settings, cwd, "--model", str(gguf), **(MODEL_ENV | env))


@pytest.fixture(scope="module")
def served(
    sample_index: Settings, smollm2_gguf: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """`localqa serve --model SmolLM2` over the sample index; its URL."""
    server, url = serve_model(sample_index, smollm2_gguf, tmp_path_factory.mktemp("serve-gguf"))
    yield url
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
    for cited in last["citations"] + last["quote_citations"]:
        assert f"[{cited['n']}] {cited['source']}, page {cited['page']}" in text
    # every footnote in the text is a citation, the quotes' under the answer's included
    notes = re.findall(FOOTNOTE, text)
    assert len(notes) == len(last["citations"]) + len(last["quote_citations"]), text
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
    # its sources' footnotes: the answer's, or those of the quotes shown under a flagged one
    cited = r"\n\[\d+\] faq\.txt, page \d+, lines? \d+"
    assert shown.returncode == 0 and re.search(cited, shown.stdout), shown.stdout
    assert "[generative]" in shown.stderr and "prompt layout:" in shown.stderr


def test_esc_in_a_chat_with_the_server_keeps_the_answer_as_written(
    served: str, tmp_path: Path
) -> None:
    """What Esc does in `localqa chat --server`: the core hangs up after the token it was
    given, the server stops, and the turn is kept as cancelled with the text written."""
    import threading

    from localqa.answering.answer import Token
    from localqa.answering.conversations import ConversationStore
    from localqa.answering.session import Answered
    from localqa.client.chat import RemoteCore
    from localqa.client.http import ServerClient

    core = RemoteCore(ServerClient(served), lambda: ConversationStore(tmp_path / "c.sqlite"))
    stop = threading.Event()
    written = ""
    events = core.ask(QUESTION, stop)
    for event in events:
        if isinstance(event, Token):
            written += event.text
            stop.set()  # Esc, once the first token is shown
        elif isinstance(event, Answered):
            break
    assert isinstance(event, Answered)
    assert event.turn.cancelled and event.presentation.text == written != ""
    assert event.presentation.answer.finish_reason == "cancelled"
    deadline = time.monotonic() + 120
    while httpx.get(f"{served}/healthz").json()["questions"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert httpx.get(f"{served}/healthz").json()["questions"] == 0
    [saved] = core.conversations()
    assert saved.turns == 1
    core.close()


def test_ask_server_prints_what_a_local_ask_with_the_same_model_prints(
    served: str, sample_index: Settings, smollm2_gguf: Path, tmp_path: Path
) -> None:
    from tests.test_client import client_env, localqa

    model = ["--model", str(smollm2_gguf)]
    local = localqa("ask", QUESTION, *model, cwd=tmp_path, env=serve_env(sample_index, **MODEL_ENV))
    remote = localqa("ask", QUESTION, "--server", served, cwd=tmp_path, env=client_env(tmp_path))
    assert local.returncode == remote.returncode == 0, remote.stderr
    assert remote.stdout == local.stdout  # greedy: the same answer, sources, marks
    # the same diagnostics; loading a model is the server's, said when it started
    loaded = f"model {smollm2_gguf.name}: "
    assert local.stderr.startswith(loaded) and loaded not in remote.stderr
    assert remote.stderr == local.stderr.split("\n", 1)[1]


def test_quotes_only_is_shown_the_same_through_the_server(
    sample_index: Settings, smollm2_gguf: Path, tmp_path: Path
) -> None:
    """With `unsupported_answer = "quotes-only"` a model answer that does not stand alone
    is replaced by its quotes: the server says so in its header, streams no token of it,
    and `ask --server` shows what a local ask shows."""
    from tests.test_client import client_env, localqa

    quotes_only = {"LOCALQA_UNSUPPORTED_ANSWER": "quotes-only"}
    server, url = serve_model(sample_index, smollm2_gguf, tmp_path, **quotes_only)
    try:
        question = "Can I bring my dog to the office?"
        body = {"question": question, "stream": True}
        with httpx.stream("POST", f"{url}/v1/ask", json=body, timeout=300) as response:
            assert response.headers["localqa-shown"] == "quotes-only"
            from tests.test_server import events_of

            events = events_of(response.read().decode())
        assert [kind for kind, _ in events] == ["answer"]  # no token: it may be replaced
        env = serve_env(sample_index, **MODEL_ENV, **quotes_only)
        local = localqa("ask", question, "--model", str(smollm2_gguf), cwd=tmp_path, env=env)
        remote = localqa("ask", question, "--server", url, cwd=tmp_path, env=client_env(tmp_path))
        assert local.returncode == remote.returncode == 0, remote.stderr
        assert remote.stdout == local.stdout
        completion = {"model": "localqa", "messages": [{"role": "user", "content": question}]}
        reply = httpx.post(f"{url}/v1/chat/completions", json=completion, timeout=300).json()
        content = reply["choices"][0]["message"]["content"]
        answer = events[-1][1]
        # SmolLM2's greedy "The answer is no." claims nothing: replaced by the quotes, and
        # the reply says why, then gives them
        assert answer["extractive_shown_because"] == "no-claim", answer["answer"]
        assert content.startswith("The model's answer is not shown.")
        assert answer["extractive"]["answer"] in content
        assert "Sources:" in remote.stdout and "The model's answer is not shown." in remote.stdout
    finally:
        stop(server)
