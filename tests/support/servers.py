"""The shared index's servers for the tests: a Chroma server (`chroma run`) on loopback
for the session, beside tests/support/postgres.py's PostgreSQL cluster, and the settings
of a shared index on both."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from localqa.config import Settings
from tests.support.postgres import PostgresServer, free_port, needed


@pytest.fixture(scope="session")
def chroma_port() -> Iterator[int]:
    """A real Chroma server on a free loopback port for the session; its port."""
    chroma = Path(sys.executable).parent / "chroma"
    if not chroma.exists():
        needed("the chroma command is not installed in this environment")
    port = free_port()
    data = tempfile.mkdtemp(prefix="localqa-chroma-")
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    server = subprocess.Popen(
        [str(chroma), "run", "--host", "127.0.0.1", "--port", str(port), "--path", data],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the chroma server did not start")
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(data, ignore_errors=True)


def shared_settings(settings: Settings, postgres: PostgresServer, chroma: int) -> Settings:
    """`settings` for a shared index on `postgres` and the Chroma server on port `chroma`,
    named for its home (one index per test, several in one database)."""
    name = "t" + hashlib.sha1(str(settings.home).encode()).hexdigest()[:16]
    return settings.model_copy(
        update={
            "database_url": SecretStr(postgres.url),
            "chroma_host": "127.0.0.1",
            "chroma_port": chroma,
            "index": name,
        }
    )
