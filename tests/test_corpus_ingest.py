"""privateGPT's hard files through the whole pipeline: every file gets its outcome."""

from __future__ import annotations

import shutil
from pathlib import Path

from localqa.config import Settings
from localqa.embedding.embedder import Embedder
from tests.conftest import ingest_paths
from tests.test_ingest import consistent_counts

# file_image.pdf and file_scanned.pdf have no text layer: they are read by OCR
FAILED = {
    "reader_files/file_emoji.html": "no text found",
}
SKIPPED = {
    "reader_files/file.xls": "legacy binary Office format",
    "reader_files/file_failing.ppt": "legacy binary Office format",
}


def test_privategpt_corpus_outcomes(
    shared_dir: Path, settings: Settings, embedder: Embedder, tmp_path: Path
) -> None:
    corpus = tmp_path / "privategpt"
    shutil.copytree(shared_dir / "corpus" / "privategpt", corpus)
    every = {p.relative_to(corpus).as_posix() for p in corpus.rglob("*") if p.is_file()}
    report = ingest_paths(settings, embedder, corpus)
    failed = {p.path: p.reason for p in report.failed}
    skipped = {p.path: p.reason for p in report.skipped}
    assert set(failed) == set(FAILED) and set(skipped) == set(SKIPPED)
    for path, fragment in {**FAILED, **SKIPPED}.items():
        reason = failed.get(path) or skipped[path]
        assert fragment in reason and "\n" not in reason, reason
    assert set(report.added) == every - set(FAILED) - set(SKIPPED)
    assert consistent_counts(settings) == report.chunks
    again = ingest_paths(settings, embedder, corpus)
    assert set(again.unchanged) == set(report.added) and again.chunks_written == 0
    # failed files that did not change are remembered, not read again (issue 28: a cron
    # job's re-run exits 0), and nothing is lost meanwhile
    assert again.failed == [] and {p.path for p in again.failed_before} == set(FAILED)
    assert again.chunks == report.chunks
