"""Chinese documents end to end with the real embedder: ingest, `ask` in extractive mode,
the same answer from a GBK-encoded file, the ingest report's and doctor's line about the
embedding model, and the sample handbook's Chinese page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from localqa.answering.answer import Answer
from localqa.builder import Builder
from localqa.config import Settings, load_settings
from localqa.embedding.embedder import Embedder
from tests.conftest import ingest_paths

# Case 04 (../shared/cases/04-handbook-zh.txt): three lines, the answer on line 3.
CASE_04 = (
    "甲号仓库存放的是纸张，由王明负责每周盘点一次，盘点结果记录在共享表格中。\n\n"
    "年假制度：入职满一年的员工享有十天带薪年假。\n\n"
    "乙号仓库存放的是电脑，由李华负责每周盘点一次，盘点结果记录在共享表格中。\n"
)
LEAVE = "入职满一年的员工有几天年假？"
RIGHT_LINE = "年假制度：入职满一年的员工享有十天带薪年假。"
ENGLISH_ONLY = "the embedding model is English-only; Chinese text is searched lexically"


def ask_in(settings: Settings, question: str) -> Answer:
    builder = Builder(settings)
    with builder.existing_index() as index:
        return builder.answerer(index).ask(question)


def quoted_line(text: str, first_line: int, quote: str) -> int:
    """The line of the file where `quote` starts, in a chunk starting at `first_line`."""
    return first_line + text.count("\n", 0, text.index(quote))


def ingest_file(
    tmp_path: Path, embedder: Embedder, name: str, data: bytes
) -> tuple[Settings, list[str]]:
    folder = tmp_path / name.replace(".", "-")
    folder.mkdir()
    (folder / name).write_bytes(data)
    settings = load_settings(environ={"LOCALQA_HOME": str(tmp_path / f"home-{folder.name}")})
    report = ingest_paths(settings, embedder, folder)
    assert report.added == [name] and not report.failed
    return settings, report.summary_lines()


def test_case_04_quotes_the_leave_line_from_utf8_and_gbk_alike(
    tmp_path: Path, embedder: Embedder
) -> None:
    answers = []
    for name, encoding in (("手册.txt", "utf-8"), ("手册-gbk.txt", "gbk")):
        settings, lines = ingest_file(tmp_path, embedder, name, CASE_04.encode(encoding))
        assert any(line.startswith(ENGLISH_ONLY) for line in lines), lines
        answer = ask_in(settings, LEAVE)
        assert answer.mode == "extractive" and answer.citations
        first = answer.citations[0]
        # the document's own "：" and "。", though search folds them (issue 13)
        assert first.quote == RIGHT_LINE
        assert quoted_line(first.chunk.text, first.chunk.line_start, first.quote) == 3
        assert len(answer.citations) == 1  # the warehouse lines share nothing with it
        answers.append([(c.quote, c.chunk.line_start) for c in answer.citations])
    assert answers[0] == answers[1]  # the encoding of the file changes nothing


SAMPLE_ZH = {
    "中文客户服务热线的服务时间是什么时候？": "上午九点至下午五点",
    "在中国出差每天的餐补是多少？": "300 元人民币",
    "去中国出差要提前多久提交申请？": "十个工作日",
    "和中国客户的合同由哪家公司翻译？": "海韵翻译",
    "Tidemark Studio 的中文使用手册在哪里下载？": "文档中心",
}


def test_the_sample_handbooks_chinese_page_answers_chinese_questions(
    sample_index: Settings,
) -> None:
    builder = Builder(sample_index)
    with builder.existing_index() as index:
        answerer = builder.answerer(index)
        for question, gold in SAMPLE_ZH.items():
            answer = answerer.ask(question)
            first = answer.citations[0]
            assert first.chunk.source == "handbook-zh.md", question
            assert gold in first.quote, (question, first.quote)
        # an English question still finds its English page, not the Chinese one
        english = answerer.ask("When is salary paid?")
        assert english.citations[0].chunk.source == "faq.txt"


def test_doctor_says_how_chinese_is_searched(
    sample_index: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from localqa.cli.main import cli

    monkeypatch.chdir(sample_index.home)
    result = CliRunner().invoke(
        cli, ["doctor", "--json", "--home", str(sample_index.home)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.stderr
    search = json.loads(result.stdout)["search"]
    assert search["embedding_languages"].startswith(
        "the embedding model is English-only; Chinese, Japanese and Korean text is searched"
    )
    assert search["lexical_index"] == (
        "current: CJK text indexed as character bigrams, abbreviations as words"
    )
