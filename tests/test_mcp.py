"""`localqa mcp`: the real command started as a subprocess over the sample index, asked
through the `mcp` SDK's own stdio client (and once byte by byte, to see that stdout
carries the protocol only)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from typer.testing import CliRunner

from localqa.cli.main import cli
from localqa.config import Settings
from localqa.embedding.embedder import Embedder

SALARY = "When is salary paid?"  # sample_docs/faq.txt, line 7: "... paid on the 20th ..."
VACATION = "How many days of paid vacation do I get each year?"  # the PDF's page 2

Calls = dict[str, Any]  # what each scripted call gave: the CallToolResult, or the listing


def mcp_env(settings: Settings) -> dict[str, str]:
    """The test process's environment (PYTHONPATH, the exported embedder's cache) with
    this index's home, and no other LOCALQA_ setting."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCALQA_")}
    return {**env, "LOCALQA_HOME": str(settings.home)}


def run_session(
    settings: Settings, cwd: Path, script: Callable[[Any], Awaitable[Calls]], *args: str
) -> Calls:
    """Start `localqa mcp ARGS` through the SDK's stdio client, initialize, run
    `script(client)`, and return what it collected."""
    from mcp import Client, StdioServerParameters

    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "localqa", "mcp", *args],
        env=mcp_env(settings),
        cwd=cwd,
    )

    async def main() -> Calls:
        with anyio.fail_after(300):
            async with Client(params, read_timeout_seconds=240) as client:
                return await script(client)

    return anyio.run(main)


async def every_tool(client: Any) -> Calls:
    calls: Calls = {"tools": await client.list_tools()}
    asked = {
        "search": ("search", {"query": SALARY, "top_k": 3}),
        "search_pdf": ("search", {"query": VACATION, "sources": ["northwind-handbook.pdf"]}),
        "ask": ("ask", {"question": SALARY}),
        "ask_pdf": ("ask", {"question": VACATION, "top_k": 4}),
        "sources": ("sources", {}),
        "top_k_0": ("search", {"query": SALARY, "top_k": 0}),
        "top_k_big": ("search", {"query": SALARY, "top_k": 51}),
        "no_word": ("ask", {"question": " ?! "}),
        "no_question": ("ask", {}),
        "unknown_source": ("ask", {"question": SALARY, "sources": ["no-such.pdf"]}),
        "unknown_tool": ("forget", {"path": "faq.txt"}),
    }
    for key, (tool, arguments) in asked.items():
        calls[key] = await client.call_tool(tool, arguments)
    return calls


@pytest.fixture(scope="module")
def calls(sample_index: Settings, tmp_path_factory: pytest.TempPathFactory) -> Calls:
    """Every tool called once over one `localqa mcp --extractive` session."""
    return run_session(sample_index, tmp_path_factory.mktemp("mcp"), every_tool, "--extractive")


def ok(result: Any) -> dict[str, Any]:
    assert not result.is_error, result.content
    structured: dict[str, Any] = result.structured_content
    # the text a host without structured output shows is the same object
    assert json.loads(result.content[0].text) == structured
    return structured


def error_line(result: Any) -> str:
    assert result.is_error
    [block] = result.content
    text: str = block.text
    assert "\n" not in text and "Traceback" not in text
    return text


def test_the_three_tools_are_listed_with_bounded_arguments(calls: Calls) -> None:
    tools = {tool.name: tool for tool in calls["tools"].tools}
    assert set(tools) == {"search", "ask", "sources"}
    top_k = tools["search"].input_schema["properties"]["top_k"]
    assert (top_k["minimum"], top_k["maximum"], top_k["default"]) == (1, 50, 5)
    assert tools["ask"].input_schema["required"] == ["question"]
    assert all(tool.annotations.read_only_hint for tool in tools.values())


def test_search_gives_passages_with_file_page_and_lines(calls: Calls) -> None:
    passages = ok(calls["search"])["passages"]
    assert len(passages) == 3
    best = passages[0]
    assert set(best) == {
        "file",
        "abs_path",
        "root",
        "root_path",
        "page",
        "page_label",
        "lines",
        "text",
        "score",
    }
    assert best["file"] == "faq.txt" and best["page"] == 1
    assert best["abs_path"].endswith("/" + best["root_path"])
    first, last = best["lines"]
    assert first <= 7 <= last  # the answer's line in faq.txt
    assert "paid on the 20th" in best["text"]
    scores = [p["score"] for p in passages]
    assert scores == sorted(scores, reverse=True)


def test_search_narrowed_to_one_document(calls: Calls) -> None:
    passages = ok(calls["search_pdf"])["passages"]
    assert len(passages) == 5
    assert {p["file"] for p in passages} == {"northwind-handbook.pdf"}
    [vacation] = [p for p in passages if "27 working days" in p["text"]]
    assert vacation["page"] == 2


