"""SIGKILL a real `localqa ingest` mid-run; the next run leaves a complete, duplicate-free
index identical in content to an uninterrupted one."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from localqa.config import Settings, load_settings
from localqa.embedding.embedder import Embedder
from localqa.store.index import Index
from tests.conftest import REPO, SAMPLE_DOCS, ingest_paths
from tests.test_ingest import consistent_counts

COPIES = 5


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    for n in range(COPIES):
        shutil.copytree(SAMPLE_DOCS, root / f"copy{n}")
    return root


@pytest.fixture(scope="module")
def clean_chunks(
    corpus: Path, embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> set[tuple[str, int, str]]:
    settings = load_settings(environ={"LOCALQA_HOME": str(tmp_path_factory.mktemp("clean"))})
    ingest_paths(settings, embedder, corpus)
    return visible_chunks(settings)


def visible_chunks(settings: Settings) -> set[tuple[str, int, str]]:
    index = Index(settings.store)
    return {
        (c.source, c.page, c.text)
        for d in index.catalog.documents()
        for c in index.chunks.of_document(d.abs_path)
    }


def count(db: Path, sql: str) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute(sql).fetchone()[0])
    except sqlite3.Error:
        return 0


def kill_when(home: Path, corpus: Path, sql: str, threshold: int) -> None:
    env = {**os.environ, "LOCALQA_HOME": str(home), "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "localqa", "ingest", "--quiet", str(corpus)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    db = home / "indexes" / "default" / "catalog.sqlite"
    deadline = time.monotonic() + 240
    while proc.poll() is None and time.monotonic() < deadline:
        if count(db, sql) >= threshold:
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.01)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "ingest finished before it could be killed"


@pytest.mark.parametrize(
    ("sql", "threshold"),
    [
        ("SELECT count(*) FROM chunks", 1),  # chunks stored, no document committed yet
        ("SELECT count(*) FROM documents", 2 * 10),  # part-way through
    ],
    ids=["before-first-commit", "mid-run"],
)
def test_sigkill_then_rerun_recovers(
    tmp_path: Path,
    corpus: Path,
    clean_chunks: set[tuple[str, int, str]],
    embedder: Embedder,
    sql: str,
    threshold: int,
) -> None:
    home = tmp_path / "home"
    kill_when(home, corpus, sql, threshold)
    settings = load_settings(environ={"LOCALQA_HOME": str(home)})
    report = ingest_paths(settings, embedder, corpus)
    assert report.failed == []
    assert len(report.added) + len(report.unchanged) == 10 * COPIES
    assert consistent_counts(settings) == len(clean_chunks)
    assert visible_chunks(settings) == clean_chunks
