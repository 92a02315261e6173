"""Storage faults injected for real (issue 27): a read-only LOCALQA_HOME (a tmpfs remounted
read-only: chmod does not stop root) and a disk that fills up in the middle of an ingest (a
small tmpfs). Readers answer; writers stop with one line and exit 3; nothing stored is
lost, and a re-run after space is freed completes."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from localqa.answering.session import Answered, ChatSession
from localqa.builder import Builder
from localqa.config import Settings
from localqa.embedding.embedder import Embedder
from localqa.store.index import Index
from tests.conftest import REPO
from tests.support.faulty_index import Built, build, chunk_texts, invoke, one_error_line
from tests.support.mounts import fill, read_only_copy, tmpfs

QUESTION = "Which boat is used for sea trials?"


@pytest.fixture(scope="module")
def built(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build(tmp_path_factory.mktemp("faults"), embedder)


@pytest.fixture
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no stray models/ or localqa.toml
    return tmp_path


def test_readers_answer_from_a_read_only_home(
    built: Built, cwd: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with read_only_copy(built.home, cwd / "ro") as home:
        monkeypatch.setenv("LOCALQA_HOME", str(home))
        with pytest.raises(OSError, match="Read-only file system"):
            (home / "probe").write_text("")  # the fault is real, root included
        code, out, _ = invoke("sources", "--json")
        assert code == 0 and len(json.loads(out)) == 10
        with caplog.at_level(logging.WARNING, logger="localqa"):
            code, out, _ = invoke("ask", "--extractive", QUESTION)
        assert code == 0 and "MS Kittiwake" in out
        skipped = [r.getMessage() for r in caplog.records if "dense search skipped" in r.message]
        assert len(skipped) == 1 and "cannot be opened read-only" in skipped[0]
        code, out, _ = invoke("eval", str(REPO / "tests" / "sample_questions.jsonl"), "--json")
        assert code == 0 and json.loads(out)["summary"]
        code, out, _ = invoke("doctor", "--json")
        report = json.loads(out)
        integrity = report["integrity"]
        assert code == 0 and integrity["verdict"] == "whole", integrity
        assert report["index"]["documents"] == 10, report["index"]  # every section read it
        assert "problem" not in report["embedding"] and "problem" not in report["search"]
        assert integrity["vectors"].startswith("ok: not checked")
        # the chat's core: answers, and says its conversation is not saved
        builder = Builder(Settings(home=home))
        with builder.existing_index() as index:
            store = builder.conversation_store()
            session = ChatSession(store, "default", builder.answerer(index))
            done = [e for e in session.ask(QUESTION) if isinstance(e, Answered)]
        assert "MS Kittiwake" in done[0].presentation.text
        assert "conversations are not saved" in done[0].unsaved


def test_the_real_command_says_one_line_on_a_read_only_home(built: Built, cwd: Path) -> None:
    with read_only_copy(built.home, cwd / "ro") as home:
        env = {**os.environ, "LOCALQA_HOME": str(home)}
        command = [sys.executable, "-m", "localqa", "ask", "--extractive", QUESTION]
        done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=cwd)
        assert done.returncode == 0 and "MS Kittiwake" in done.stdout
        assert "Traceback" not in done.stderr
        warned = [line for line in done.stderr.splitlines() if "dense search skipped" in line]
        assert len(warned) == 1, done.stderr
        # a writer on the read-only home: one line, exit 3
        done = subprocess.run(
            [sys.executable, "-m", "localqa", "forget", "faq.txt"],
            env=env,
            capture_output=True,
            text=True,
            cwd=cwd,
        )
        assert done.returncode == 3, done.stderr
        assert "read-only" in one_error_line(done.stderr)


def test_writers_on_a_read_only_home_exit_3(
    built: Built, cwd: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with read_only_copy(built.home, cwd / "ro") as home:
        monkeypatch.setenv("LOCALQA_HOME", str(home))
        for args in (("ingest", str(built.docs), "--quiet"), ("forget", "faq.txt")):
            code, _, err = invoke(*args)
            assert code == 3, (args, err)
            line = one_error_line(err)
            assert str(home) in line and "read-only" in line


def test_a_disk_full_mid_ingest_stops_cleanly_and_a_rerun_completes(
    built: Built, cwd: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with tmpfs(cwd / "small", 3072) as disk:
        home = disk / "home"
        monkeypatch.setenv("LOCALQA_HOME", str(home))
        first = cwd / "first"
        first.mkdir()
        for name in ("faq.txt", "README.md"):
            (first / name).write_bytes((built.docs / name).read_bytes())
        assert invoke("ingest", str(first), "--quiet")[0] == 0
        filler = fill(disk, leave_kb=150)
        code, _, err = invoke("ingest", str(built.docs), "--quiet")
        assert code == 3, err
        line = one_error_line(err)
        assert str(home) in line and "no space left" in line
        # what was stored is intact: listed, whole, answerable
        code, out, _ = invoke("sources", "--json")
        assert code == 0 and {"faq.txt", "README.md"} <= {s["path"] for s in json.loads(out)}
        code, out, _ = invoke("doctor", "--json")
        assert json.loads(out)["integrity"]["catalog"].startswith("ok"), out
        # forget on a disk with no room at all: done, or one line and exit 3
        fill(disk, leave_kb=0)
        code, _, err = invoke("forget", str(first / "faq.txt"))
        assert code == 0 or (code == 3 and "no space left" in one_error_line(err))
        filler.unlink()
        (disk / "filler").unlink(missing_ok=True)
        code, _, err = invoke("ingest", str(built.docs), "--quiet")
        assert code == 0, err
        settings = Settings(home=home)
        with Index(settings.store, read_only=True) as index:
            sample = [d.abs_path for d in index.catalog.documents() if d.root == str(built.docs)]
        assert len(sample) == 10
        recovered = chunk_texts(settings)
        assert set(built.chunks.items()) <= set(recovered.items())  # the same chunks
        code, out, _ = invoke("doctor", "--json")
        assert code == 0 and json.loads(out)["integrity"]["verdict"] == "whole"
