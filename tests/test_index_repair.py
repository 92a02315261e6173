"""Damage injected into a real index (issue 27), then `localqa doctor` and `localqa index
repair`: a truncated catalog, 4 KB overwritten in its middle, a deleted Chroma segment file,
the BM25 arrays removed. Every command says one line (no traceback), doctor names the part
and the command (exit 4), and after the repair the index holds the same chunks as a clean
ingest, one vector each, and answers."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from localqa.config import Settings
from localqa.embedding.embedder import Embedder
from tests.support.faulty_index import (
    Built,
    build,
    chunk_texts,
    copy_home,
    invoke,
    one_error_line,
    vector_ids,
)

QUESTION = "Which boat is used for sea trials?"


@pytest.fixture(scope="module")
def built(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build(tmp_path_factory.mktemp("repair"), embedder)


@pytest.fixture
def damaged(built: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A private copy of the clean index, LOCALQA_HOME pointing at it."""
    monkeypatch.chdir(tmp_path)
    settings = copy_home(built, tmp_path / "home")
    monkeypatch.setenv("LOCALQA_HOME", str(settings.home))
    return settings


def doctor() -> tuple[int, dict[str, str]]:
    code, out, _ = invoke("doctor", "--json")
    return code, json.loads(out)["integrity"]


def assert_repaired(built: Built, settings: Settings) -> None:
    code, _, err = invoke("index", "repair")
    assert code == 0, err
    assert "the index is whole" in err and "Traceback" not in err
    assert chunk_texts(settings) == built.chunks  # the same chunks as the clean ingest
    assert vector_ids(settings) == set(built.chunks)  # one vector each
    code, integrity = doctor()
    assert code == 0 and integrity["verdict"] == "whole", integrity
    code, out, _ = invoke("ask", "--extractive", QUESTION)
    assert code == 0 and "MS Kittiwake" in out


