"""Permission denied and I/O errors injected for real into the real command (issue 27):
root's file rights dropped on a home owned by `nobody` (EACCES), and `strace` failing the
catalog's and Chroma's reads and writes with EIO, as a failing disk does. Readers answer
where they can, every command that cannot is one line and exit 3, and an ingest cut by
an I/O error keeps what it stored: a re-run gives the chunks of a clean ingest."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from localqa.config import Settings
from localqa.embedding.embedder import Embedder
from tests.support.faulty_index import Built, build, chunk_texts, one_error_line
from tests.support.syscalls import owned_by_nobody, with_io_errors, without_file_rights

QUESTION = "Which boat is used for sea trials?"
EXTRA = {  # new documents for the cut ingests: each is written to the index for real
    "ferry.txt": "The ferry MV Osprey leaves Harwich at 07:40 every weekday.\n" * 3,
    "depot.txt": "Spare propellers are kept in the Felixstowe depot, bay 14.\n" * 3,
    "crew.txt": "Each crew member renews the sea survival certificate every four years.\n",
}


@pytest.fixture(scope="module")
def built(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build(tmp_path_factory.mktemp("errno"), embedder)


@pytest.fixture
def place(tmp_path: Path) -> Path:
    """A folder every user can reach (pytest's own are root's alone)."""
    for parent in (tmp_path, *tmp_path.parents):
        if parent == Path("/tmp") or parent == Path(parent.anchor):
            break
        parent.chmod(parent.stat().st_mode | 0o755)
    return tmp_path


def localqa(home: Path, *args: str, wrap: list[str] | None = None) -> tuple[int, str, str]:
    """The real command, as its own process (`wrap`: what runs it, e.g. with faults)."""
    command = [*(wrap or []), sys.executable, "-m", "localqa", *args]
    env = {**os.environ, "LOCALQA_HOME": str(home)}
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=home.parent)
    return done.returncode, done.stdout, done.stderr


def as_other(home: Path, *args: str) -> tuple[int, str, str]:
    return localqa(home, *args, wrap=without_file_rights([]))


def extra_docs(where: Path) -> Path:
    where.mkdir()
    for name, text in EXTRA.items():
        (where / name).write_text(text)
    return where


def test_a_home_the_user_may_only_read_answers_and_refuses_writes(
    built: Built, place: Path
) -> None:
    home = place / "home"
    shutil.copytree(built.home, home, symlinks=True)
    owned_by_nobody(home)
    code, out, err = as_other(home, "ask", "--extractive", QUESTION)
    assert code == 0 and "MS Kittiwake" in out, err
    assert "Traceback" not in err
    skipped = [line for line in err.splitlines() if "dense search skipped" in line]
    assert len(skipped) == 1, err  # chromadb writes on opening: it is done without
    code, out, err = as_other(home, "sources", "--json")
    assert code == 0 and len(json.loads(out)) == 10, err
    for args in (("ingest", str(built.docs), "--quiet"), ("forget", "faq.txt")):
        code, _, err = as_other(home, *args)
        line = one_error_line(err)
        assert code == 3 and "permission denied" in line and str(home) in line, (args, err)
    assert chunk_texts(Settings(home=home)) == built.chunks  # nothing lost


def test_an_index_the_user_may_not_open_is_one_line_in_every_command(
    built: Built, place: Path
) -> None:
    home = place / "home"
    shutil.copytree(built.home, home, symlinks=True)
    owned_by_nobody(home)
    (home / "indexes").chmod(0o700)
    for args in (("ask", "--extractive", QUESTION), ("sources",), ("doctor",), ("forget", "x")):
        code, _, err = as_other(home, *args)
        line = one_error_line(err)
        assert code == 3 and "permission denied" in line, (args, err)


def test_a_disk_that_fails_reads_is_one_line(built: Built, place: Path) -> None:
    home = place / "home"
    shutil.copytree(built.home, home, symlinks=True)
    catalog = Settings(home=home).index_dir / "catalog.sqlite"
    failing = with_io_errors([], [catalog], "pread64", after=3)
    for args in (("ask", "--extractive", QUESTION), ("sources",)):
        code, _, err = localqa(home, *args, wrap=failing)
        line = one_error_line(err)
        assert code == 3 and "I/O error" in line and str(catalog) in line, (args, err)
    code, out, _ = localqa(home, "ask", "--extractive", QUESTION)  # the disk is back
    assert code == 0 and "MS Kittiwake" in out


def clean_ingest(built: Built, place: Path) -> dict[str, str]:
    """The chunks of an ingest of the extra documents into a copy of the built home."""
    home = place / "clean"
    shutil.copytree(built.home, home, symlinks=True)
    code, _, err = localqa(home, "ingest", str(place / "extra"), "--quiet")
    assert code == 0, err
    return chunk_texts(Settings(home=home))


@pytest.mark.parametrize("store", ["catalog", "vectors"])
def test_an_ingest_cut_by_io_errors_keeps_what_it_stored(
    built: Built, place: Path, store: str
) -> None:
    extra = extra_docs(place / "extra")
    home = place / "home"
    shutil.copytree(built.home, home, symlinks=True)
    index_dir = Settings(home=home).index_dir
    if store == "catalog":  # SQLite writes pages to the write-ahead log
        failing = with_io_errors([], [index_dir / "catalog.sqlite-wal"], "pwrite64", after=5)
    else:
        failing = with_io_errors([], [index_dir / "chroma" / "chroma.sqlite3"], "pwrite64", 2)
    code, _, err = localqa(home, "ingest", str(extra), "--quiet", wrap=failing)
    line = one_error_line(err)
    assert code == 3 and "I/O error" in line and str(index_dir) in line, err
    assert set(built.chunks.items()) <= set(chunk_texts(Settings(home=home)).items())
    code, _, err = localqa(home, "ingest", str(extra), "--quiet")  # the disk is back
    assert code == 0, err
    code, out, err = localqa(home, "doctor", "--json")
    assert code == 0 and json.loads(out)["integrity"]["verdict"] == "whole", out
    assert chunk_texts(Settings(home=home)) == clean_ingest(built, place)