def ask_json(settings: Settings, monkeypatch: pytest.MonkeyPatch, cwd: Path, *args: str) -> Any:
    monkeypatch.setenv("LOCALQA_HOME", str(settings.home))
    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(cli, ["ask", *args, "--extractive", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def without_timings(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k != "timings"}


def test_ask_gives_what_ask_json_prints(
    calls: Calls, sample_index: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    answer = ok(calls["ask"])
    assert without_timings(answer) == without_timings(
        ask_json(sample_index, monkeypatch, tmp_path, SALARY)
    )
    assert answer["mode"] == "extractive" and answer["grounded"]
    cited = answer["citations"][0]
    assert (cited["source"], cited["page"]) == ("faq.txt", 1)
    assert "20th" in cited["quote"] and cited["quote_lines"][0] == 7


def test_ask_cites_the_pdf_page(
    calls: Calls, sample_index: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    answer = ok(calls["ask_pdf"])
    assert without_timings(answer) == without_timings(
        ask_json(sample_index, monkeypatch, tmp_path, VACATION, "--top-k", "4")
    )
    cited = answer["citations"][0]
    assert (cited["source"], cited["page"]) == ("northwind-handbook.pdf", 2)
    assert "27 working days" in cited["quote"]


def test_sources_lists_the_index(calls: Calls) -> None:
    listed = ok(calls["sources"])["sources"]
    assert len(listed) == 10
    assert {"faq.txt", "northwind-handbook.pdf"} <= {s["path"] for s in listed}
    assert not any(s["missing"] for s in listed)


@pytest.mark.parametrize(
    ("call", "line"),
    [
        ("top_k_0", "top_k: Input should be greater than or equal to 1"),
        ("top_k_big", "top_k: Input should be less than or equal to 50"),
        ("no_word", "question: the question has no word in it"),
        ("no_question", "question: Field required"),
        ("unknown_source", "source 'no-such.pdf' is not in the index; the sources tool lists them"),
        ("unknown_tool", "Unknown tool: forget"),
    ],
)
def test_a_bad_call_is_a_tool_error_of_one_line(calls: Calls, call: str, line: str) -> None:
    assert error_line(calls[call]) == line


def test_without_an_index_one_line_and_exit_1(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCALQA_")}
    done = subprocess.run(
        [sys.executable, "-m", "localqa", "mcp"],
        env={**env, "LOCALQA_HOME": str(tmp_path / "home")},
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("localqa: error: ") and done.stderr.count("\n") == 1


def rpc(id_: int | None, method: str, params: dict[str, Any]) -> str:
    message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
    if id_ is not None:
        message["id"] = id_
    return json.dumps(message) + "\n"


def test_with_a_model_stdout_carries_the_protocol_only(
    sample_index: Settings, smollm2_gguf: Path, tmp_path: Path
) -> None:
    """A real model loaded (llama.cpp writes from C), one generated answer: every line on
    stdout is a JSON-RPC message, and the answer is the model's, checked and cited."""
    requests = (
        rpc(
            1,
            "initialize",
            {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "test", "version": "0"},
            },
        )
        + rpc(None, "notifications/initialized", {})
        + rpc(2, "tools/call", {"name": "ask", "arguments": {"question": SALARY}})
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "localqa", "mcp", "--model", str(smollm2_gguf)],
        env=mcp_env(sample_index),
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert server.stdin is not None and server.stdout is not None
    server.stdin.write(requests)
    server.stdin.flush()
    lines = []
    for line in server.stdout:  # until the answer to the call
        lines.append(line)
        if json.loads(line).get("id") == 2:
            break
    rest, stderr = server.communicate(timeout=60)  # stdin closed: the server ends
    lines += rest.splitlines(keepends=True)
    messages = [json.loads(line) for line in lines]  # nothing else on stdout
    assert all(m["jsonrpc"] == "2.0" for m in messages)
    assert server.returncode == 0, stderr
    assert "Traceback" not in stderr
    [result] = [m["result"] for m in messages if m.get("id") == 2]
    answer = result["structuredContent"]
    assert not result["isError"] and answer["mode"] == "generative"
    assert answer["model"].endswith(smollm2_gguf.name)
    assert answer["citations"] or answer["extractive"]["citations"]


def test_the_extractive_flag_leaves_the_model_out(
    sample_index: Settings, smollm2_gguf: Path, tmp_path: Path
) -> None:
    async def one_answer(client: Any) -> Calls:
        return {"ask": await client.call_tool("ask", {"question": SALARY})}

    calls = run_session(
        sample_index, tmp_path, one_answer, "--model", str(smollm2_gguf), "--extractive"
    )
    assert ok(calls["ask"])["mode"] == "extractive"


def test_a_document_ingested_meanwhile_is_found_without_a_restart(
    embedder: Embedder, tmp_path: Path
) -> None:
    """One session of `localqa mcp` while an ingest adds a document beside it: the next
    calls list it and find it (the engine reopens the index it holds)."""
    from tests.conftest import SAMPLE_DOCS, ingest_paths

    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(SAMPLE_DOCS / "faq.txt", docs / "faq.txt")
    settings = Settings(home=tmp_path / "home")
    ingest_paths(settings, embedder, docs)
    parking = "What is the door code of the parking garage?"

    async def ingest_between(client: Any) -> Calls:
        calls: Calls = {"before": await client.call_tool("sources", {})}
        (docs / "parking.md").write_text(
            "# Parking\n\nThe parking garage under the Oslo office opens with door code 4417.\n",
            encoding="utf-8",
        )
        await anyio.to_thread.run_sync(lambda: ingest_paths(settings, embedder, docs))
        calls["after"] = await client.call_tool("sources", {})
        calls["search"] = await client.call_tool("search", {"query": parking, "top_k": 1})
        return calls

    calls = run_session(settings, tmp_path, ingest_between, "--extractive")
    assert [s["path"] for s in ok(calls["before"])["sources"]] == ["faq.txt"]
    assert sorted(s["path"] for s in ok(calls["after"])["sources"]) == ["faq.txt", "parking.md"]
    [found] = ok(calls["search"])["passages"]
    assert found["file"] == "parking.md" and "4417" in found["text"]
