"""`POST /v1/chat/completions` and `GET /v1/models` of a real `localqa serve` (uvicorn in
its own process, extractive) over the sample index, asked by a real HTTP client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from localqa.config import Settings
from tests.test_server import QUESTION, start, stop

CARD = "I lost my access card. What do I do?"
COST = "How much does it cost?"
FOOTNOTE = r'\[(\d+)\] ([^,\n]+), (page|slide|sheet) (\d+), lines? (\d+)(?:-(\d+))?: "'


@pytest.fixture(scope="module")
def base(sample_index: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server, url = start(sample_index, tmp_path_factory.mktemp("serve-chat"))
    yield url
    log = stop(server)
    assert "Traceback" not in log, log


def chat(base: str, messages: list[dict[str, Any]], **extra: Any) -> httpx.Response:
    body = {"model": "localqa", "messages": messages, **extra}
    return httpx.post(f"{base}/v1/chat/completions", json=body, timeout=120)


def user(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


def streamed(base: str, messages: list[dict[str, Any]]) -> list[Any]:
    """The `data:` payloads of a streamed reply, parsed; "[DONE]" as it is."""
    body = {"model": "localqa", "messages": messages, "stream": True}
    with httpx.stream("POST", f"{base}/v1/chat/completions", json=body, timeout=120) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line]
    assert all(line.startswith("data: ") for line in lines), lines
    payloads = [line.removeprefix("data: ") for line in lines]
    return [p if p == "[DONE]" else json.loads(p) for p in payloads]


def test_each_quote_of_one_passage_is_cited_to_its_own_lines(base: str) -> None:
    """Issue 25: two quotes of one passage are two citations, each with its own lines, in
    /v1/ask and in a completion's footnotes alike."""
    import re

    question = "How long is parental leave?"
    asked = httpx.post(f"{base}/v1/ask", json={"question": question}, timeout=120).json()
    cited = asked["citations"]
    assert [c["n"] for c in cited] == list(range(1, len(cited) + 1))
    page3 = [c["quote_lines"] for c in cited if c["page"] == 3]
    assert len(page3) >= 2 and len({tuple(lines) for lines in page3}) == len(page3)
    assert [6, 7] in page3
    content = chat(base, [user(question)]).json()["choices"][0]["message"]["content"]
    footnoted = [[int(n[4]), int(n[5] or n[4])] for n in re.findall(FOOTNOTE, content)]
    assert footnoted == [c["quote_lines"] for c in cited]


def test_models_lists_localqa(base: str) -> None:
    listed = httpx.get(f"{base}/v1/models").json()
    assert listed["object"] == "list"
    assert [m["id"] for m in listed["data"]] == ["localqa"]


def test_a_completion_carries_the_answer_its_footnotes_and_citations(base: str) -> None:
    import re

    response = chat(base, [{"role": "system", "content": "Be brief."}, user(QUESTION)])
    assert response.status_code == 200, response.text
    reply = response.json()
    assert reply["object"] == "chat.completion" and reply["model"] == "localqa"
    assert reply["id"].startswith("chatcmpl-") and isinstance(reply["created"], int)
    [choice] = reply["choices"]
    assert choice["index"] == 0 and choice["finish_reason"] == "stop"
    assert choice["message"]["role"] == "assistant"
    content = choice["message"]["content"]
    asked = httpx.post(f"{base}/v1/ask", json={"question": QUESTION}, timeout=120).json()
    # the answer as /v1/ask gives it, then its footnotes, one per citation
    assert content.startswith(asked["answer"] + "\n\nSources:\n")
    # as /v1/ask gives them, less the position of their passage in its `contexts`
    without = [{k: v for k, v in c.items() if k != "context"} for c in asked["citations"]]
    assert reply["citations"] == without and reply["citations"]
    assert reply["searched"] == QUESTION
    assert reply["verdict"] == asked["verdict"] == "supported"  # whether a script may trust it
    notes = re.findall(FOOTNOTE, content)
    assert len(notes) == len(reply["citations"])
    for note, cited in zip(notes, reply["citations"], strict=True):
        number, source, _, page, first, last = note
        assert (int(number), source, int(page)) == (cited["n"], cited["source"], cited["page"])
        assert [int(first), int(last or first)] == cited["quote_lines"]
        assert f'{first}{"-" + last if last else ""}: "{cited["quote"]}"' in content
    assert "20th" in content
    # no model wrote it: no token used
    assert reply["usage"] == {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}


