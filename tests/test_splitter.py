"""Splitting measured in the embedder's own word pieces, with exact provenance."""

from __future__ import annotations

from localqa.embedding.embedder import Embedder
from localqa.ingest.chunking import Chunker, DocumentIdentity, header_budget
from localqa.ingest.splitter import TokenSplitter
from localqa.schema import Page

LONG = "\n".join(
    f"Line {i}: the pressure housing of unit {i} was tested to {i * 7} bar and passed."
    for i in range(1, 120)
)


def test_spans_point_back_into_the_page(embedder: Embedder) -> None:
    splitter = TokenSplitter(embedder.count_tokens, 64, 8)
    spans = splitter.split(LONG)
    assert len(spans) > 5
    lines = LONG.split("\n")
    for span in spans:
        assert LONG[span.char_start : span.char_end] == span.text
        assert embedder.count_tokens(span.text) <= 64
        first = lines[span.line_start - 1]
        last = lines[span.line_end - 1]
        assert span.text.startswith(first.strip()[:10]) or first.strip() in span.text
        assert last.strip()[-5:] in span.text


def test_each_piece_is_counted_once_and_splits_the_same(embedder: Embedder) -> None:
    counted: list[str] = []

    def count(text: str) -> int:
        counted.append(text)
        return embedder.count_tokens(text)

    spans = TokenSplitter(count, 64, 8).split(LONG)
    assert len(counted) == len(set(counted))  # langchain asks again; the cache answers
    assert spans == TokenSplitter(embedder.count_tokens, 64, 8).split(LONG)


def test_unbreakable_text_is_still_cut_to_size(embedder: Embedder) -> None:
    blob = "x" * 5000 + " " + "supercalifragilistic" * 300
    spans = TokenSplitter(embedder.count_tokens, 50, 0).split(blob)
    assert spans and all(embedder.count_tokens(s.text) <= 50 for s in spans)


def test_chunks_carry_section_and_never_exceed_the_embedder(
    embedder: Embedder,
) -> None:
    text = "# Travel\n" + LONG + "\n# Leave rules\n" + LONG
    headings = ((0, "Travel"), (text.index("# Leave rules"), "Leave rules"))
    pages = iter([Page(1, text, headings), Page(2, "More about leave.\n" * 3)])
    doc = DocumentIdentity("h.md", "/x/h.md", "d" * 32, "Handbook " * 40, "page")
    budget = header_budget(embedder.max_tokens, 200)
    chunker = Chunker(TokenSplitter(embedder.count_tokens, 200, 20), embedder.count_tokens, budget)
    chunks = [c for _, c in chunker.chunks(doc, pages)]
    assert chunks[0].section == "Travel"
    assert chunks[-1].page == 2 and chunks[-1].section == "Leave rules"  # carried over
    assert len({c.id for c in chunks}) == len(chunks)
    for chunk in chunks:
        # +2 for [CLS] and [SEP]: the whole input fits, so nothing is truncated
        assert embedder.count_tokens(chunk.embedding_text()) + 2 <= embedder.max_tokens
