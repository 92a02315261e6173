"""Ingest as a newcomer meets it (issue 28): exit codes a script can use, remembered
failures, reasons on the progress lines, moves that cost nothing, per-document warnings
that survive an interrupted run, and Ctrl-C in a real process."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from localqa.cli.main import cli
from localqa.config import Settings
from localqa.embedding.embedder import Embedder
from localqa.ingest.progress import Eta, PlainProgress
from localqa.retrieval.retriever import Retriever
from localqa.store import identity
from localqa.store.index import Index
from localqa.store.vectors import ChromaVectorStore
from tests.conftest import REPO, ingest_paths

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("LOCALQA_HOME", str(home))
    monkeypatch.chdir(tmp_path)
    return home


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def warned_pdf() -> bytes:
    """A PDF whose second page has no text: added, with a warning naming the page."""
    from tests.test_loaders import make_pdf

    return make_pdf(["The ferry to Skye leaves at nine every weekday morning.", ""])


def test_a_failure_met_again_unchanged_is_listed_but_not_an_error(
    home: Path, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text("The dry dock is 120 metres long.\n")
    (docs / "broken.pdf").write_bytes(b"%PDF-1.7\n this is not really a pdf")

    code, out, err = invoke("ingest", str(docs), "--json")
    assert code == 1
    [failure] = json.loads(out)["failed"]
    # the progress line itself gives the reason, not only the final report
    assert f"FAILED: broken.pdf: {failure['reason']}" in err

    code, out, err = invoke("ingest", str(docs), "--json")
    report = json.loads(out)
    assert code == 0, err
    assert report["failed"] == [] and report["failed_before"] == [failure]
    assert "ingesting" not in err  # nothing read again
    assert "failed before broken.pdf" in err and "0 failed (+1 as before)" in err

    (docs / "broken.pdf").write_bytes(b"%PDF-1.7\n still not a pdf, but another one")
    code, out, _ = invoke("ingest", str(docs), "--json")
    assert code == 1 and [f["path"] for f in json.loads(out)["failed"]] == ["broken.pdf"]
    code, out, _ = invoke("ingest", str(docs), "--json", "--retry-failed")
    assert code == 1 and [f["path"] for f in json.loads(out)["failed_before"]] == []

    (docs / "broken.pdf").unlink()  # gone: nothing remembered of it any more
    code, out, _ = invoke("ingest", str(docs), "--json")
    assert code == 0 and json.loads(out)["failed_before"] == []


def test_a_run_that_could_not_run_exits_2(home: Path, tmp_path: Path) -> None:
    code, _, err = invoke("ingest", str(tmp_path / "nowhere"))
    assert code == 2 and "no such file or folder" in err


def test_a_warning_is_said_on_the_files_own_line(home: Path, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "ferry.pdf").write_bytes(warned_pdf())
    code, _, err = invoke("ingest", str(docs), "--no-ocr")
    assert code == 0, err
    [line] = [line for line in err.splitlines() if line.startswith("[1/1]")]
    assert line.startswith("[1/1] added: ferry.pdf (1 chunk; warning: no text on page 2")


def test_progress_names_the_big_file_being_read_and_the_time_left() -> None:
    import io

    stream = io.StringIO()
    progress = PlainProgress(stream)
    progress.start(2, 10_000_000)
    progress.reading("handbook.docx", 9_000_000)
    progress.file_done("skip.ppt", "skipped", 0, "legacy PowerPoint: save it as .pptx", 1_000)
    lines = stream.getvalue().splitlines()
    assert lines == [
        "ingesting 2 file(s), 10.0 MB",
        "reading handbook.docx (9.0 MB)",
        "[1/2] SKIPPED: skip.ppt: legacy PowerPoint: save it as .pptx",
    ]
    eta = Eta()
    eta.start(1000)
    eta.done = 100
    started = time.monotonic()
    assert eta.left(started + 1) == ""  # too early to tell
    assert eta.left(started + 60) == "about 9 min left"  # 900 bytes at 100 per minute


def test_a_moved_folder_is_re_pointed_without_embedding(
    settings: Settings, embedder: Embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "boiler.txt").write_text("The boiler is serviced every March by Ferro Heating.\n")
    (docs / "roof.txt").write_text("The roof was re-tiled in 2019 by Slate & Sons.\n")
    first = ingest_paths(settings, embedder, docs)
    assert len(first.added) == 2
    embedded: list[int] = []
    real_embed = embedder.embed

    def counting(texts: list[str], *, spare_cores: int = 0) -> object:
        embedded.append(len(texts))
        return real_embed(texts, spare_cores=spare_cores)

    monkeypatch.setattr(embedder, "embed", counting)
    opened: list[str] = []
    open_vectors = identity.open_vectors

    def watched(*args: object, **kwargs: object) -> ChromaVectorStore:
        opened.append("vectors")
        return open_vectors(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(identity, "open_vectors", watched)
    manuals = docs.rename(tmp_path / "manuals")
    report = ingest_paths(settings, embedder, manuals)
    assert embedded == [] and report.chunks_written == 0 and report.moved_embedded == 0
    assert opened == []  # a moved folder costs no vector store: Chroma is not even opened
    assert sorted(report.moved) == [
        f"boiler.txt (was {docs / 'boiler.txt'})",
        f"roof.txt (was {docs / 'roof.txt'})",
    ]
    assert report.added == [] and "2 moved" in report.summary_lines()[0]
    with Index(settings.store) as index:
        documents = index.catalog.documents()
        assert [d.abs_path for d in documents] == [
            str(manuals / "boiler.txt"),
            str(manuals / "roof.txt"),
        ]
        chunks = index.chunks.of_document(str(manuals / "boiler.txt"))
        assert chunks and all(c.abs_path == str(manuals / "boiler.txt") for c in chunks)
        # the vectors are untouched and a search within the moved document finds them
        vector = real_embed(["When is the boiler serviced?"])
        [(hit, _)] = index.vectors.query(vector, 1, [c.id for c in chunks])
        assert hit == chunks[0].id
        found = Retriever(index, embedder).search(
            "When is the boiler serviced?", [chunks[0].abs_path]
        )
        assert [r.chunk.id for r in found.results][:1] == [chunks[0].id]
    embedded.clear()  # the question's vector

    # a renamed file: its name is in what was embedded, so its chunks are embedded again
    # from their stored text (the file itself is not read)
    (manuals / "roof.txt").rename(manuals / "roof-2019.txt")
    report = ingest_paths(settings, embedder, manuals)
    assert report.moved == [f"roof-2019.txt (was {manuals / 'roof.txt'})"]
    assert report.moved_embedded == 1 and embedded == [1] and report.chunks_written == 0
    with Index(settings.store) as index:
        [chunk] = index.chunks.of_document(str(manuals / "roof-2019.txt"))
        assert chunk.embedding_text().startswith("roof-2019")
        assert [c.source for c, _ in index.lexical.search("roof 2019", 3)] == ["roof-2019.txt"]

    # a copy put back where a moved file was is a document beside it: its chunks do not
    # take the moved one's (their ids were made from that path)
    monkeypatch.undo()
    docs.mkdir()
    shutil.copy(manuals / "boiler.txt", docs / "boiler.txt")
    assert len(ingest_paths(settings, embedder, docs).added) == 1
    with Index(settings.store) as index:
        for path in (docs / "boiler.txt", manuals / "boiler.txt"):
            assert len(index.chunks.of_document(str(path))) == 1, path


def test_moved_folder_on_the_command_line(home: Path, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "boiler.txt").write_text("The boiler is serviced every March by Ferro Heating.\n")
    assert invoke("ingest", str(docs), "-q")[0] == 0
    word = docs.rename(tmp_path / "word")
    code, out, err = invoke("ingest", str(word), "--json")
    report = json.loads(out)
    assert code == 0 and report["moved"] == 1 and report["chunks_written"] == 0
    assert f"moved boiler.txt (was {docs / 'boiler.txt'})" in err
    code, out, err = invoke("sources")
    assert "FILE MISSING" not in out and out.splitlines()[1].startswith("boiler.txt\t")
    code, out, _ = invoke("ask", "When is the boiler serviced?", "--json", "--extractive")
    assert json.loads(out)["citations"][0]["abs_path"] == str(word / "boiler.txt")


def start_ingest(folder: Path, home: Path, *args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "LOCALQA_HOME": str(home),
        "PYTHONPATH": str(REPO),
        "PYTHONUNBUFFERED": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "localqa", "ingest", str(folder), "--no-ocr", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's job is
    )


def test_ctrl_c_ends_in_one_line_and_the_next_run_continues(tmp_path: Path) -> None:
    """SIGINT to the whole process group (what Ctrl-C in a terminal does): the main and
    the reader process both get it; one line, exit 130, no traceback; what was stored
    stays, and the next run repeats the warnings of the files it stored."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a-ferry.pdf").write_bytes(warned_pdf())
    sentence = "The harbour master logs every vessel that enters the basin after dark. "
    for n in range(40):
        (docs / f"log-{n:02}.txt").write_text(f"Log {n}. " + sentence * 120)
    home = tmp_path / "home"
    process = start_ingest(docs, home)
    assert process.stderr is not None
    seen: list[str] = []
    for line in process.stderr:
        seen.append(line)
        if "added: a-ferry.pdf" in line:
            break
    else:
        pytest.fail(f"the run ended before its first file was stored: {seen}")
    os.killpg(process.pid, signal.SIGINT)
    rest = process.communicate(timeout=120)[1]
    assert process.returncode == 130, rest
    assert "Traceback" not in rest and "KeyboardInterrupt" not in rest, rest
    [said] = [line for line in rest.splitlines() if line.startswith("localqa:")]
    assert said.startswith("localqa: interrupted: ") and "again to continue" in said
    stored = int(said.split(": ")[2].split()[0])
    assert stored >= 1

    again = start_ingest(docs, home, "--json")
    out, err = again.communicate(timeout=600)
    assert again.returncode == 0, err
    report = json.loads(out)
    assert report["unchanged"] == stored and report["added"] == 41 - stored
    assert [w["path"] for w in report["warnings"]] == ["a-ferry.pdf"]
    assert "no text on page 2" in report["warnings"][0]["reason"]
    # a complete run has reported it: the next one does not repeat it
    third = start_ingest(docs, home, "--json")
    out, _ = third.communicate(timeout=300)
    assert json.loads(out)["warnings"] == []
