"""`localqa serve`: a real server (uvicorn in its own process) over the sample index, in
extractive mode, asked by a real HTTP client."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from localqa.cli.main import cli
from localqa.config import Settings

QUESTION = "When is salary paid?"
TOKEN = "s3cret-token-for-the-tests"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def serve_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCALQA_")}
    return {**env, "LOCALQA_HOME": str(settings.home), **extra}


def start(
    settings: Settings, cwd: Path, *args: str, **env: str
) -> tuple[subprocess.Popen[str], str]:
    """`localqa serve --extractive` over `settings`' index; the process and its URL."""
    return serve(settings, cwd, "--extractive", *args, **env)


# What each server started here has written (stdout and stderr), read as it comes: the
# access log writes a line a request, and a pipe left unread would stop the server when full.
WRITTEN: dict[int, tuple[threading.Thread, list[str]]] = {}


def serve(
    settings: Settings, cwd: Path, *args: str, **env: str
) -> tuple[subprocess.Popen[str], str]:
    """`localqa serve ARGS` over `settings`' index with `env`, once it listens; what it
    writes is read all along (`stop` returns it)."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "localqa", "serve", "--port", str(port), *args],
        env=serve_env(settings, **env),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    written: list[str] = []
    reader = threading.Thread(target=lambda: written.extend(server.stdout or ()), daemon=True)
    reader.start()
    WRITTEN[server.pid] = (reader, written)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if server.poll() is not None:
            reader.join(10)
            pytest.fail(f"localqa serve exited: {''.join(written)}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return server, url
        except OSError:
            time.sleep(0.2)
    server.kill()
    pytest.fail("localqa serve did not start")


def stop(server: subprocess.Popen[str]) -> str:
    """Stop a server `serve` started; all it wrote."""
    server.terminate()
    server.wait(timeout=30)
    reader, written = WRITTEN.pop(server.pid)
    reader.join(30)  # to the end of what it wrote
    return "".join(written)


@pytest.fixture(scope="module")
def base(sample_index: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of `localqa serve --extractive` over the sample index, no token."""
    server, url = start(sample_index, tmp_path_factory.mktemp("serve"))
    yield url
    log = stop(server)
    assert "Traceback" not in log, log  # bad requests leave no traceback in the log


