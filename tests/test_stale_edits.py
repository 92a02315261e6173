"""Issue 26, kind 7 (../shared/cases 24, rebuilt here): an edit that keeps a file's size and
modification time (`cp -p`, `rsync -t`, an unpacked archive, a sync tool) is still seen,
by the inode change time and by hashing files changed since the last run looked; an index
written before the catalog kept ctime is upgraded in place."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from localqa.builder import Builder
from localqa.config import Settings
from localqa.embedding.embedder import Embedder
from localqa.ingest.scan import STAT_TICK_NS, SourceFile, make_plan
from localqa.schema import IndexedDocument
from localqa.store.index import Index
from tests.conftest import ingest_paths
from tests.test_cases import ask

OLD = "The backup generator is tested on the first Monday of each month.\n"
NEW = "The backup generator is tested on the third Friday of each month.\n"
NOVEMBER = 1_793_523_600 * 10**9  # 2026-11-01 09:00 UTC, in ns


def write_keeping_stat(path: Path, text: str) -> None:
    path.write_text(text)
    os.utime(path, ns=(NOVEMBER, NOVEMBER))


def test_same_size_and_mtime_edit_is_read_again(
    settings: Settings, embedder: Embedder, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    generator = docs / "generator.txt"
    write_keeping_stat(generator, OLD)
    assert ingest_paths(settings, embedder, docs).added == ["generator.txt"]
    before = generator.stat()
    write_keeping_stat(generator, NEW)
    after = generator.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    report = ingest_paths(settings, embedder, docs)
    assert report.updated == ["generator.txt"] and report.unchanged == []
    answer = ask(Builder(settings), "When is the backup generator tested?")
    assert answer.citations and "third Friday" in answer.citations[0].quote, answer.text
    # nothing changed since: unchanged, and its new stat is what the catalog holds
    again = ingest_paths(settings, embedder, docs)
    assert again.unchanged == ["generator.txt"] and again.chunks_written == 0
    with Index(settings.store) as index:
        record = index.catalog.document(str(generator))
    assert record is not None and record.ctime_ns == generator.stat().st_ctime_ns


class Catalog:
    def __init__(self, *documents: IndexedDocument) -> None:
        self._documents = list(documents)

    def documents(self) -> list[IndexedDocument]:
        return self._documents


def test_only_files_settled_before_the_last_run_are_trusted_by_their_stat(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("same text\n")
    stat = path.stat()
    file = SourceFile(
        str(path), "a.txt", str(tmp_path), stat.st_size, stat.st_mtime_ns, ctime_ns=stat.st_ctime_ns
    )
    stale = IndexedDocument(
        str(path),
        "a.txt",
        str(tmp_path),
        "stale-hash",
        stat.st_size,
        stat.st_mtime_ns,
        ctime_ns=stat.st_ctime_ns,
    )
    latest = max(stat.st_mtime_ns, stat.st_ctime_ns)
    # the last run looked well after the file last changed: its stat is trusted
    settled, _ = make_plan(Catalog(stale), [file], [], "salt", True, latest + 2 * STAT_TICK_NS)
    assert settled.unchanged == [file] and settled.changed == []
    # it looked within a clock tick of the change: hashed, and the new text is seen
    racy, _ = make_plan(Catalog(stale), [file], [], "salt", True, latest + STAT_TICK_NS // 2)
    assert [item.file for item in racy.changed] == [file]
    # a different inode change time alone is a change to check
    moved = IndexedDocument(*[getattr(stale, f) for f in stale.__slots__][:-1], ctime_ns=1)
    touched, _ = make_plan(Catalog(moved), [file], [], "salt", True, latest + 2 * STAT_TICK_NS)
    assert [item.file for item in touched.changed] == [file]


OLD_SCHEMA = """
CREATE TABLE documents(
    abs_path TEXT PRIMARY KEY, source TEXT NOT NULL, root TEXT NOT NULL,
    doc_hash TEXT NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    title TEXT NOT NULL DEFAULT '', page_kind TEXT NOT NULL DEFAULT 'page',
    pages INTEGER NOT NULL DEFAULT 0, chunks INTEGER NOT NULL DEFAULT 0,
    ingested_at TEXT NOT NULL DEFAULT '');
INSERT INTO documents VALUES ('/d/a.txt', 'a.txt', '/d', 'h1', 10, 20, 'A', 'page', 1, 0,
    '2026-11-01T09:00:00+00:00');
"""


def test_a_catalog_without_ctime_is_upgraded_in_place(settings: Settings) -> None:
    settings.store.index_dir.mkdir(parents=True)
    db = sqlite3.connect(settings.store.index_dir / "catalog.sqlite")
    db.executescript(OLD_SCHEMA)
    db.close()
    with Index(settings.store) as index:
        (old,) = index.catalog.documents()
        assert (old.source, old.size, old.mtime_ns, old.ctime_ns) == ("a.txt", 10, 20, 0)
        with index.writing():
            index.touch(old.abs_path, 11, 21, 31)
        touched = index.catalog.document(old.abs_path)
    assert touched is not None and (touched.size, touched.mtime_ns, touched.ctime_ns) == (
        11,
        21,
        31,
    )
