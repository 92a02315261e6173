"""The contract of localqa/store/base.py, checked through its protocols only: a document
is visible only once committed, after its chunks and vectors; a new version replaces the
old one whole; orphans are invisible and collectable; one writer, readers meanwhile.
A second implementation (a server-backed store) joins `STORES` and must pass the same.
The last tests are the embedded store's own: closing, and indexes written before."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from unittest.mock import ANY

import numpy as np
import pytest

from localqa.config import Settings
from localqa.schema import Chunk, IndexedDocument, Vectors
from localqa.store.base import IndexWriter
from localqa.store.index import Index
from localqa.store.lock import IndexBusy
from tests.support.servers import shared_settings

OpenStore = Callable[[Settings], IndexWriter]


def _embedded(request: pytest.FixtureRequest) -> OpenStore:
    return Index


def _shared(request: pytest.FixtureRequest) -> OpenStore:
    """PostgreSQL and a Chroma server, both real (tests/support/servers.py)."""
    from localqa.store.postgres.index import PgIndex

    server, chroma = request.getfixturevalue("postgres"), request.getfixturevalue("chroma_port")
    return lambda settings: PgIndex(shared_settings(settings, server, chroma).store)


# Each implementation, opened from the fixtures it needs (servers are started once).
STORES: dict[str, Callable[[pytest.FixtureRequest], OpenStore]] = {
    "embedded": _embedded,
    "postgres": _shared,
}
DIM = 8
MEMO = "/docs/memo.txt"
HARBOUR = [
    "The harbour crane lifts forty tonnes.",
    "Running the crane at night needs a second operator.",
    "The harbour master keeps the tide tables.",
]


def chunks_of(abs_path: str, version: str, texts: list[str]) -> list[Chunk]:
    """One page of `texts`, a chunk per line, of version `version` of the document."""
    starts = [sum(len(t) + 1 for t in texts[:i]) for i in range(len(texts))]
    return [
        Chunk(
            id=f"{abs_path}:{version}:{i}",
            text=text,
            source=Path(abs_path).name,
            abs_path=abs_path,
            page=1,
            line_start=i + 1,
            line_end=i + 1,
            char_start=start,
            char_end=start + len(text),
            doc_hash=f"{abs_path}:{version}",
            title="Memo",
        )
        for i, (text, start) in enumerate(zip(texts, starts, strict=True))
    ]


def entry(chunks: list[Chunk]) -> IndexedDocument:
    """The catalog entry that commits `chunks`' version of their document."""
    first = chunks[0]
    return IndexedDocument(first.abs_path, first.source, "/docs", first.doc_hash, 1, 0)


def vectors(n: int, seed: int = 0) -> Vectors:
    rows = np.random.default_rng(seed).standard_normal((n, DIM)).astype(np.float32)
    unit: Vectors = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return unit


NONE = np.zeros((0, DIM), dtype=np.float32)


@pytest.fixture(params=sorted(STORES))
def open_store(request: pytest.FixtureRequest) -> OpenStore:
    return STORES[request.param](request)


@pytest.fixture
def store(open_store: OpenStore, settings: Settings) -> Iterator[IndexWriter]:
    with open_store(settings) as index:
        yield index


def test_chunks_stay_invisible_until_their_document_is_committed(store: IndexWriter) -> None:
    harbour = chunks_of("/docs/harbour.txt", "1", HARBOUR)
    stored = vectors(len(harbour))
    with store.writing():
        store.store(harbour, stored)
        assert store.catalog.documents() == [] and store.chunks.count() == 0
        assert store.chunks.by_id([c.id for c in harbour]) == {}
        assert store.chunks.of_document("/docs/harbour.txt") == []
        assert store.chunks.openings(400) == {}
        assert store.lexical.search("harbour crane", 5) == []
        # the vectors are stored before the commit: a hit names a chunk not visible yet
        assert store.vectors.query(stored[0], 1)[0][0] == harbour[0].id
        store.store([], NONE, [entry(harbour)])
    (document,) = store.catalog.documents()
    assert document.chunks == 3 and store.catalog.document("/docs/harbour.txt") == document
    assert store.chunks.count() == 3 and store.chunks.of_document("/docs/harbour.txt") == harbour
    assert store.chunks.by_id([harbour[1].id, "no-such-id"]) == {harbour[1].id: harbour[1]}
    assert store.chunks.neighbours(harbour[1]) == (harbour[0], harbour[2])
    assert store.lexical.search("Who runs the crane at night?", 1)[0][0] == harbour[1]