def test_a_truncated_catalog(built: Built, damaged: Settings) -> None:
    catalog = damaged.index_dir / "catalog.sqlite"
    with catalog.open("r+b") as handle:
        handle.truncate(catalog.stat().st_size // 3)
    kept = catalog.read_bytes()
    for args in (("sources",), ("ask", "--extractive", QUESTION), ("forget", "faq.txt")):
        code, _, err = invoke(*args)
        assert code == 4, (args, err)
        line = one_error_line(err)
        assert str(catalog) in line and "localqa index repair" in line
    code, integrity = doctor()
    assert code == 4 and "damaged" in integrity["catalog"], integrity
    assert integrity["verdict"] == "damaged: run `localqa index repair`"
    code, _, err = invoke("index", "repair")
    assert code == 0, err
    assert "set aside in" in err and "rebuilt by re-ingesting" in err
    aside = list((damaged.index_dir / "set-aside").glob("*/catalog.sqlite"))
    assert [p.read_bytes() for p in aside] == [kept]  # kept, byte for byte
    assert chunk_texts(damaged) == built.chunks
    assert vector_ids(damaged) == set(built.chunks)
    assert doctor()[0] == 0


def test_4_kb_overwritten_in_the_middle_of_the_catalog(built: Built, damaged: Settings) -> None:
    catalog = damaged.index_dir / "catalog.sqlite"
    middle = (catalog.stat().st_size // 2) // 4096 * 4096
    with catalog.open("r+b") as handle:
        handle.seek(middle)
        handle.write(os.urandom(4096))
    for args in (("sources",), ("ask", "--extractive", QUESTION)):
        code, _, err = invoke(*args)
        assert code in (0, 4), (args, err)  # the damaged page may not be one it reads
        if code:
            assert "localqa index repair" in one_error_line(err)
    code, integrity = doctor()
    assert code == 4 and "localqa index repair" in integrity["catalog"], integrity
    assert_repaired(built, damaged)


def test_a_deleted_chroma_segment_file(
    built: Built, damaged: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    segment = next((damaged.index_dir / "chroma").glob("*/data_level0.bin"))
    segment.unlink()
    with caplog.at_level(logging.WARNING, logger="localqa"):
        code, out, _ = invoke("ask", "--extractive", QUESTION)
    assert code == 0 and "MS Kittiwake" in out  # from lexical search
    assert [r for r in caplog.records if "dense search skipped" in r.getMessage()]
    code, integrity = doctor()
    assert code == 4 and "localqa index repair" in integrity["vectors"], integrity
    assert_repaired(built, damaged)
    assert list((damaged.index_dir / "set-aside").glob("*/chroma/chroma.sqlite3"))  # kept


def test_bm25_arrays_removed(built: Built, damaged: Settings) -> None:
    for copy in (damaged.index_dir / "lexical").iterdir():
        for part in copy.iterdir():
            part.unlink()
        copy.rmdir()
    code, integrity = doctor()
    assert code == 4 and integrity["bm25_arrays"].startswith("none current"), integrity
    assert_repaired(built, damaged)
    assert list((damaged.index_dir / "lexical").glob("generation-*/rowids.npy"))


def test_lexical_rows_lost_are_rebuilt_from_the_stored_text(
    built: Built, damaged: Settings
) -> None:
    import sqlite3

    db = sqlite3.connect(damaged.index_dir / "catalog.sqlite")
    db.execute("DELETE FROM chunks_fts WHERE rowid IN (SELECT rowid FROM chunks_fts LIMIT 5)")
    db.commit()
    db.close()
    code, integrity = doctor()
    assert code == 4 and "5 chunk(s) not in the FTS5 index" in integrity["lexical_index"]
    assert_repaired(built, damaged)


def test_vectors_missing_and_strays_are_named_and_repaired(built: Built, damaged: Settings) -> None:
    import numpy as np

    from localqa.store.index import Index

    some = sorted(built.chunks)[:4]
    with Index(damaged.store) as index:
        index.vectors.delete(some)  # lost: another program, a damaged store
        index.vectors.upsert(["stray-1"], np.ones((1, 384), dtype=np.float32), ["/elsewhere"])
    code, integrity = doctor()
    assert code == 4, integrity
    assert "4 chunk(s) without a vector" in integrity["vectors"]
    assert "1 vector(s) of no chunk of this catalog (stray-1)" in integrity["vectors"]
    assert_repaired(built, damaged)


def test_an_index_from_before_roots_were_kept_gets_them_at_its_next_write(
    built: Built, damaged: Settings
) -> None:
    from localqa.store.record import BUILD_FILE, read_record, recorded_roots

    record = read_record(damaged.index_dir)
    del record["roots"]  # as an index made before the record kept them
    (damaged.index_dir / BUILD_FILE).write_text(json.dumps(record), encoding="utf-8")
    assert invoke("ingest", str(built.docs), "--quiet")[0] == 0  # nothing changed
    assert recorded_roots(damaged.index_dir) == [str(built.docs)]
    catalog = damaged.index_dir / "catalog.sqlite"
    catalog.write_bytes(catalog.read_bytes()[:8192])
    assert invoke("index", "repair")[0] == 0
    assert chunk_texts(damaged) == built.chunks


def test_a_catalog_whose_rows_still_read_is_rebuilt_from_them_without_the_files(
    built: Built, damaged: Settings
) -> None:
    import sqlite3

    catalog = damaged.index_dir / "catalog.sqlite"
    db = sqlite3.connect(catalog)
    pages = [
        row[0] for row in db.execute("SELECT pageno FROM dbstat WHERE name = 'chunks_fts_data'")
    ]
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    db.close()
    with catalog.open("r+b") as handle:  # the FTS5 index's pages, not the rows
        for page in pages:
            handle.seek((page - 1) * page_size)
            handle.write(os.urandom(page_size))
    code, integrity = doctor()
    assert code == 4, integrity
    hidden = built.docs.with_name("docs-away")
    built.docs.rename(hidden)  # the files are gone: a re-ingest could not rebuild it
    try:
        code, _, err = invoke("index", "repair")
    finally:
        hidden.rename(built.docs)
    assert code == 0, err
    assert "read back into a new catalog (no file re-read)" in err
    assert not list((damaged.index_dir / "set-aside").glob("*/chroma"))  # vectors kept in use
    assert chunk_texts(damaged) == built.chunks
    assert vector_ids(damaged) == set(built.chunks)
    assert doctor()[0] == 0
