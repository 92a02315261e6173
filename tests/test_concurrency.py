"""Readers keep working while a real ingest process writes to the same index."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from localqa.builder import Builder
from localqa.config import load_settings
from localqa.embedding.embedder import Embedder
from localqa.store.index import Index
from tests.conftest import REPO, SAMPLE_DOCS, ingest_paths


def test_ask_while_ingest_writes(tmp_path: Path, embedder: Embedder) -> None:
    corpus = tmp_path / "corpus"
    for n in range(4):
        shutil.copytree(SAMPLE_DOCS, corpus / f"copy{n}")
    settings = load_settings(environ={"LOCALQA_HOME": str(tmp_path / "home")})
    ingest_paths(settings, embedder, corpus / "copy0")
    env = {**os.environ, "LOCALQA_HOME": str(settings.home), "PYTHONPATH": str(REPO)}
    writer = subprocess.Popen(
        [sys.executable, "-m", "localqa", "ingest", "--quiet", str(corpus)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    index = Index(settings.store)
    answerer = Builder(settings).answerer(index)
    answers = 0
    try:
        while writer.poll() is None:
            answer = answerer.ask("Which boat is used for sea trials?")
            assert answer.citations, "a reader saw an empty or broken index"
            visible = {d.abs_path: d.doc_hash for d in index.catalog.documents()}
            assert all(visible.get(c.abs_path) == c.doc_hash for c in answer.contexts)
            answers += 1
            time.sleep(0.05)
        _, errors = writer.communicate(timeout=60)
    finally:
        if writer.poll() is None:
            writer.kill()
    assert writer.returncode == 0, errors
    assert answers >= 2, "ingest ended before readers overlapped it; make the corpus larger"
    second = subprocess.run(
        [sys.executable, "-m", "localqa", "ingest", "--quiet", str(corpus)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert second.returncode == 0
    assert len(index.catalog.documents()) == 4 * 10