def test_a_new_version_replaces_the_old_one_whole(store: IndexWriter) -> None:
    old = chunks_of(MEMO, "1", ["Laptops are replaced every three years.", "Desks are fixed."])
    new = chunks_of(MEMO, "2", ["Laptops are replaced every four years.", "Desks move.", "Q."])
    with store.writing():
        store.store(old, vectors(2), [entry(old)])
        store.store(new[:2], vectors(2, seed=1))  # the new version part-way through
        assert store.chunks.of_document(MEMO) == old  # readers still see the old one whole
        assert store.chunks.openings(12) == {MEMO: old[0].text[:12]}  # its first chunk, cut
        assert [c.text for c, _ in store.lexical.search("laptops replaced", 5)] == [old[0].text]
        store.store(new[2:], vectors(1, seed=2), [entry(new)])
    assert store.chunks.of_document(MEMO) == new
    assert [c.text for c, _ in store.lexical.search("laptops replaced", 5)] == [new[0].text]
    assert store.chunks.openings(400) == {MEMO: new[0].text}
    (document,) = store.catalog.documents()
    assert document.doc_hash == new[0].doc_hash and document.chunks == 3
    assert store.vectors.count() == 3  # the old version's vectors went with its chunks
    with store.writing():
        assert store.collect_orphans() == 0


def test_a_failed_document_is_discarded_and_a_forgotten_one_leaves_nothing(
    store: IndexWriter,
) -> None:
    old = chunks_of(MEMO, "1", ["Parking is free on weekends."])
    with store.writing():
        store.store(old, vectors(1), [entry(old)])
        store.store(chunks_of(MEMO, "2", ["Parking costs"]), vectors(1, seed=1))
        store.discard(MEMO)  # reading the new version failed
        assert store.chunks.of_document(MEMO) == old and store.vectors.count() == 1
        store.forget(entry(old))
    assert store.catalog.documents() == [] and store.chunks.count() == 0
    assert store.vectors.count() == 0 and store.lexical.search("parking", 5) == []


def test_a_writer_that_stopped_before_committing_leaves_orphans_the_next_collects(
    open_store: OpenStore, settings: Settings
) -> None:
    pending = chunks_of(MEMO, "1", HARBOUR)
    with open_store(settings) as first, first.writing():
        first.store(pending, vectors(3))  # and then it is gone: no commit
    with open_store(settings) as second:
        assert second.chunks.count() == 0 and second.lexical.search("harbour", 5) == []
        with second.writing():
            assert second.collect_orphans() == 3
        assert second.vectors.count() == 0


def test_one_writer_at_a_time_and_readers_read_meanwhile(
    open_store: OpenStore, settings: Settings, store: IndexWriter
) -> None:
    memo = chunks_of(MEMO, "1", ["Visitors sign in at reception."])
    with store.writing():
        store.store(memo, vectors(1), [entry(memo)])
        with open_store(settings) as other:
            assert other.chunks.of_document(MEMO) == memo  # committed: seen at once
            with pytest.raises(IndexBusy), other.writing():
                pass


def test_lexical_search_within_documents_and_word_rarity(store: IndexWriter) -> None:
    harbour = chunks_of("/docs/harbour.txt", "1", HARBOUR)
    cranes = chunks_of("/docs/cranes.txt", "1", ["Crane crane crane: every crane is inspected."])
    with store.writing():
        store.store(harbour + cranes, vectors(4), [entry(harbour), entry(cranes)])
    everywhere = store.lexical.search("crane", 1)
    assert [c.abs_path for c, _ in everywhere] == ["/docs/cranes.txt"]
    within = store.lexical.search_documents("crane", 5, ["/docs/harbour.txt"])
    assert {c.id for c, _ in within} == {harbour[0].id, harbour[1].id}
    scores = [score for _, score in within]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0
    assert store.lexical.search_documents("crane", 5, []) == []
    rarity = store.lexical.word_rarity(["crane", "tide"])
    assert rarity is not None and rarity["tide"] > rarity["crane"] >= 0.0


