"""The array copy of the BM25 index (localqa/store/lexical.py) against FTS5 itself: the same
chunks and the same scores, never used when stale, refreshed by every write."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest

from localqa.config import Settings
from localqa.schema import Chunk, IndexedDocument
from localqa.store.index import Index

TEXTS = {
    "harbour.txt": [
        "The harbour crane lifts forty tonnes. Cranes are inspected every spring.",
        "Running the crane at night needs a second operator and floodlights.",
        "The harbour master keeps the tide tables; the harbour closes in storms.",
    ],
    "cafe.md": [
        "The Café du Port opens at seven. Its coffee is roasted on site.",
        "Staff at the café run the harbour tours on Sundays, tide permitting.",
    ],
    "policy.txt": [
        "Travel policy: economy class for flights under six hours.",
        "Expenses are claimed within thirty days; receipts are required for all claims.",
        "The policy on cranes: only certified operators may run a crane.",
    ],
}
QUESTIONS = [
    "How many tonnes does the harbour crane lift?",
    "When does the cafe open?",
    "Who may operate cranes at night?",
    "RUNNING CRANES",
    "receipts for expenses claims within days",
    "tide tables harbour master storms",
    "words that appear nowhere",
]


def chunks_of(source: str, texts: list[str], version: str = "1") -> list[Chunk]:
    path = f"/docs/{source}"
    return [
        Chunk(
            id=f"{source}:{version}:{i}",
            text=text,
            source=source,
            abs_path=path,
            page=1,
            line_start=i + 1,
            line_end=i + 1,
            char_start=0,
            char_end=len(text),
            doc_hash=f"{source}:{version}",
            title=source,
        )
        for i, text in enumerate(texts)
    ]


def add_document(index: Index, chunks: list[Chunk], commit: bool = True) -> None:
    index.chunks.add(chunks)
    if commit:
        first = chunks[0]
        index.catalog.commit(
            IndexedDocument(first.abs_path, first.source, "/docs", first.doc_hash, 1, 0)
        )


@pytest.fixture
def index(settings: Settings) -> Iterator[Index]:
    with Index(settings.store) as index:
        with index.writing():
            for source, texts in TEXTS.items():
                add_document(index, chunks_of(source, texts))
        yield index


def ranking(hits: list[tuple[Chunk, float]]) -> list[tuple[str, float]]:
    return [(chunk.id, score) for chunk, score in hits]


def test_the_arrays_rank_and_score_exactly_as_fts5(index: Index) -> None:
    assert index.lexical.fresh_arrays() is not None  # the arrays answer, not FTS5
    for question in QUESTIONS:
        for limit in (1, 3, 40):
            arrays = ranking(index.lexical.search(question, limit))
            fts5 = ranking(index.lexical.fts5_search(question, limit))
            assert arrays == fts5, question
    top = index.lexical.search("Who may operate cranes at night?", 1)
    assert top[0][0].id == "harbour.txt:1:1"  # stemming: cranes/crane, running/run


def test_a_stale_copy_is_not_used_and_the_end_of_a_write_refreshes_it(index: Index) -> None:
    add_document(index, chunks_of("tugs.txt", ["Tugboats guide tankers into the harbour."]))
    assert index.lexical.fresh_arrays() is None  # the catalog moved on: FTS5 answers
    assert index.lexical.search("tugboats", 5)[0][0].source == "tugs.txt"
    assert index.lexical.refresh_arrays() and not index.lexical.refresh_arrays()
    assert index.lexical.fresh_arrays() is not None
    assert len(list(index.lexical.arrays_dir.iterdir())) == 1  # the older copy is gone
    assert ranking(index.lexical.search("tugboats harbour", 5)) == ranking(
        index.lexical.fts5_search("tugboats harbour", 5)
    )


def test_a_forgotten_document_leaves_the_arrays(index: Index) -> None:
    (cafe,) = index.catalog.find("cafe.md")
    with index.writing():
        index.forget(cafe)
    assert index.lexical.fresh_arrays() is not None
    question = "Which cafe runs the harbour tours?"
    hits = index.lexical.search(question, 10)
    assert hits and all(chunk.source != "cafe.md" for chunk, _ in hits)
    assert ranking(hits) == ranking(index.lexical.fts5_search(question, 10))


def test_rows_not_yet_visible_are_skipped_and_the_next_ones_fetched(index: Index) -> None:
    """A copy taken mid-ingest holds rows no document points at yet."""
    pending = chunks_of("draft.txt", ["Crane crane crane: the crane crane lifts tonnes."])
    add_document(index, pending, commit=False)
    index.lexical.refresh_arrays()
    snapshot = index.lexical.fresh_arrays()
    assert snapshot is not None
    terms = ["crane", "lift", "tonn"]
    best_rowid = snapshot.top(terms, 1)[0][0]
    assert best_rowid == max(snapshot.rowids)  # the pending chunk ranks first ...
    hits = index.lexical.search("crane lifts tonnes", 2)
    assert [c.source for c, _ in hits] == ["harbour.txt", "policy.txt"]  # ... yet never shows
    assert ranking(hits) == ranking(index.lexical.fts5_search("crane lifts tonnes", 2))


def test_a_damaged_copy_falls_back_to_fts5(index: Index, settings: Settings) -> None:
    (rows,) = index.lexical.arrays_dir.glob("*/rows.npy")
    rows.unlink()
    with Index(settings.store) as fresh:
        assert fresh.lexical.fresh_arrays() is None
        question = "harbour crane tonnes"
        assert ranking(fresh.lexical.search(question, 3)) == ranking(
            fresh.lexical.fts5_search(question, 3)
        )


def test_a_word_fts5_splits_in_two_is_left_to_fts5(index: Index) -> None:
    """\\w+ keeps `harbour_master` whole; FTS5 reads it as the phrase "harbour master"."""
    question = "harbour_master tide"
    assert index.lexical.fresh_arrays() is not None
    hits = index.lexical.search(question, 3)
    assert hits[0][0].id == "harbour.txt:1:2"
    assert ranking(hits) == ranking(index.lexical.fts5_search(question, 3))


def test_an_empty_index_has_an_empty_copy(settings: Settings) -> None:
    with Index(settings.store) as index:
        with index.writing():
            pass
        assert index.lexical.search("anything at all", 5) == []


def test_arrays_that_cannot_be_written_cost_speed_not_data(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    with Index(settings.store) as index:
        index.lexical.arrays_dir.write_text("a file where the folder should be")
        with index.writing():
            add_document(index, chunks_of("harbour.txt", TEXTS["harbour.txt"]))
        (line,) = [r.getMessage() for r in caplog.records if "BM25 arrays" in r.getMessage()]
        assert str(index.lexical.arrays_dir) in line and "localqa ingest" in line
        assert index.chunks.count() == 3 and index.lexical.fresh_arrays() is None
        hits = index.lexical.search("harbour crane tonnes", 1)
        assert hits[0][0].id == "harbour.txt:1:0"  # FTS5 answers


def test_word_rarity_is_bm25s_idf_from_the_arrays_or_fts5_alike(index: Index) -> None:
    # 8 chunks: "cranes" is in 3 (crane, cranes: stemmed as FTS5 does), "tide" in 2,
    # "floodlights" in 1; "harbour" in 4 (titles count), so its idf is at the floor
    words = ["cranes", "tide", "floodlights", "harbour"]
    rarity = index.lexical.word_rarity(words)
    assert rarity is not None and index.lexical.fresh_arrays() is not None
    assert rarity["cranes"] == pytest.approx(math.log(5.5 / 3.5))
    assert rarity["tide"] == pytest.approx(math.log(6.5 / 2.5))
    assert rarity["floodlights"] == pytest.approx(math.log(7.5 / 1.5))
    assert rarity["harbour"] == pytest.approx(1e-6)
    add_document(index, chunks_of("tugs.txt", ["Tugboats guide tankers into the tide."]))
    assert index.lexical.fresh_arrays() is None  # stale arrays: FTS5's vocabulary counts
    assert index.lexical.word_rarity(["tide"]) == {"tide": pytest.approx(math.log(6.5 / 3.5))}


def test_an_abbreviation_is_found_by_its_word(index: Index) -> None:
    lease = ["The tenant may end the lease early.\nHeader: Contract ref. HX-4471 / confidential"]
    annual = ["Contract liabilities are recorded when billed.", "See the reference rate below."]
    with index.writing():
        add_document(index, chunks_of("lease.docx", lease))
        add_document(index, chunks_of("annual.html", annual))
    top = index.lexical.search("What is the contract reference?", 3)
    assert top[0][0].source == "lease.docx"  # "ref." is indexed as "reference" too
    assert ranking(top) == ranking(index.lexical.fts5_search("contract reference", 3))