@pytest.fixture(scope="module")
def guarded(sample_index: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The same, with an api_token."""
    server, url = start(
        sample_index, tmp_path_factory.mktemp("serve-token"), LOCALQA_API_TOKEN=TOKEN
    )
    yield url
    log = stop(server)
    # one line a request, refused or not, and never the token
    assert TOKEN not in log and "GET /healthz 401 " in log and "POST /v1/ask 200 " in log, log


def without_timings(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k != "timings"}


def ask_json(settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    monkeypatch.setenv("LOCALQA_HOME", str(settings.home))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["ask", QUESTION, "--extractive", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_ask_gives_what_ask_json_prints(
    base: str, sample_index: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    response = httpx.post(f"{base}/v1/ask", json={"question": QUESTION}, timeout=120)
    assert response.status_code == 200, response.text
    served = response.json()
    printed = ask_json(sample_index, monkeypatch, tmp_path)
    assert without_timings(served) == without_timings(printed)
    assert served["mode"] == "extractive" and served["citations"]
    assert served["verdict"] == "supported"  # what the reader was shown (test_verdict.py)
    assert "20th" in served["answer"]
    assert set(served["timings"]) == set(printed["timings"])


def events_of(body: str) -> list[tuple[str, Any]]:
    events = []
    for block in body.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_streamed_answer_ends_with_the_whole_answer(base: str) -> None:
    plain = httpx.post(f"{base}/v1/ask", json={"question": QUESTION}, timeout=120).json()
    with httpx.stream(
        "POST", f"{base}/v1/ask", json={"question": QUESTION, "stream": True}, timeout=120
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = events_of(response.read().decode())
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "answer" and set(kinds[:-1]) <= {"token"}
    final = events[-1][1]
    assert without_timings(final) == without_timings(plain)
    tokens = "".join(data["text"] for kind, data in events if kind == "token")
    assert tokens == final["answer"]  # live text: what was streamed is the answer


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"question": ""}, "question: String should have at least 1 character"),
        ({"question": " ?! "}, "question: the question has no word in it"),
        ({"question": "x" * 4001}, "question: String should have at most 4000 characters"),
        ({"question": QUESTION, "top_k": 0}, "top_k: Input should be greater than or equal to 1"),
        ({"question": QUESTION, "top_k": 101}, "top_k: Input should be less than or equal to 100"),
        (
            {"question": QUESTION, "sources": ["no-such.pdf"]},
            "source 'no-such.pdf' is not in the index; see /v1/sources",
        ),
        ({}, "question: Field required"),
    ],
)
def test_a_bad_request_is_a_422_with_one_reason(base: str, body: Any, reason: str) -> None:
    response = httpx.post(f"{base}/v1/ask", json=body, timeout=60)
    assert response.status_code == 422
    assert response.json() == {"detail": reason}


def test_a_known_source_narrows_the_answer(base: str) -> None:
    body = {"question": QUESTION, "sources": ["security-policy.md"], "top_k": 3}
    answer = httpx.post(f"{base}/v1/ask", json=body, timeout=120).json()
    assert {c["source"] for c in answer["contexts"]} == {"security-policy.md"}
    assert len(answer["contexts"]) <= 3


def test_sources_and_health(base: str, sample_index: Settings) -> None:
    listed = httpx.get(f"{base}/v1/sources").json()
    assert len(listed) == 10
    names = {s["path"] for s in listed}
    assert "northwind-handbook.pdf" in names
    first = listed[0]
    assert set(first) == {
        "path",
        "last_page",
        "chunks",
        "ingested_at",
        "abs_path",
        "root",
        "root_path",
        "missing",
        "reachable",
    }
    assert first["root"] == "sample_docs" and first["reachable"] and not first["missing"]
    health = httpx.get(f"{base}/healthz").json()
    assert health["status"] == "ok" and health["index"] == sample_index.index
    assert health["parts"] == {"index": "ok", "vectors": "none", "model": "none"}
    assert health["documents"] == 10 and health["model"] is None and health["questions"] == 0
    assert health["chunks"] == sum(s["chunks"] for s in listed)


def test_openapi_but_no_pages_that_load_from_the_internet(base: str) -> None:
    schema = httpx.get(f"{base}/openapi.json")
    assert schema.status_code == 200
    assert {"/v1/ask", "/v1/sources", "/healthz"} <= set(schema.json()["paths"])
    for page in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        assert httpx.get(f"{base}{page}").status_code == 404
    off_machine = re.compile(r"https?://(?!127\.0\.0\.1|localhost)")
    for path in ("/openapi.json", "/healthz", "/v1/sources"):
        assert not off_machine.search(httpx.get(f"{base}{path}").text), path


def test_a_token_is_required_when_set(guarded: str) -> None:
    for headers in ({}, {"authorization": "Bearer wrong"}, {"authorization": TOKEN}):
        for path in ("/healthz", "/v1/sources", "/openapi.json"):
            response = httpx.get(f"{guarded}{path}", headers=headers)
            assert response.status_code == 401, (path, headers)
            assert response.json() == {"detail": "a valid bearer token is required"}
    good = {"authorization": f"Bearer {TOKEN}"}
    assert httpx.get(f"{guarded}/healthz", headers=good).json()["status"] == "ok"
    answer = httpx.post(f"{guarded}/v1/ask", json={"question": QUESTION}, headers=good, timeout=120)
    assert answer.status_code == 200 and "20th" in answer.json()["answer"]


def test_a_host_off_the_machine_needs_a_token(
    sample_index: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LOCALQA_HOME", str(sample_index.home))
    monkeypatch.delenv("LOCALQA_API_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--extractive"])
    assert result.exit_code == 2
    assert result.stderr == (
        "localqa: error: --host 0.0.0.0 is reachable from other machines: set api_token "
        "(LOCALQA_API_TOKEN) first, or serve on 127.0.0.1\n"
    )


def test_beyond_max_queue_questions_are_refused_until_one_is_done(sample_index: Settings) -> None:
    from localqa.builder import Builder
    from localqa.server.engine import Busy, Engine

    engine = Engine(Builder(sample_index), max_queue=2, use_model=False)
    assert engine.capacity == engine.slots + 2
    for _ in range(engine.capacity):  # those answered at once and two waiting
        engine.admit()
    with pytest.raises(Busy, match="2 questions are waiting already"):
        engine.admit()
    engine.release()
    engine.admit()
    engine.close()


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.10", False),
    ],
)
def test_loopback_hosts(host: str, local: bool) -> None:
    from localqa.cli.serve import loopback

    assert loopback(host) is local


def test_closing_a_stream_sets_its_stop_event(
    sample_index: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a client gone away does: the endpoint closes the engine's stream, and the
    answer being written (here a stand-in that writes until stopped) ends."""
    import asyncio
    import threading

    import localqa.answering.presentation as presentation
    from localqa.answering.answer import Token
    from localqa.builder import Builder
    from localqa.server.engine import Engine

    ended = threading.Event()

    def endless(*_: Any, stop: threading.Event, **__: Any) -> Iterator[Token]:
        try:
            while not stop.wait(0.01):
                yield Token("word ")
        finally:  # stopped, or closed by the engine
            ended.set()

    monkeypatch.setattr(presentation, "shown_stream", endless)
    engine = Engine(Builder(sample_index), max_queue=1, use_model=False)

    async def first_token_then_leave() -> str:
        await engine.load()
        events = engine.stream(QUESTION, None, [])
        first = await anext(events)
        await events.aclose()
        assert isinstance(first, Token)
        return first.text

    assert asyncio.run(first_token_then_leave()) == "word "
    assert ended.wait(10)
    engine.close()


def test_beyond_max_queue_a_503_with_retry_after(
    sample_index: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As many questions held on the engine as it takes (extractive: one a CPU, and
    max_queue=1 waiting) by a stand-in answer that writes until released: the next is
    refused at once."""
    import threading

    from fastapi.testclient import TestClient

    import localqa.answering.presentation as presentation
    from localqa.answering.answer import Token
    from localqa.builder import Builder
    from localqa.server.app import create_app

    release = threading.Event()

    def held(*_: Any, **__: Any) -> Iterator[Token]:
        yield Token("word ")
        release.wait(30)

    monkeypatch.setattr(presentation, "shown_stream", held)
    builder = Builder(sample_index.model_copy(update={"max_queue": 1}))
    body = {"question": QUESTION, "stream": True}
    in_hand = (os.cpu_count() or 1) + 1  # extractive: one answered a CPU, and max_queue
    with TestClient(create_app(builder, use_model=False)) as client:
        streams = [
            threading.Thread(target=client.post, args=("/v1/ask",), kwargs={"json": body})
            for _ in range(in_hand)
        ]
        for thread in streams:
            thread.start()
        deadline = time.monotonic() + 30
        while client.get("/healthz").json()["questions"] < in_hand and time.monotonic() < deadline:
            time.sleep(0.05)
        refused = client.post("/v1/ask", json={"question": QUESTION})
        release.set()
        for thread in streams:
            thread.join(30)
        after = client.get("/healthz").json()["questions"]
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "5"
    assert refused.json() == {"detail": "1 questions are waiting already; retry shortly"}
    assert after == 0


def test_a_port_in_use_is_one_line_before_serving_is_said(
    sample_index: Settings, tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "localqa", "serve", "--extractive", "--port", str(port)],
            env=serve_env(sample_index),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip().splitlines() == [
        f"localqa: error: port {port} on 127.0.0.1 is in use: pick another with --port (or "
        "serve_port), or stop what listens there"
    ]


def ipv6_only_listener() -> socket.socket | None:
    """A socket listening on :: for IPv6 alone (IPV6_V6ONLY), as servers that bind IPv6
    by themselves do, on a free port; None where this machine has no IPv6."""
    try:
        taken = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    except OSError:
        return None
    try:
        taken.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        taken.bind(("::", 0))
        taken.listen()
    except OSError:
        taken.close()
        return None
    return taken


def test_a_port_taken_in_ipv6_alone_is_one_line_too(sample_index: Settings, tmp_path: Path) -> None:
    """Binding 127.0.0.1 succeeds beside a program on :: with IPV6_V6ONLY, yet clients of
    localhost:PORT that try ::1 first reach that program: serve says so and exits 1
    (before the fix it said "serving on" and served)."""
    taken = ipv6_only_listener()
    if taken is None:
        pytest.skip("this machine has no IPv6 loopback to listen on")
    with taken:
        port = taken.getsockname()[1]
        server = subprocess.Popen(
            [sys.executable, "-m", "localqa", "serve", "--extractive", "--port", str(port)],
            env=serve_env(sample_index),
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert server.stderr is not None
        lines = []  # until it says it serves (killed then: it would serve on) or exits
        while (line := server.stderr.readline()) and "serving on" not in line:
            lines.append(line)
        if line:
            server.kill()
        stderr = "".join(lines) + line + server.communicate()[1]
    assert server.returncode == 1, stderr
    assert stderr.strip().splitlines() == [
        f"localqa: error: port {port} is taken on ::1 by another program: clients asking "
        f"for localhost:{port} may reach it instead; pick another with --port (or "
        "serve_port), or stop what listens there"
    ]
