"""`localqa ask --server` and `localqa chat --server` against a real `localqa serve`
(extractive, over the sample index): the same output as local use, the token from the
settings, and one line with exit 1 when the server is down or refuses."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from localqa.config import Settings, load_settings
from tests.test_imports import loaded_after
from tests.test_server import QUESTION, TOKEN, free_port, serve_env, start, stop

CARD = "I lost my access card. What do I do?"
COST = "How much does it cost?"


@pytest.fixture(scope="module")
def base(sample_index: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server, url = start(sample_index, tmp_path_factory.mktemp("serve-client"))
    yield url
    stop(server)


@pytest.fixture(scope="module")
def guarded(sample_index: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server, url = start(
        sample_index, tmp_path_factory.mktemp("serve-client-token"), LOCALQA_API_TOKEN=TOKEN
    )
    yield url
    stop(server)


def localqa(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "localqa", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def client_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A client machine's environment: a home of its own, with no index in it."""
    return serve_env(load_settings(environ={"LOCALQA_HOME": str(tmp_path / "client")}), **extra)


def without_timings(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k != "timings"}


LONG = "Tell me about the salary and the payslips " * 40 + QUESTION  # past the encoder


@pytest.mark.parametrize("question", [QUESTION, "How many weeks of parental leave?", LONG])
def test_ask_server_prints_what_a_local_ask_prints(
    base: str, sample_index: Settings, tmp_path: Path, question: str
) -> None:
    local = localqa("ask", question, "--extractive", cwd=tmp_path, env=serve_env(sample_index))
    remote = localqa("ask", question, "--server", base, cwd=tmp_path, env=client_env(tmp_path))
    assert local.returncode == remote.returncode == 0, remote.stderr
    assert remote.stdout == local.stdout and "Sources:" in remote.stdout
    assert remote.stderr == local.stderr
    assert ("longer than the embedder's window" in remote.stderr) is (question == LONG)


def test_ask_server_json_is_the_servers_object(
    base: str, sample_index: Settings, tmp_path: Path
) -> None:
    remote = localqa(
        "ask", QUESTION, "--server", base, "--json", cwd=tmp_path, env=client_env(tmp_path)
    )
    assert remote.returncode == 0, remote.stderr
    printed = json.loads(remote.stdout)
    served = httpx.post(f"{base}/v1/ask", json={"question": QUESTION}, timeout=120).json()
    assert without_timings(printed) == without_timings(served)
    assert list(printed) == list(served) and set(printed["timings"]) == set(served["timings"])
    env = serve_env(sample_index)
    local = localqa("ask", QUESTION, "--extractive", "--json", cwd=tmp_path, env=env)
    assert list(json.loads(local.stdout)) == list(printed)  # what a local --json prints


def test_ask_server_loads_no_index_embedder_or_model(base: str) -> None:
    code = f"""
from localqa.cli.main import main
sys.argv = ["localqa", "ask", {QUESTION!r}, "--server", {base!r}]
try:
    main()
except SystemExit as done:
    assert done.code in (0, None), done.code
"""
    assert loaded_after(code) == []  # no torch, chromadb, llama_cpp, textual, fastapi
    more = ["onnxruntime", "localqa.store.index", "localqa.embedding.onnx_encoder", "gguf"]
    probe = code + f"\nprint([m for m in {more!r} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", "import sys\n" + probe], capture_output=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().strip().splitlines()[-1] == "[]"  # nor onnxruntime, an index


