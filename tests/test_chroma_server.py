"""The same index on a real Chroma server (`chroma run`) instead of the embedded store."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from localqa.builder import Builder
from localqa.config import load_settings
from localqa.embedding.embedder import Embedder
from localqa.store.index import Index
from tests.conftest import ingest_paths


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def chroma_server(tmp_path: Path) -> object:
    chroma = Path(sys.executable).parent / "chroma"
    if not chroma.exists():
        pytest.skip("the chroma command is not installed in this environment")
    port = free_port()
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    server = subprocess.Popen(
        [
            str(chroma),
            "run",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--path",
            str(tmp_path / "server-data"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        server.kill()
        pytest.fail("chroma server did not start")
    yield port
    server.terminate()
    server.wait(timeout=30)


def test_ingest_and_ask_against_a_chroma_server(
    chroma_server: int, tmp_path: Path, docs: Path, embedder: Embedder
) -> None:
    environ = {
        "LOCALQA_HOME": str(tmp_path / "home"),
        "LOCALQA_CHROMA_HOST": "127.0.0.1",
        "LOCALQA_CHROMA_PORT": str(chroma_server),
    }
    settings = load_settings(environ=environ)
    report = ingest_paths(settings, embedder, docs)
    assert report.failed == [] and report.chunks > 20
    index = Index(settings.store)
    assert index.vectors.count() == report.chunks
    assert not (settings.index_dir / "chroma").exists()  # nothing stored locally
    answer = Builder(settings).answerer(index).ask("Which boat is used for sea trials?")
    assert answer.citations[0].chunk.source == "northwind-handbook.pdf"
    assert answer.citations[0].chunk.page == 4
