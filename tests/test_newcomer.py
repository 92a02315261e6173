"""A newcomer's first hour, scripted with the real `localqa` command (issue 28): ingest,
interrupt it, run it again, rename a folder, run again, forget a document by its file
name, make a mistake in the config file. Each step is what a careful user expects."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.test_ingest_ux import warned_pdf

SENTENCE = "The harbour master logs every vessel that enters the basin after dark. "


def localqa(home: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "localqa", *args],
        env=_env(home),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "LOCALQA_HOME": str(home), "PYTHONPATH": str(REPO)}


def make_library(root: Path) -> Path:
    docs = root / "docs"
    (docs / "manuals").mkdir(parents=True)
    (docs / "logs").mkdir()
    (docs / "manuals" / "boiler.txt").write_text(
        "The boiler is serviced every March by Ferro Heating.\n"
    )
    (docs / "manuals" / "ferry.pdf").write_bytes(warned_pdf())
    legacy = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64  # an OLE2 file: a .ppt
    (docs / "manuals" / "old-deck.ppt").write_bytes(legacy)
    (docs / "manuals" / "broken.pdf").write_bytes(b"%PDF-1.7\n this is not really a pdf")
    for n in range(30):
        (docs / "logs" / f"log-{n:02}.txt").write_text(f"Log {n}. " + SENTENCE * 120)
    return docs


def test_a_newcomers_first_hour(tmp_path: Path) -> None:
    home = tmp_path / "home"
    docs = make_library(tmp_path)

    # 1. ingest, interrupted by Ctrl-C (the whole process group) once a file is stored
    process = subprocess.Popen(
        [sys.executable, "-m", "localqa", "ingest", str(docs), "--no-ocr"],
        env={**_env(home), "PYTHONUNBUFFERED": "1"},
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    assert process.stderr is not None
    for line in process.stderr:
        if "] added: " in line:
            break
    else:
        pytest.fail("the first run ended before storing a file")
    os.killpg(process.pid, signal.SIGINT)
    err = process.communicate(timeout=120)[1]
    assert process.returncode == 130 and "Traceback" not in err, err
    assert "interrupted:" in err and "again to continue" in err

    # 2. the same command again: it continues; the broken file is a new failure (exit 1)
    again = localqa(home, tmp_path, "ingest", str(docs), "--no-ocr", "--json")
    report = json.loads(again.stdout)
    assert again.returncode == 1, again.stderr
    assert [f["path"] for f in report["failed"]] == ["manuals/broken.pdf"]
    assert report["unchanged"] >= 1 and report["unchanged"] + report["added"] == 32
    assert [s["path"] for s in report["skipped"]] == ["manuals/old-deck.ppt"]
    assert [w["path"] for w in report["warnings"]] == ["manuals/ferry.pdf"]

    # 3. nothing changed: the same failures are listed, not read, not an error (cron-safe)
    quiet = localqa(home, tmp_path, "ingest", str(docs), "--no-ocr", "--json")
    report = json.loads(quiet.stdout)
    assert quiet.returncode == 0, quiet.stderr
    assert report["failed"] == [] and len(report["failed_before"]) == 1
    assert report["unchanged"] == 32 and "ingesting" not in quiet.stderr

    # 4. a folder renamed: its documents are re-pointed, nothing read or embedded
    (docs / "manuals").rename(docs / "guides")
    moved = localqa(home, tmp_path, "ingest", str(docs), "--no-ocr", "--json")
    report = json.loads(moved.stdout)
    assert moved.returncode == 0, moved.stderr
    assert report["moved"] == 2 and report["added"] == 0 and report["chunks_written"] == 0
    assert report["removed"] == 0 and len(report["failed_before"]) == 1
    listed = localqa(home, tmp_path, "sources")
    assert "guides/boiler.txt" in listed.stdout and "FILE MISSING" not in listed.stdout
    asked = localqa(home, tmp_path, "ask", "When is the boiler serviced?", "--json")
    citation = json.loads(asked.stdout)["citations"][0]
    assert citation["abs_path"] == str(docs / "guides" / "boiler.txt")

    # 5. forget by the file name alone
    forgot = localqa(home, tmp_path, "forget", "boiler.txt")
    assert forgot.returncode == 0 and "forgot guides/boiler.txt" in forgot.stderr
    assert "boiler.txt" not in localqa(home, tmp_path, "sources").stdout

    # 6. a mistake in the config file: one line, where, and the nearest name
    (tmp_path / "localqa.toml").write_text('[localqa]\nindex = "default"\ntopk = 3\n')
    bad = localqa(home, tmp_path, "sources")
    assert bad.returncode == 2
    assert bad.stderr == (
        "localqa: error: localqa.toml line 3: unknown setting 'topk'; did you mean 'top_k'?\n"
    )
