"""Retrieval: fusion, near-duplicates, sentence re-ranking, trimming and packing; then one
real index of sample_docs."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from localqa.config import Settings
from localqa.embedding.embedder import Embedder
from localqa.retrieval.packing import FocusedChunk, Sentence, excerpt, pack_context
from localqa.retrieval.retriever import (
    Retriever,
    drop_near_duplicates,
    reciprocal_rank_fusion,
    rerank_by_sentences,
)
from localqa.retrieval.scoring import (
    IDF_FLOOR,
    LexicalSentenceScorer,
    sentence_spans,
    term_weights,
)
from localqa.schema import Chunk, ScoredChunk
from localqa.store.index import Index


def chunk(cid: str, text: str = "", line_start: int = 1, char_start: int = 0) -> Chunk:
    text = text or f"text of {cid}"
    return Chunk(
        id=cid,
        text=text,
        source=f"{cid}.txt",
        abs_path=f"/d/{cid}.txt",
        page=1,
        line_start=line_start,
        line_end=line_start + text.count("\n"),
        char_start=char_start,
        char_end=char_start + len(text),
        doc_hash="d",
    )


def scored(*chunks: Chunk) -> list[ScoredChunk]:
    return [ScoredChunk(c, 1.0 / (i + 1)) for i, c in enumerate(chunks)]


def test_fusion_ranks_a_chunk_found_by_both_searches_first() -> None:
    a, b, c = chunk("a"), chunk("b"), chunk("c")
    fused = reciprocal_rank_fusion([[a, b], [c, b]])
    assert [r.chunk.id for r in fused] == ["b", "a", "c"]
    assert fused[0].score == pytest.approx(1 / 62 + 1 / 62)
    assert fused[1].score == pytest.approx(1 / 61)


def test_near_duplicates_keep_the_first_only() -> None:
    base = "the quick brown fox jumps over the lazy dog near the river bank today"
    results = scored(chunk("a", base), chunk("b", base + " again"), chunk("c", "other words"))
    assert [r.chunk.id for r in drop_near_duplicates(results)] == ["a", "c"]


def test_near_duplicates_are_judged_against_kept_chunks_only() -> None:
    """b is a near-copy of a (dropped); c is a near-copy of b but not of a (kept);
    two empty chunks count as copies of each other."""
    words = [f"w{i}" for i in range(100)]
    a = " ".join(words[:90])
    b = " ".join(words[:95])  # Jaccard with a: 90/95
    c = " ".join(words[5:100])  # with b 90/100, with a 85/100
    results = scored(chunk("a", a), chunk("b", b), chunk("c", c), chunk("e", " "), chunk("f", "  "))
    assert [r.chunk.id for r in drop_near_duplicates(results)] == ["a", "c", "e"]
    assert [r.chunk.id for r in drop_near_duplicates(results, window=1)] == list("abcef")


def test_sentence_spans_are_offsets_without_surrounding_space() -> None:
    text = "  First one. Second one!\n\nThird part"
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans] == ["First one.", "Second one!", "Third part"]
    assert sentence_spans("   ") == []


def test_sentence_rerank_lifts_a_chunk_with_a_much_better_sentence() -> None:
    results = scored(chunk("a"), chunk("b"), chunk("c"), chunk("tail"))
    ranked = rerank_by_sentences(results, [0.2, 0.2, 1.6])
    assert [r.chunk.id for r in ranked] == ["c", "a", "b", "tail"]
    # near-ties keep the fused order
    assert [r.chunk.id for r in rerank_by_sentences(results, [0.5, 0.52, 0.5])][:2] == ["a", "b"]


def focused(text: str, scores: Sequence[float], cid: str = "f") -> FocusedChunk:
    c = chunk(cid, text, line_start=10, char_start=100)
    pairs = zip(sentence_spans(text), scores, strict=True)
    return FocusedChunk(c, 1.0, tuple(Sentence(a, b, s) for (a, b), s in pairs))


def test_a_piece_grows_around_its_best_sentence_toward_the_better_neighbour() -> None:
    text = "Alpha one is here.\nBravo two is here.\nCharlie three.\nDelta four is here."
    result = focused(text, [0.1, 0.9, 1.5, 0.2])
    (trimmed,) = pack_context([result], top_k=1, chars=40)
    assert trimmed.chunk.text == "Bravo two is here.\nCharlie three."
    assert trimmed.chunk.line_start == 11 and trimmed.chunk.line_end == 12
    assert trimmed.chunk.char_start == 100 + text.index("Bravo")
    assert trimmed.chunk.id != result.chunk.id
    assert pack_context([result], 1, 200)[0].chunk == result.chunk  # whole when it fits


def test_excerpt_keeps_citation_fields_consistent() -> None:
    c = chunk("e", "line one\nline two\nline three", line_start=5, char_start=40)
    part = excerpt(c, 9, 17)
    assert part.text == "line two"
    assert (part.line_start, part.line_end) == (6, 6)
    assert (part.char_start, part.char_end) == (49, 57)


def test_pack_respects_top_k_and_budget_and_always_returns_one() -> None:
    results = scored(*(chunk(str(i), "x" * 300) for i in range(10)))
    assert len(pack_context(results, 4, 4000)) == 4
    assert len(pack_context(results, 10, 1000)) == 3
    huge = scored(chunk("big", "y" * 5000))
    assert len(pack_context(huge, 4, 1000)) == 1


def test_pack_skips_a_long_unscored_chunk_and_trims_a_scored_one() -> None:
    long_plain = ScoredChunk(chunk("long", "z" * 900), 0.5)
    text = "Useless filler sentence here. " * 10 + "The answer is 42. " + "More filler. " * 10
    scores = [0.1] * 10 + [1.8] + [0.1] * 10
    results = [ScoredChunk(chunk("a", "a" * 500), 1.0), long_plain, focused(text, scores)]
    packed = pack_context(results, 8, 800)
    assert [r.chunk.id.split("#")[0] for r in packed] == ["a", "f"]
    assert "The answer is 42." in packed[1].chunk.text
    assert sum(len(r.chunk.text) for r in packed) <= 800


def test_spread_packing_shows_the_best_sentence_of_every_result_first() -> None:
    def ten_sentences(cid: str, best: int) -> FocusedChunk:
        text = " ".join(f"Item {cid} sentence number {i:02d} here." for i in range(10))
        return focused(text, [1.0 if i == best else 0.1 for i in range(10)], cid)

    results = [ten_sentences(f"c{n}", best=n) for n in range(5)]
    packed = pack_context(results, top_k=5, chars=1400)
    assert [r.chunk.id.split("#")[0] for r in packed] == ["c0", "c1", "c2", "c3", "c4"]
    for n, piece in enumerate(packed):
        assert f"c{n} sentence number {n:02d}" in piece.chunk.text
    assert packed[0].chunk == results[0].chunk  # grown back to the whole chunk: same id
    assert len(packed[1].chunk.text) > len(packed[4].chunk.text)  # rank order grows first
    assert sum(len(r.chunk.text) for r in packed) <= 1400
    assert len(pack_context(results, top_k=2, chars=1400)) == 2


def test_spread_packing_skips_an_unscored_chunk_that_does_not_fit() -> None:
    big_first = ScoredChunk(chunk("big", "y" * 5000), 1.0)
    assert [r.chunk.id for r in pack_context([big_first], 4, 1000)] == ["big"]
    plain = ScoredChunk(chunk("plain", "z" * 900), 0.5)
    small = focused("Short one. The answer is 42. Another.", [0.1, 0.9, 0.1], "s")
    packed = pack_context([ScoredChunk(chunk("a", "a" * 500), 1.0), plain, small], 8, 800)
    assert [r.chunk.id.split("#")[0] for r in packed] == ["a", "s"]
    assert packed[1].chunk.text == small.chunk.text


def test_term_weights_discount_words_every_candidate_holds() -> None:
    candidates = [chunk(str(i), f"The harbour crane number {i}.") for i in range(4)]
    candidates.append(chunk("x", "The harbour crane lifts forty tonnes."))
    weights = term_weights("How much does the harbour crane lift in tonnes?", candidates)
    assert weights["harbour"] == pytest.approx(IDF_FLOOR)  # in every candidate
    assert weights["tonnes"] > weights["harbour"] * 10
    assert "the" not in weights and "how" not in weights  # stopwords carry nothing


def test_lexical_scorer_prefers_the_sentence_with_the_rare_words() -> None:
    c = chunk("s", "The harbour crane is blue. The harbour crane lifts forty tonnes.")
    others = [chunk(str(i), f"The harbour crane number {i}.") for i in range(4)]
    question = "How many tonnes does the harbour crane lift?"
    (sentences,) = LexicalSentenceScorer().score(
        question, np.zeros(3, dtype=np.float32), [c], [c, *others]
    )
    first, second = sentences
    assert c.text[second.start : second.end] == "The harbour crane lifts forty tonnes."
    assert second.score > first.score > 0
    assert second.score <= 1.0


@pytest.fixture(scope="module")
def sample_store(sample_index: Settings) -> Iterator[Index]:
    with Index.open_existing(sample_index.store) as index:
        yield index


def test_a_question_naming_a_document_gets_that_document_first(
    sample_store: Index, embedder: Embedder
) -> None:
    retrieved = Retriever(sample_store, embedder).search(
        "In the release plan, who is the release manager?"
    )
    assert retrieved.results[0].chunk.source == "release-plan.pptx"
    assert {"embed_ms", "dense_ms", "lexical_ms", "sentences_ms"} <= set(retrieved.timings)
    packed = pack_context(retrieved.results, 4, 4000)
    assert any("Jonas Aasen" in r.chunk.text for r in packed)
    assert sum(len(r.chunk.text) for r in packed) <= 4000


def test_a_document_added_after_the_retriever_was_made_can_be_named(
    settings: Settings, embedder: Embedder, tmp_path: Path
) -> None:
    """The retriever keeps the catalog's list between searches, and reads it again once
    another connection (an ingest) has committed."""
    import shutil

    from tests.conftest import SAMPLE_DOCS, ingest_paths

    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(SAMPLE_DOCS / "README.md", docs)
    ingest_paths(settings, embedder, docs)
    question = "In the release plan, who is the release manager?"
    with Index.open_existing(settings.store) as index:
        retriever = Retriever(index, embedder)
        assert retriever.search(question).results[0].chunk.source == "README.md"
        shutil.copy(SAMPLE_DOCS / "release-plan.pptx", docs)
        ingest_paths(settings, embedder, docs)
        # named: that document alone is searched
        assert {r.chunk.source for r in retriever.search(question).results} == {"release-plan.pptx"}


def test_ingest_leaves_an_array_copy_that_ranks_as_fts5_does(sample_store: Index) -> None:
    lexical = sample_store.lexical
    assert lexical.fresh_arrays() is not None  # written when the ingest finished
    questions = [
        json.loads(line)["question"]
        for line in (Path(__file__).parent / "sample_questions.jsonl").read_text().splitlines()
    ]
    for question in questions:
        arrays = [(c.id, s) for c, s in lexical.search(question, 40)]
        assert arrays == [(c.id, s) for c, s in lexical.fts5_search(question, 40)], question


def test_documents_named_in_a_question() -> None:
    from localqa.retrieval.naming import named_documents
    from localqa.schema import IndexedDocument

    docs = [
        IndexedDocument(f"/d/{n}", n, "/d", "h", 1, 1)
        for n in ("remote-work-memo.docx", "README.md", "faq.txt", "notes.txt")
    ]
    assert named_documents("What does the remote-work memo say about laptops?", docs) == [
        "/d/remote-work-memo.docx"
    ]
    assert named_documents("what does README.md say", docs) == ["/d/README.md"]
    assert named_documents("Is there a faq.txt entry on parking?", docs) == ["/d/faq.txt"]
    # a one-word name without its extension is just a word
    assert named_documents("Where are my notes about the remote office?", docs) == []


def test_a_named_or_chosen_document_is_searched_alone(
    sample_store: Index, embedder: Embedder
) -> None:
    retriever = Retriever(sample_store, embedder)
    named = retriever.search("What does the remote-work memo say about equipment?")
    assert {r.chunk.source for r in named.results} == {"remote-work-memo.docx"}
    pdf = next(
        d.abs_path for d in sample_store.catalog.documents() if d.source == "northwind-handbook.pdf"
    )
    chosen = retriever.search("When is salary paid?", [pdf])
    assert chosen.results and {r.chunk.source for r in chosen.results} == {"northwind-handbook.pdf"}
    assert retriever.search("When is salary paid?").results[0].chunk.source == "faq.txt"
