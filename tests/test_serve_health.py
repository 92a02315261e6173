"""`localqa serve` over a shared index (real PostgreSQL, a real Chroma server), each
reached through a TCP relay that the test makes refuse connections, as a server that went
down: /healthz names the part (503 when the index cannot be read, at once rather than
after the pool's 15 s wait), an answer without the Chroma server says it came from keyword
search alone, and /v1/ask with PostgreSQL down is a 503, not a 500."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx

from localqa.config import Settings
from tests.conftest import SAMPLE_DOCS
from tests.support.model_server import N_CTX, ModelServer, Relay
from tests.support.postgres import PostgresServer
from tests.support.servers import shared_settings
from tests.test_server import QUESTION, serve, stop
from tests.test_shared_index import environment


def until_ok(base: str) -> httpx.Response:
    """/healthz once it says ok (polled: on a busy machine a part's first answer, such as
    the first Chroma client made, can take longer than the checks' timeout)."""
    for _ in range(30):
        health = httpx.get(f"{base}/healthz", timeout=60)
        if health.json()["status"] == "ok":
            break
        time.sleep(1)
    return health


def test_healthz_names_the_part_down_and_answers_say_keyword_only(
    settings: Settings, postgres: PostgresServer, chroma_port: int, tmp_path: Path
) -> None:
    shared = shared_settings(settings, postgres, chroma_port)
    ingest = [sys.executable, "-m", "localqa", "ingest", "--quiet", str(SAMPLE_DOCS)]
    env = environment(shared, shared.home)
    subprocess.run(ingest, env=env, check=True, capture_output=True, timeout=600)
    database, vectors = (
        Relay(f"http://127.0.0.1:{postgres.port}"),
        Relay(f"http://127.0.0.1:{chroma_port}"),
    )
    relayed = postgres.url.replace(f":{postgres.port}/", f":{database.port}/")
    server, base = serve(
        shared,
        tmp_path,
        "--extractive",
        LOCALQA_INDEX=shared.index,
        LOCALQA_DATABASE_URL=relayed,
        LOCALQA_CHROMA_HOST="127.0.0.1",
        LOCALQA_CHROMA_PORT=str(vectors.port),
    )
    try:
        health = until_ok(base)
        assert health.status_code == 200, health.text
        assert health.json()["status"] == "ok" and health.json()["degraded"] == []
        assert health.json()["parts"] == {"index": "ok", "vectors": "ok", "model": "none"}
        asked = httpx.post(f"{base}/v1/ask", json={"question": QUESTION}, timeout=300).json()
        assert asked["search"] == "hybrid" and asked["dense_skipped"] is None

        vectors.set("refuse")  # the Chroma server down
        health = httpx.get(f"{base}/healthz", timeout=60)
        assert health.status_code == 200  # answers still come, from keyword search
        assert health.json()["status"] == "degraded" and health.json()["degraded"] == ["vectors"]
        assert "Chroma server" in health.json()["parts"]["vectors"]
        asked = httpx.post(f"{base}/v1/ask", json={"question": QUESTION}, timeout=300).json()
        assert asked["search"] == "keyword-only" and "Chroma" in asked["dense_skipped"]
        assert asked["citations"]  # still answered
        vectors.set("pass")

        database.set("refuse")  # PostgreSQL down
        started = time.monotonic()
        health = httpx.get(f"{base}/healthz", timeout=60)
        waited = time.monotonic() - started
        assert health.status_code == 503, health.text
        assert "index" in health.json()["degraded"]
        assert "PostgreSQL server" in health.json()["parts"]["index"]
        assert waited < 14, waited  # not the pool's 15 s wait (the health checks' own: 3 s)
        asked_down = httpx.post(f"{base}/v1/ask", json={"question": QUESTION}, timeout=300)
        assert asked_down.status_code == 503, asked_down.text
        assert "cannot be reached" in asked_down.json()["detail"], asked_down.text
    finally:
        log = stop(server)
        database.close()
        vectors.close()
    assert "Traceback" not in log, log


def test_the_model_server_down_is_degraded_health_and_a_502(
    sample_index: Settings, smollm2_gguf: Path, model_server: ModelServer, tmp_path: Path
) -> None:
    relay = Relay(model_server.url)
    server, base = serve(
        sample_index,
        tmp_path,
        LOCALQA_LLM_URL=relay.url,
        LOCALQA_LLM_TOKENIZER=str(smollm2_gguf),
        LOCALQA_LLM_N_CTX=str(N_CTX),
    )
    try:
        health = until_ok(base).json()
        assert health["parts"] == {"index": "ok", "vectors": "none", "model": "ok"}
        relay.set("refuse")  # the model server down
        health = httpx.get(f"{base}/healthz", timeout=60)
        assert health.status_code == 200  # extractive answers and abstentions still come
        assert health.json()["degraded"] == ["model"]
        assert relay.url in health.json()["parts"]["model"]
        asked = httpx.post(f"{base}/v1/ask", json={"question": QUESTION}, timeout=300)
        assert asked.status_code == 502, asked.text
        assert "model server" in asked.json()["detail"]
        body = {"model": "localqa", "messages": [{"role": "user", "content": QUESTION}]}
        chat = httpx.post(f"{base}/v1/chat/completions", json=body, timeout=300)
        assert chat.status_code == 502 and chat.json()["error"]["type"] == "server_error"
    finally:
        log = stop(server)
        relay.close()
    assert "Traceback" not in log, log