def test_a_streamed_completion_with_include_usage_ends_with_the_usage(base: str) -> None:
    body = {
        "model": "localqa",
        "messages": [user(QUESTION)],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    with httpx.stream("POST", f"{base}/v1/chat/completions", json=body, timeout=120) as response:
        lines = [line.removeprefix("data: ") for line in response.iter_lines() if line]
    assert lines[-1] == "[DONE]"
    *chunks, last = [json.loads(line) for line in lines[:-1]]
    assert all(c["usage"] is None and len(c["choices"]) == 1 for c in chunks)
    assert last["choices"] == [] and last["object"] == "chat.completion.chunk"
    assert last["usage"] == {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
    assert last["id"] == chunks[0]["id"]


def test_a_streamed_completion_is_the_same_reply_in_chunks(base: str) -> None:
    whole = chat(base, [user(QUESTION)]).json()
    events = streamed(base, [user(QUESTION)])
    assert events[-1] == "[DONE]"
    chunks = events[:-1]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert len({c["id"] for c in chunks}) == 1 and chunks[0]["id"].startswith("chatcmpl-")
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    *body, last = chunks
    assert last["choices"][0] == {"index": 0, "delta": {}, "finish_reason": "stop"}
    assert last["citations"] == whole["citations"] and last["searched"] == QUESTION
    assert last["verdict"] == whole["verdict"] == "supported"
    assert all(c["choices"][0]["finish_reason"] is None for c in body)
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in body)
    assert text == whole["choices"][0]["message"]["content"]


def test_a_follow_up_is_searched_with_its_conversation(base: str) -> None:
    first = chat(base, [user(CARD)]).json()
    said = first["choices"][0]["message"]["content"]
    conversation = [user(CARD), {"role": "assistant", "content": said}, user(COST)]
    follow = chat(base, conversation).json()
    # the follow-up carried the card over, so retrieval found its price
    assert follow["searched"].startswith(COST)
    assert "access" in follow["searched"] and "card" in follow["searched"]
    assert "NOK 150" in follow["choices"][0]["message"]["content"]
    alone = chat(base, [user(COST)]).json()
    assert alone["searched"] == COST  # no conversation: nothing to build on
    # streamed, the same follow-up, and OpenAI's content parts are read as text
    parts = [{"type": "text", "text": COST}]
    events = streamed(base, [*conversation[:2], {"role": "user", "content": parts}])
    assert events[-2]["searched"] == follow["searched"]
    assert events[-2]["citations"] == follow["citations"]


@pytest.mark.parametrize(
    ("body", "status", "param", "message"),
    [
        (
            {"model": "gpt-4o", "messages": [user(QUESTION)]},
            404,
            "model",
            "model: the only model here is 'localqa', not 'gpt-4o'",
        ),
        (
            {"model": "localqa", "messages": []},
            400,
            "messages",
            "messages: List should have at least 1 item after validation, not 0",
        ),
        (
            {"model": "localqa", "messages": [user(QUESTION), {"role": "assistant"}]},
            400,
            "messages",
            "messages: the last message must be the user's question",
        ),
        (
            {"model": "localqa", "messages": [user(" ?! ")]},
            400,
            "messages",
            "messages: the question has no word in it",
        ),
        (
            {"model": "localqa", "messages": [user("x" * 4001)]},
            400,
            "messages",
            "messages: the question is longer than 4000 characters",
        ),
        ({"model": "localqa"}, 400, "messages", "messages: Field required"),
        (
            {"model": "localqa", "messages": [user(QUESTION)], "max_tokens": 0},
            400,
            "max_tokens",
            "max_tokens: Input should be greater than or equal to 1",
        ),
        (
            {"model": "localqa", "messages": [user(QUESTION)], "n": 2},
            400,
            "n",
            "n: Input should be less than or equal to 1",
        ),
    ],
)
def test_a_bad_chat_request_is_an_openai_error_with_one_reason(
    base: str, body: Any, status: int, param: str, message: str
) -> None:
    response = httpx.post(f"{base}/v1/chat/completions", json=body, timeout=60)
    assert response.status_code == status
    code = "model_not_found" if status == 404 else None
    kind = "invalid_request_error"
    assert response.json() == {
        "error": {"message": message, "type": kind, "param": param, "code": code}
    }


def test_malformed_json_says_so_in_words(base: str) -> None:
    headers = {"content-type": "application/json"}
    for path in ("/v1/chat/completions", "/v1/ask"):
        response = httpx.post(f"{base}{path}", content=b'{"question": ', headers=headers)
        said = response.json()
        message = said["detail"] if path == "/v1/ask" else said["error"]["message"]
        assert message.startswith("the request body is not valid JSON (Expecting value)"), said
        assert "at character 13; send a JSON object" in message
        assert response.status_code == (422 if path == "/v1/ask" else 400)
    missing = httpx.get(f"{base}/v1/embeddings")
    assert missing.status_code == 404
    assert missing.json()["error"]["type"] == "not_found_error"


@pytest.mark.parametrize(
    ("content_type", "had"),
    [
        (None, "no Content-Type"),
        ("application/x-www-form-urlencoded", "Content-Type application/x-www-form-urlencoded"),
        ("text/plain; charset=utf-8", "Content-Type text/plain"),
    ],
)
def test_a_json_body_without_its_content_type_is_told_what_to_send(
    base: str, content_type: str | None, had: str
) -> None:
    # curl -d sends form data's type; a browser page's simple request text/plain or none:
    # not parsed as JSON (FastAPI's strict content type), refused in one plain line
    headers = {"content-type": content_type} if content_type else {}
    bodies = {
        "/v1/ask": {"question": QUESTION},
        "/v1/chat/completions": {"model": "localqa", "messages": [user(QUESTION)]},
    }
    for path, body in bodies.items():
        request = httpx.Request("POST", f"{base}{path}", content=json.dumps(body).encode())
        for name in [h for h in request.headers if h.lower() == "content-type"]:
            del request.headers[name]
        request.headers.update(headers)
        with httpx.Client(timeout=60) as client:
            response = client.send(request)
        said = response.json()
        message = said["detail"] if path == "/v1/ask" else said["error"]["message"]
        assert message == (
            "the request body must be a JSON object sent with the header Content-Type: "
            f"application/json (this request has {had}; curl: add -H 'Content-Type: "
            "application/json')"
        ), said
        assert response.status_code == (422 if path == "/v1/ask" else 400)
    for body, why in (
        (b"[1, 2]", "the request body must be a JSON object ({...}), not an array"),
        (b"", "the request has no body; send a JSON object"),
    ):
        sent = {"content-type": "application/json"}
        response = httpx.post(f"{base}/v1/ask", content=body, headers=sent, timeout=60)
        assert response.status_code == 422 and response.json()["detail"].startswith(why)


def test_a_whole_document_question_names_the_other_matching_document(base: str) -> None:
    from tests.test_new_user import HANDBOOK_LINE

    question = "Summarise the employee handbook"
    data = httpx.post(f"{base}/v1/ask", json={"question": question}, timeout=120).json()
    assert (data["documents_read"], data["also_matched"]) == (
        ["northwind-handbook.pdf"],
        ["handbook-zh.md"],
    )
    assert data["also_matched_line"] == HANDBOOK_LINE
    reply = chat(base, [user(question)]).json()["choices"][0]["message"]["content"]
    assert reply.count(HANDBOOK_LINE) == 1 and reply.index(HANDBOOK_LINE) < reply.index("[1] ")
    # read back from the server's JSON, `ask --server` shows it as a local ask does
    from typer.testing import CliRunner

    from localqa.cli.main import cli

    result = CliRunner().invoke(cli, ["ask", question, "--server", base])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count(HANDBOOK_LINE) == 1


def test_the_schema_lists_the_openai_endpoints(base: str) -> None:
    paths = set(httpx.get(f"{base}/openapi.json").json()["paths"])
    assert {"/v1/chat/completions", "/v1/models"} <= paths


def test_footnotes_are_taken_off_an_answer_sent_back() -> None:
    from localqa.server.completions import without_footnotes

    reply = 'Paid on the 20th [1].\n\nSources:\n[1] faq.txt, page 1, lines 7-8: "Salary is"'
    assert without_footnotes(reply) == "Paid on the 20th [1]."
    flagged = "It is blue.\n\n[not supported by the sources] It is blue."
    assert without_footnotes(flagged) == "It is blue."
    assert without_footnotes("Two\n\nparagraphs.") == "Two\n\nparagraphs."


def test_closing_a_conversation_stream_stops_its_answer(
    sample_index: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """What a client gone away does to a chat completion: the endpoint closes the engine's
    stream, and the answer being written (a stand-in writing until stopped) ends."""
    import asyncio
    import threading

    import localqa.answering.session as session
    from localqa.answering.answer import Token
    from localqa.answering.session import Searched
    from localqa.builder import Builder
    from localqa.server.engine import Engine

    ended = threading.Event()

    def endless(*_: Any, **__: Any) -> Iterator[Token]:
        stop: threading.Event = _[3]
        try:
            while not stop.wait(0.01):
                yield Token("word ")
        finally:
            ended.set()

    monkeypatch.setattr(session, "shown_stream", endless)
    engine = Engine(Builder(sample_index), max_queue=1, use_model=False)

    async def first_token_then_leave() -> list[Any]:
        await engine.load()
        events = engine.converse([(CARD, "Go to reception.")], COST)
        got = [await anext(events), await anext(events)]
        await events.aclose()
        return got

    searched, token = asyncio.run(first_token_then_leave())
    assert isinstance(searched, Searched) and "card" in searched.text
    assert token == Token("word ")
    assert ended.wait(10)
    engine.close()


def test_ask_with_history_searches_a_follow_up_standalone(base: str) -> None:
    """`/v1/ask` with `history` answers as a chat turn: what `localqa chat --server` uses."""
    first = httpx.post(f"{base}/v1/ask", json={"question": CARD}, timeout=120).json()
    body = {"question": COST, "history": [{"question": CARD, "answer": first["answer"]}]}
    plain = httpx.post(f"{base}/v1/ask", json=body, timeout=120)
    assert plain.status_code == 200 and plain.headers["localqa-shown"] == "answer"
    answer = plain.json()
    assert answer["question"].startswith(COST) and "card" in answer["question"]
    assert "NOK 150" in answer["answer"]
    with httpx.stream(
        "POST", f"{base}/v1/ask", json={**body, "stream": True}, timeout=120
    ) as response:
        from tests.test_server import events_of

        events = events_of(response.read().decode())
    assert events[0] == ("searched", {"text": answer["question"]})
    assert events[-1][0] == "answer" and events[-1][1]["citations"] == answer["citations"]
    empty = {"question": CARD, "history": [], "stream": True}
    with httpx.stream("POST", f"{base}/v1/ask", json=empty, timeout=120) as response:
        kinds = [kind for kind, _ in events_of(response.read().decode())]
    assert kinds[0] == "searched" and kinds[-1] == "answer"
