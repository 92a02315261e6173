"""Issue 15: the reader process's limits (time by CPU, the clock as a backstop, the
reader's and the whole ingest's memory), met by readers that misbehave on cue
(tests/support/misbehaving.py); a dry run opens files under the same limits; OCR renders
a page within a pixel bound."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from localqa.config import load_settings
from localqa.embedding.embedder import Embedder
from localqa.ingest.background import BackgroundReader
from localqa.ingest.chunking import header_budget
from localqa.ingest.loaders.limits import Limits
from localqa.ingest.pipeline import Ingestor
from localqa.ingest.progress import PlainProgress
from localqa.ingest.reader import ChunkerSpec, DocumentRead, DocumentRejected
from localqa.ingest.scan import WorkItem, scan
from localqa.ingest.watch import resident_bytes
from localqa.store.index import Index
from tests.support import hostile_files as make
from tests.support.misbehaving import misbehave


def misbehaving_reader(
    folder: Path,
    names: list[str],
    embedder: Embedder,
    limits: Limits,
    beside_main: bool = False,
) -> tuple[list[str], dict[str, str]]:
    """`names` written in `folder` and read by tests/support/misbehaving.py in a
    BackgroundReader under `limits`: the names read, and the reasons of those rejected.
    `beside_main`: this process's memory counts toward `ingest_memory_mb`, as the
    `localqa` command's does."""
    for name in names:
        (folder / name).write_text(f"File {name} says the tide table is on the wall.\n")
    files = sorted(scan([folder]).files, key=lambda f: names.index(f.source))
    work = [WorkItem(f, f"hash-{n}", None) for n, f in enumerate(files)]
    spec = ChunkerSpec(
        str(embedder.tokenizer_file), 200, 30, header_budget(embedder.max_tokens, 200)
    )
    started = time.monotonic()
    reader = BackgroundReader(work, spec, limits, read=misbehave, beside_main=beside_main)
    events = list(reader)
    assert time.monotonic() - started < 120  # a hang or spin alone would take 600 s
    read = [names[e.item] for e in events if isinstance(e, DocumentRead)]
    rejected = {names[e.item]: e.reason for e in events if isinstance(e, DocumentRejected)}
    return read, rejected


def test_a_reader_over_its_limits_costs_its_file_only(tmp_path: Path, embedder: Embedder) -> None:
    """Time is judged by CPU: `spin` is stopped after 2 s of CPU, while `nap` waits
    longer than that without using CPU, as a reader does on a loaded machine, and is
    read (the clock's backstop is far away)."""
    names = ["a.txt", "spin.txt", "b.txt", "hog.txt", "c.txt", "die.txt", "nap.txt", "d.txt"]
    limits = Limits(read_cpu_s=2.0, read_timeout_s=600, reader_memory_mb=300)
    read, rejected = misbehaving_reader(tmp_path, names, embedder, limits)
    assert read == ["a.txt", "b.txt", "c.txt", "nap.txt", "d.txt"]
    assert set(rejected) == {"spin.txt", "hog.txt", "die.txt"}
    assert "more than 2 s of CPU" in rejected["spin.txt"]
    assert "`read_cpu_s`" in rejected["spin.txt"]
    assert "300 MB" in rejected["hog.txt"] and "`reader_memory_mb`" in rejected["hog.txt"]
    assert "died" in rejected["die.txt"] and "exit code 7" in rejected["die.txt"]


def test_a_reader_stuck_without_cpu_meets_the_clock(tmp_path: Path, embedder: Embedder) -> None:
    limits = Limits(read_cpu_s=300, read_timeout_s=2.0)
    read, rejected = misbehaving_reader(tmp_path, ["hang.txt"], embedder, limits)
    assert read == []
    assert "more than 2 s to read" in rejected["hang.txt"]
    assert "`read_timeout_s`" in rejected["hang.txt"]


def test_the_whole_ingest_is_held_to_its_memory_limit(tmp_path: Path, embedder: Embedder) -> None:
    """The reader may use only what `ingest_memory_mb` leaves beside this process, where
    this process is localqa's own (here: told so)."""
    here = resident_bytes(os.getpid()) // (1024 * 1024)
    limits = Limits(reader_memory_mb=100_000, ingest_memory_mb=here + 400)
    names = ["a.txt", "hog.txt", "b.txt"]
    read, rejected = misbehaving_reader(tmp_path, names, embedder, limits, beside_main=True)
    assert read == ["a.txt", "b.txt"]
    assert "`ingest_memory_mb`" in rejected["hog.txt"]
    assert f"the whole ingest may use {here + 400:,} MB" in rejected["hog.txt"]


def test_a_poster_sized_scan_renders_within_the_pixel_bound(tmp_path: Path) -> None:
    """A page declared 200 inches square (a few KB of file) would render to 830 million
    pixels for OCR; it renders to at most MAX_RENDER_PIXELS."""
    from PIL import Image

    from localqa.ingest.loaders.ocr import MAX_RENDER_PIXELS, render_page

    path = tmp_path / "poster.pdf"
    Image.new("RGB", (1000, 1000), "white").save(path, resolution=5.0)  # 14,400 pt a side
    assert path.stat().st_size < 20_000
    height, width, _ = render_page(path, 0).shape
    assert 0.9 * MAX_RENDER_PIXELS < height * width <= 1.01 * MAX_RENDER_PIXELS  # whole pixels


def test_a_dry_run_opens_files_in_the_reader_under_its_limits(
    tmp_path: Path, embedder: Embedder
) -> None:
    """Opening an HTML page parses it whole: 300,000 elements take seconds of CPU and
    hundreds of MB. A dry run opens it in the reader process, which meets `read_cpu_s`;
    a damaged file is a line, not a traceback."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "control.txt").write_text("The codeword is MARMALADE-SEVEN.\n")
    (docs / "tags.html").write_text("<html><body>" + "<p>word</p>" * 300_000 + "</body></html>")
    make.deflate64_docx(docs / "deflate64.docx")
    settings = load_settings({"read_cpu_s": 2.0}, environ={"LOCALQA_HOME": str(tmp_path / "home")})
    with Index(settings.store) as index:
        report = Ingestor(index, embedder, settings.ingest, PlainProgress(quiet=True)).run(
            [docs], dry_run=True
        )
    assert report.added == ["control.txt"]
    failed = {p.path: p.reason for p in report.failed}
    assert set(failed) == {"tags.html", "deflate64.docx"}
    assert "more than 2 s of CPU" in failed["tags.html"] and "`read_cpu_s`" in failed["tags.html"]
    assert "Deflate64" in failed["deflate64.docx"]


def test_the_localqa_command_counts_its_own_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """The console entry point marks the process as localqa's own, so that its memory
    counts toward `ingest_memory_mb`; commands run inside a test session do not."""
    from localqa.cli import main as entry
    from localqa.cli.common import own_process

    seen: list[bool] = []
    probe = typer.Typer()

    @probe.command()
    def check(ctx: typer.Context) -> None:
        seen.append(own_process(ctx))

    CliRunner().invoke(probe, [])  # as the tests run commands: not localqa's own process
    monkeypatch.setattr(entry, "cli", lambda **kwargs: probe([], **kwargs))
    with pytest.raises(SystemExit):
        entry.main()
    assert seen == [False, True]
