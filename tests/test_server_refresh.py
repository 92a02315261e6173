"""A real `localqa ingest` (and `forget`) beside a real `localqa serve`: the answers go on
while it runs, and the server sees the new documents without a restart, letting go of
the files of the index it reopened."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from localqa.config import Settings, load_settings
from tests.conftest import SAMPLE_DOCS
from tests.test_server import QUESTION, serve_env, start, stop

NEW_DOC = """# Parking

The parking garage under the Oslo office opens with door code 4417.
Visitors park on level minus one; employees on level minus two.
"""
PARKING = "What is the door code of the parking garage?"


def localqa(settings: Settings, cwd: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "localqa", *args],
        env=serve_env(settings),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def index_files_open(pid: int, index_dir: Path) -> Counter[str]:
    """The files of the index that process `pid` holds open, how many times each (the
    lexical arrays' folder named for no generation in particular)."""
    held: Counter[str] = Counter()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed meanwhile
            continue
        if target.startswith(str(index_dir)):
            held[re.sub(r"generation-\d+", "generation-N", target)] += 1
    return held


def released(pid: int, index_dir: Path, held: Counter[str]) -> Counter[str]:
    """The index files `pid` holds once the index it replaced is let go: the old one is
    closed when the last request using it ends, which under load can be a while after
    the answer arrives, so wait (up to a minute) for the count to come back to `held`'s.
    A leak holds every file once more each round (a dozen) and never comes back; Chroma's
    pool of SQLite readers may open one or two more as it pleases."""
    pooled = str(index_dir / "chroma" / "chroma.sqlite3")
    deadline = time.monotonic() + 60
    while True:
        now = index_files_open(pid, index_dir)
        others_same = {k: v for k, v in now.items() if k != pooled} == {
            k: v for k, v in held.items() if k != pooled
        }
        if (others_same and now[pooled] <= held[pooled] + 2) or time.monotonic() > deadline:
            return now
        time.sleep(0.5)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to count files")
def test_an_ingest_beside_the_server_is_seen_without_a_restart(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("faq.txt", "security-policy.md"):
        shutil.copy(SAMPLE_DOCS / name, docs / name)
    settings = load_settings(environ={"LOCALQA_HOME": str(tmp_path / "home")})
    localqa(settings, tmp_path, "ingest", str(docs))
    server, base = start(settings, tmp_path)
    try:
        health = httpx.get(f"{base}/healthz").json()
        assert health["documents"] == 2
        first = httpx.post(f"{base}/v1/ask", json={"question": QUESTION}, timeout=120)
        assert first.status_code == 200 and "20th" in first.json()["answer"]

        # questions keep being answered while the ingest runs beside the server
        (docs / "parking.md").write_text(NEW_DOC, encoding="utf-8")
        statuses: list[tuple[int, bool]] = []
        ingesting = threading.Event()

        def keep_asking() -> None:
            with httpx.Client(base_url=base, timeout=120) as client:
                while ingesting.is_set() or not statuses:
                    answer = client.post("/v1/ask", json={"question": QUESTION})
                    statuses.append((answer.status_code, "20th" in answer.text))

        ingesting.set()
        asker = threading.Thread(target=keep_asking)
        asker.start()
        try:
            localqa(settings, tmp_path, "ingest", str(docs))
        finally:
            ingesting.clear()
            asker.join(120)
        assert statuses and set(statuses) == {(200, True)}, statuses

        # the new document is counted, listed and answered from
        health = httpx.get(f"{base}/healthz").json()
        assert health["documents"] == 3
        listed = {s["path"] for s in httpx.get(f"{base}/v1/sources").json()}
        assert "parking.md" in listed
        answer = httpx.post(f"{base}/v1/ask", json={"question": PARKING}, timeout=120).json()
        assert "4417" in answer["answer"]
        assert answer["citations"][0]["source"] == "parking.md"
        held = index_files_open(server.pid, settings.index_dir)
        assert held[str(settings.index_dir / "catalog.sqlite")] == 1

        # each reopening lets go of the index it replaces: no file is held twice
        for round_ in range(3):
            (docs / "parking.md").write_text(NEW_DOC + f"\nRevision {round_}.\n", "utf-8")
            localqa(settings, tmp_path, "ingest", str(docs))
            answer = httpx.post(f"{base}/v1/ask", json={"question": PARKING}, timeout=120)
            assert "4417" in answer.json()["answer"]
            now = released(server.pid, settings.index_dir, held)
            pooled = str(settings.index_dir / "chroma" / "chroma.sqlite3")
            assert now[pooled] <= held[pooled] + 2, (now, held)
            assert {k: v for k, v in now.items() if k != pooled} == {
                k: v for k, v in held.items() if k != pooled
            }

        # a document forgotten is gone from the server's answers too
        localqa(settings, tmp_path, "forget", "parking.md")
        assert httpx.get(f"{base}/healthz").json()["documents"] == 2
        answer = httpx.post(f"{base}/v1/ask", json={"question": PARKING}, timeout=120).json()
        assert "parking.md" not in {c["source"] for c in answer["citations"]}
    finally:
        log = stop(server)
    assert "Traceback" not in log, log