def test_a_server_that_is_down_is_one_line_and_exit_1(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    for command in (["ask", QUESTION], ["ask", QUESTION, "--json"]):
        done = localqa(*command, "--server", url, cwd=tmp_path, env=client_env(tmp_path))
        assert done.returncode == 1 and done.stdout == ""
        assert done.stderr == (
            f"localqa: error: cannot reach the localqa server at {url} (connection refused); "
            "start it with `localqa serve`, or check the URL\n"
        )


def test_the_token_comes_from_the_settings(guarded: str, tmp_path: Path) -> None:
    refused = localqa("ask", QUESTION, "--server", guarded, cwd=tmp_path, env=client_env(tmp_path))
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr == (
        f"localqa: error: the localqa server at {guarded} refused the request (401): set "
        "api_token (LOCALQA_API_TOKEN) to the server's token\n"
    )
    env = client_env(tmp_path, LOCALQA_API_TOKEN=TOKEN)
    answered = localqa("ask", QUESTION, "--server", guarded, cwd=tmp_path, env=env)
    assert answered.returncode == 0 and "20th" in answered.stdout
    config = tmp_path / "team.toml"
    config.write_text(f'api_token = "{TOKEN}"\n', encoding="utf-8")
    by_file = localqa(
        "ask",
        QUESTION,
        "--server",
        guarded,
        "--config",
        str(config),
        "--json",
        cwd=tmp_path,
        env=client_env(tmp_path),
    )
    assert by_file.returncode == 0 and "20th" in json.loads(by_file.stdout)["answer"]


def test_refusals_and_failures_are_one_line(base: str, tmp_path: Path) -> None:
    from localqa.client.http import ServerClient, ServerError

    unknown = localqa(
        "ask",
        QUESTION,
        "--server",
        base,
        "--source",
        "nope.pdf",
        cwd=tmp_path,
        env=client_env(tmp_path),
    )
    assert unknown.returncode == 1
    assert unknown.stderr == (
        f"localqa: error: the localqa server at {base} refused the question: source "
        "'nope.pdf' is not in the index; see /v1/sources\n"
    )
    local_only = localqa(
        "ask", QUESTION, "--server", base, "--extractive", cwd=tmp_path, env=client_env(tmp_path)
    )
    assert local_only.returncode == 2
    assert "--extractive is the server's to choose" in local_only.stderr

    def busy(request: httpx.Request) -> httpx.Response:
        detail = {"detail": "8 questions are waiting already; retry shortly"}
        return httpx.Response(503, json=detail, headers={"Retry-After": "5"})

    client = ServerClient("http://team-box:8000", transport=httpx.MockTransport(busy))
    with pytest.raises(ServerError) as refused:
        client.answer(QUESTION)
    assert str(refused.value) == (
        "the localqa server at http://team-box:8000 is busy (503: 8 questions are waiting "
        "already; retry shortly); retry in 5 s"
    )

    def cut(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text='event: token\ndata: {"text": "Sal"}\n\n')

    client = ServerClient("http://team-box:8000", transport=httpx.MockTransport(cut))
    with pytest.raises(ServerError, match="ended the answer before it was whole"):
        list(client.ask(QUESTION).events)

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    client = ServerClient("http://team-box:8000", None, 30, httpx.MockTransport(slow))
    with pytest.raises(ServerError) as stalled:
        client.health()
    assert str(stalled.value) == (
        "the localqa server at http://team-box:8000 sent nothing for 30 s; it may be "
        "overloaded: check http://team-box:8000/healthz"
    )


def test_remote_chat_core_follows_up_saves_and_resumes(base: str, tmp_path: Path) -> None:
    import threading

    from localqa.answering.answer import Token
    from localqa.answering.conversations import ConversationStore
    from localqa.answering.session import Answered, Searched
    from localqa.client.chat import RemoteCore
    from localqa.client.http import ServerClient

    def store() -> ConversationStore:
        return ConversationStore(tmp_path / "c.sqlite")

    core = RemoteCore(ServerClient(base), store)
    info = core.load()
    assert info.documents == 10 and info.model_name is None and base in info.index_name
    events = list(core.ask(CARD, threading.Event()))
    assert events[0] == Searched(CARD) and isinstance(events[-1], Answered)
    assert all(isinstance(e, Token) for e in events[1:-1])
    *_, done = core.ask(COST, threading.Event())
    assert isinstance(done, Answered) and not done.unsaved
    assert "card" in done.turn.searched and "NOK 150" in done.presentation.text
    assert done.presentation.sources[0].chunk.source == "faq.txt"
    core.close()

    again = RemoteCore(ServerClient(base), store)
    resumed = again.resume()
    assert resumed is not None and [t.question for t in resumed] == [CARD, COST]
    assert [c.turns for c in again.conversations()] == [2]
    *_, follow = again.ask("And is it ready soon?", threading.Event())
    assert isinstance(follow, Answered) and "card" in follow.turn.searched
    again.close()


@pytest.mark.anyio
async def test_chat_server_under_pilot_shows_the_answer_its_sources_and_a_follow_up(
    base: str, sample_index: Settings, tmp_path: Path
) -> None:
    from localqa.builder import Builder
    from localqa.cli.chat import remote_factory
    from localqa.tui.app import ChatApp
    from localqa.tui.widgets import SourcesTable
    from tests.test_tui import ask

    client_home = load_settings(environ={"LOCALQA_HOME": str(tmp_path / "client")})
    app = ChatApp(remote_factory(Builder(client_home), base))
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ask(pilot, QUESTION)
        assert "20th" in view.text and not view.failed
        files = [s.chunk.source for s in app.query_one(SourcesTable).sources]
        assert files[0] == "faq.txt"
        await ask(pilot, CARD)
        view = await ask(pilot, COST)
        assert "NOK 150" in view.text
        assert "searched for" in str(app.exchanges[-1].question_view.visual)


@pytest.mark.anyio
async def test_chat_server_that_is_down_is_one_message_in_the_app(tmp_path: Path) -> None:
    from localqa.builder import Builder
    from localqa.cli.chat import remote_factory
    from localqa.tui.app import ChatApp
    from tests.test_tui import settle

    url = f"http://127.0.0.1:{free_port()}"
    client_home = load_settings(environ={"LOCALQA_HOME": str(tmp_path / "client")})
    app = ChatApp(remote_factory(Builder(client_home), url))
    async with app.run_test() as pilot:
        await settle(pilot)
        assert app.core_error == (
            f"cannot reach the localqa server at {url} (connection refused); start it with "
            "`localqa serve`, or check the URL"
        )


def test_chat_server_needs_a_url(tmp_path: Path) -> None:
    done = localqa("chat", "--server", "team-box:8000", cwd=tmp_path, env=client_env(tmp_path))
    assert done.returncode == 2
    assert done.stderr == (
        "localqa: error: --server team-box:8000: give the server's URL, e.g. "
        "http://127.0.0.1:8000\n"
    )