def test_the_catalog_finds_documents_by_path_or_name_and_sees_missing_files(
    store: IndexWriter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = [tmp_path / folder / "notes.md" for folder in ("a", "b")]
    with store.writing():
        for n, path in enumerate(paths):
            path.parent.mkdir()
            path.write_text("notes\n")
            chunks = chunks_of(str(path), "1", [f"Folder {path.parent.name} notes."])
            store.store(chunks, vectors(1, seed=n), [entry(chunks)])
    a, b = (str(p) for p in paths)
    assert sorted(d.abs_path for d in store.catalog.find("notes.md")) == [a, b]
    assert [d.abs_path for d in store.catalog.find(a)] == [a]
    monkeypatch.chdir(tmp_path)
    assert [d.abs_path for d in store.catalog.find("b/notes.md")] == [b]
    assert store.catalog.find("c/notes.md") == [] and store.catalog.missing() == []
    paths[0].unlink()
    assert [d.abs_path for d in store.catalog.missing()] == [a]
    before = store.catalog.document(b)
    with store.writing():
        store.touch(b, 99, 123)
    after = store.catalog.document(b)
    assert before is not None and after is not None
    assert (after.size, after.mtime_ns, after.doc_hash) == (99, 123, before.doc_hash)


def test_a_moved_document_keeps_its_chunks_and_vectors_under_its_new_path(
    store: IndexWriter,
) -> None:
    harbour = chunks_of("/docs/harbour.txt", "1", HARBOUR)
    with store.writing():
        store.store(harbour, vectors(3), [entry(harbour)])
    old = entry(harbour)
    folder_moved = dataclasses.replace(old, abs_path="/manuals/harbour.txt", root="/manuals")
    renamed = dataclasses.replace(folder_moved, abs_path="/manuals/port.txt", source="port.txt")
    embedded: list[list[str]] = []

    def embed(texts: list[str]) -> Vectors:
        embedded.append(texts)
        return vectors(len(texts), seed=7)

    with store.writing():
        assert store.move(old, folder_moved, embed) == 0  # same name: nothing embedded
    assert embedded == [] and store.chunks.of_document("/docs/harbour.txt") == []
    moved = store.chunks.of_document("/manuals/harbour.txt")
    assert [c.id for c in moved] == [c.id for c in harbour]
    assert [d.abs_path for d in store.catalog.documents()] == ["/manuals/harbour.txt"]
    ids = [c.id for c in moved]
    assert {i for i, _ in store.vectors.query(vectors(1), 5, ids)} == set(ids)
    assert store.vectors.query(vectors(1), 5, []) == []
    assert store.vectors.query(vectors(1), 5, [*ids[:1], "no-such-chunk"]) == [(ids[0], ANY)]
    with store.writing():  # the file's own name is in its chunks' header: embedded again
        assert store.move(folder_moved, renamed, embed) == 3
    assert [len(texts) for texts in embedded] == [3]
    assert all(text.startswith("port | Memo") for text in embedded[0])
    assert [c.source for c, _ in store.lexical.search("port harbour", 1)] == ["port.txt"]
    (document,) = store.catalog.documents()
    assert (document.abs_path, document.chunks) == ("/manuals/port.txt", 3)
    assert store.vectors.count() == 3
    with store.writing():
        assert store.collect_orphans() == 0


def test_the_build_record_is_kept(open_store: OpenStore, settings: Settings) -> None:
    with open_store(settings) as index:
        assert index.embedder_precision() == "fp32" and index.settings_fingerprint() is None
        with index.writing():
            index.note_embedder("all-MiniLM-L6-v2", "int8")
            index.note_settings("3|all-MiniLM-L6-v2|200|20")
    with open_store(settings) as again:
        assert again.embedder_precision() == "int8"
        assert again.settings_fingerprint() == "3|all-MiniLM-L6-v2|200|20"


# The embedded store's own ------------------------------------------------------------


def test_with_closes_the_index(settings: Settings) -> None:
    with Index(settings.store) as index:
        assert index.chunks.count() == 0
    with pytest.raises(sqlite3.ProgrammingError):  # the connection is closed
        index.chunks.count()


def test_an_index_whose_chunks_carry_content_hashes_reads_as_before(settings: Settings) -> None:
    """Versions before this one stored each chunk's text hash in `chunks.content_hash`;
    nothing reads it now, and new rows store ''."""
    [old] = chunks_of(MEMO, "1", ["Old text."])
    with Index(settings.store) as index:
        index.catalog.commit(entry([old]))
    db = sqlite3.connect(settings.index_dir / "catalog.sqlite")
    db.execute(
        "INSERT INTO chunks(id, abs_path, source, page, line_start, line_end, char_start, "
        "char_end, content_hash, doc_hash, title, section, page_kind, text) "
        "VALUES (?, ?, ?, 1, 1, 1, 0, 9, '9f86d081884c7d659a2feaa0c55ad015', ?, 'Memo', '', "
        "'page', 'Old text.')",
        (old.id, old.abs_path, old.source, old.doc_hash),
    )
    db.commit()
    db.close()
    with Index(settings.store) as index:
        assert index.chunks.of_document(MEMO) == [old]
        new = chunks_of(MEMO, "1", HARBOUR)[1]
        index.chunks.add([new])
        assert index.chunks.by_id([new.id, old.id]) == {new.id: new, old.id: old}
    db = sqlite3.connect(settings.index_dir / "catalog.sqlite")
    hashes = dict(db.execute("SELECT id, content_hash FROM chunks").fetchall())
    db.close()
    assert hashes == {old.id: "9f86d081884c7d659a2feaa0c55ad015", new.id: ""}
