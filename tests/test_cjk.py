"""Chinese, Japanese and Korean text without the models: words as bigrams, sentence and
chunk breaks, the lexical index (FTS5 and its arrays agree), the in-place upgrade of an
index written before, and how an embedding model's script coverage is judged."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from localqa.answering.facts import facts_of
from localqa.answering.followup import needs_context, rewrite_by_rule
from localqa.config import Settings
from localqa.embedding.coverage import cjk_coverage, coverage_line, dense_weight
from localqa.embedding.embedder import default_model_path
from localqa.ingest.splitter import TokenSplitter
from localqa.retrieval.packing import widen
from localqa.retrieval.retriever import reciprocal_rank_fusion
from localqa.retrieval.scoring import sentence_spans
from localqa.schema import Chunk, IndexedDocument, ScoredChunk
from localqa.sentences import split_sentences
from localqa.store.index import Index
from localqa.text import content_words, lexical_support, lexical_text, words

HANDBOOK = [
    "年假制度：入职满一年的员工享有十天带薪年假。",
    "甲号仓库存放的是纸张，由王明负责每周盘点一次。",
    "乙号仓库存放的是电脑，由李华负责每周盘点一次。",
    "VPN密码每九十天更换一次，新密码不得与旧密码相同。",
    "The warehouse VPN password changes every ninety days.",
]


def test_cjk_runs_are_bigrams_and_other_words_stay_whole() -> None:
    assert words("年假制度") == ["年假", "假制", "制度"]
    assert words("Northwind公司的ＶＰＮ") == ["northwind", "公司", "司的", "vpn"]  # NFKC
    assert words("猫") == ["猫"]  # a lone character is its own word
    assert words("Hello, World 42") == ["hello", "world", "42"]  # English as before
    assert "什么" not in content_words("年假是什么？")  # question words are stopwords
    # the index sees the same tokens, spaced so FTS5's unicode61 reads each one alone
    assert lexical_text("年假制度VPN").split() == ["年假", "假制", "制度", "VPN"]
    assert lexical_text("The café opens at 7.") == "The café opens at 7."


def test_sentences_end_at_cjk_punctuation() -> None:
    text = "他说：“今天休息。”然后走了！真的吗？是的。\nNext. Another one"
    assert split_sentences(text) == [
        "他说：“今天休息。”",
        "然后走了！",
        "真的吗？",
        "是的。",
        "Next.",
        "Another one",
    ]
    spans = sentence_spans("第一句。第二句！")
    assert [(a, b) for a, b in spans] == [(0, 4), (4, 8)]
    # full-width ！ folded to ! still ends a sentence before a CJK character
    assert split_sentences("好!走吧") == ["好!", "走吧"]


def test_chunks_break_after_cjk_punctuation_not_before() -> None:
    text = "".join(HANDBOOK[:3]) * 3
    pieces = [s.text for s in TokenSplitter(len, 40, 0).split(text)]
    assert all(p.endswith("。") for p in pieces), pieces
    english = "The first sentence is here. The second one is here too. And a third ends it."
    # English text splits at the same places as before CJK separators were added, each
    # piece keeping its own full stop (it once began the next piece: ". The second ...")
    assert [s.text for s in TokenSplitter(len, 40, 5).split(english)] == [
        "The first sentence is here.",
        "The second one is here too.",
        "And a third ends it.",
    ]


def test_support_and_facts_read_chinese() -> None:
    claim = "入职满一年的员工有几天年假？"
    assert lexical_support(claim, HANDBOOK[0]) > 0.6
    assert lexical_support(claim, HANDBOOK[1]) < 0.2
    facts = facts_of("每日餐补为300元人民币")
    assert facts.numbers == {300.0} and not facts.words  # not the whole run as one fact


def test_chinese_follow_ups_carry_the_subject() -> None:
    assert needs_context("那试用期呢？") and needs_context("需要多少钱？")
    assert not needs_context("入职满一年的员工有几天年假？")
    assert rewrite_by_rule("需要多少钱？", "丢失门禁卡怎么办？") == "需要多少钱？ 丢失门禁卡怎么办"


def chunks(texts: list[str], source: str = "手册.txt") -> list[Chunk]:
    """One page holding `texts` a line each, a chunk per line."""
    starts = [sum(len(t) + 1 for t in texts[:i]) for i in range(len(texts))]
    return [
        Chunk(
            id=f"{source}:{i}",
            text=text,
            source=source,
            abs_path=f"/docs/{source}",
            page=1,
            line_start=i + 1,
            line_end=i + 1,
            char_start=start,
            char_end=start + len(text),
            doc_hash=source,
            title=source,
        )
        for i, (text, start) in enumerate(zip(texts, starts, strict=True))
    ]


@pytest.fixture
def index(settings: Settings) -> Iterator[Index]:
    with Index(settings.store) as index:
        with index.writing():
            index.chunks.add(chunks(HANDBOOK))
            index.catalog.commit(
                IndexedDocument("/docs/手册.txt", "手册.txt", "/docs", "手册.txt", 1, 0)
            )
        yield index


QUESTIONS = {
    "入职满一年的员工有几天年假？": "手册.txt:0",
    "谁负责电脑的盘点？": "手册.txt:2",
    "VPN密码多久更换？": "手册.txt:3",
    "How often does the VPN password change?": "手册.txt:4",
}


def test_chinese_questions_find_their_sentence_and_arrays_equal_fts5(index: Index) -> None:
    store = index.lexical
    assert store.fresh_arrays() is not None and not store.outdated()
    for question, best in QUESTIONS.items():
        arrays = [(c.id, s) for c, s in store.search(question, 5)]
        assert arrays == [(c.id, s) for c, s in store.fts5_search(question, 5)], question
        assert arrays[0][0] == best, question


def test_an_index_written_before_bigrams_is_upgraded_in_place(index: Index) -> None:
    store = index.lexical
    db = store._db  # the old format: raw text in FTS5, no format row
    db.execute("DELETE FROM chunks_fts")
    db.execute(
        "INSERT INTO chunks_fts(rowid, body) SELECT rowid, title || '\n' || text FROM chunks"
    )
    db.execute("DELETE FROM meta WHERE key = 'lexical_format'")
    db.execute("UPDATE meta SET value = value + 1 WHERE key = 'lexical_generation'")
    assert store.outdated()
    assert store.search("员工年假", 3) == []  # whole runs: nothing matches
    with index.writing():
        assert store.upgrade() == len(HANDBOOK)
    assert not store.outdated() and store.upgrade() == 0
    assert store.fresh_arrays() is not None  # the arrays were rewritten with it
    assert store.search("员工年假", 3)[0][0].id == "手册.txt:0"


def test_weighted_fusion_drops_a_channel_at_weight_zero() -> None:
    a, b = chunks(["甲", "乙"])
    assert [r.chunk.id for r in reciprocal_rank_fusion([[a, b], [b]], [0.0, 1.0])] == [b.id]
    assert [r.chunk.id for r in reciprocal_rank_fusion([[a, b], [b]])] == [b.id, a.id]
    assert dense_weight("How long is the leave?", covers_cjk=False) == 1.0
    assert dense_weight("年假有几天？", covers_cjk=False) == 0.0
    assert dense_weight("年假有几天？", covers_cjk=True) == 1.0
    assert 0.0 < dense_weight("VPN密码", covers_cjk=False) < 1.0


def model_folder(tmp: Path, card: str | None, tokenizer: bool = False) -> Path:
    folder = tmp / f"model-{len(list(tmp.iterdir()))}"
    folder.mkdir()
    if card is not None:
        (folder / "README.md").write_text(card, encoding="utf-8")
    if tokenizer:
        shutil.copy(default_model_path() / "tokenizer.json", folder / "tokenizer.json")
    return folder


def test_the_packaged_model_is_english_only_and_multilingual_ones_are_trusted(
    tmp_path: Path,
) -> None:
    packaged = cjk_coverage(default_model_path())
    assert not packaged.cjk and "en" in packaged.why
    line = coverage_line(packaged, "员工手册")
    assert line.startswith(
        "the embedding model is English-only; Chinese text is searched lexically"
    )
    listed = model_folder(tmp_path, "---\nlanguage:\n- en\n- zh\nlicense: mit\n---\n# card\n")
    assert cjk_coverage(listed).cjk
    tagged = model_folder(tmp_path, "---\nlanguage: [de, fr]\ntags:\n- multilingual\n---\n")
    assert cjk_coverage(tagged).cjk
    assert not cjk_coverage(model_folder(tmp_path, "---\nlanguage: de\n---\n")).cjk
    # no card: MiniLM's vocabulary cuts Chinese into single characters, so not trusted
    probed = cjk_coverage(model_folder(tmp_path, None, tokenizer=True))
    assert not probed.cjk and "100%" in probed.why
    assert cjk_coverage(model_folder(tmp_path, "no front matter")).cjk  # nothing to judge by


def test_cjk_pieces_are_widened_by_their_neighbours_within_the_budget(index: Index) -> None:
    store = index.chunks
    page = "\n".join(HANDBOOK)
    laid_out = chunks(HANDBOOK)
    before, after = store.neighbours(laid_out[1])  # found by position on the page
    assert (before and before.id, after and after.id) == ("手册.txt:0", "手册.txt:2")
    middle = ScoredChunk(laid_out[1], 1.0)
    [wide] = widen([middle], 4000, store.neighbours)
    assert wide.chunk.text == page and (wide.chunk.line_start, wide.chunk.line_end) == (1, 5)
    room = laid_out[2].char_end - laid_out[1].char_start  # the chunk after it, not before
    [one] = widen([middle], room, store.neighbours)
    assert one.chunk.text == page[laid_out[1].char_start : laid_out[2].char_end]
    # pieces of one page that touch become one, at the better rank
    [both] = widen([ScoredChunk(laid_out[2], 2.0), middle], room, store.neighbours)
    assert both.score == 2.0 and both.chunk.text == one.chunk.text
    [kept] = widen([middle], len(HANDBOOK[1]) + 5, store.neighbours)
    assert kept.chunk == laid_out[1]  # no room: as packed
    english = ScoredChunk(laid_out[4], 1.0)
    assert widen([english], 4000, store.neighbours) == [english]  # English stays as packed
