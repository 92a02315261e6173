"""`localqa ask` on the real pipeline: extractive by default, generative with a real
llama.cpp model (tiny, random weights: the text is noise, the mechanics are real)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from localqa.answering.answer import Final, Token
from localqa.answering.answerer import Answerer
from localqa.builder import Builder
from localqa.config import Settings
from localqa.generation.model import LocalModel
from tests.conftest import REPO

QUESTIONS = [json.loads(line) for line in (REPO / "tests/sample_questions.jsonl").open()]


@pytest.fixture(scope="module")
def extractive(sample_index: Settings) -> Answerer:
    builder = Builder(sample_index)
    return builder.answerer(builder.existing_index())


def test_extractive_answers_cite_the_right_file_and_page(extractive: Answerer) -> None:
    misses = []
    for case in QUESTIONS:
        answer = extractive.ask(case["question"])
        assert answer.mode == "extractive" and answer.text.startswith("Extracted passages")
        [evidence] = case["evidence"]
        cited = [(c.chunk.source, c.chunk.page) for c in answer.citations]
        gold = case["answers"][0].lower()
        quoted = any(
            gold in c.quote.lower() or gold in c.chunk.text.lower() for c in answer.citations
        )
        if (evidence["source"], evidence["page"]) not in cited or not quoted:
            misses.append((case["id"], cited))
    # measured 23/25 on 2026-11-23; the floor leaves room for ranking noise, not for regressions
    assert len(misses) <= 3, misses


def test_every_citation_quotes_its_chunk(extractive: Answerer) -> None:
    answer = extractive.ask("What is the sea duty supplement per day?")
    for citation in answer.citations:
        assert " ".join(citation.quote.split()) in " ".join(citation.chunk.text.split())
        assert f"[{citation.number}]" in answer.text
    assert [c.number for c in answer.citations] == list(range(1, len(answer.citations) + 1))


def test_cli_json_shape(sample_index: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from localqa.cli.main import cli

    monkeypatch.setenv("LOCALQA_HOME", str(sample_index.home))
    monkeypatch.chdir(sample_index.home)
    result = CliRunner().invoke(cli, ["ask", "Who is the release manager?", "--json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["mode"] == "extractive" and data["answer"]
    for citation in data["citations"]:
        assert set(citation) >= {"source", "page", "lines", "quote", "score", "quote_lines"}
        first, last = citation["lines"]
        assert first <= citation["quote_lines"][0] <= citation["quote_lines"][1] <= last
    assert data["contexts"] and set(data["contexts"][0]) >= {"source", "page", "text"}
    assert "embed_ms" in data["timings"]
    empty = CliRunner().invoke(cli, ["ask", "  ?  "])
    assert empty.exit_code == 2 and "question is empty" in empty.stderr  # a usage error


def test_generative_answer_streams_and_fits_the_context(
    sample_index: Settings,
    tiny_model: LocalModel,
) -> None:
    builder = Builder(sample_index)
    answerer = builder.answerer(builder.existing_index(), tiny_model)
    events = list(answerer.stream("How long is parental leave?"))
    final = events[-1]
    assert isinstance(final, Final) and final.answer.mode == "generative"
    answer = final.answer
    tokens = [e.text for e in events[:-1] if isinstance(e, Token)]
    assert len(tokens) == len(events) - 1 > 1  # tokens, then exactly one Final
    assert answer.text.strip() in "".join(tokens)
    assert answer.contexts and answer.gpu_layers == 0
    assert answer.timings["prompt_tokens"] + sample_index.answer_tokens <= tiny_model.n_ctx
    data = answer.as_json()
    assert data["model"] and data["gpu_layers"] == 0 and "tokens_per_s" in data["timings"]
    # random weights write noise: it must not be presented as grounded
    assert not answer.grounded


def test_cancel_keeps_the_partial_answer(
    sample_index: Settings,
    tiny_model: LocalModel,
) -> None:
    builder = Builder(sample_index)
    answerer = builder.answerer(builder.existing_index(), tiny_model)
    stop = threading.Event()
    seen = 0
    final = None
    for event in answerer.stream("What is the per diem in Oslo?", stop=stop):
        if isinstance(event, Final):
            final = event.answer
        else:
            seen += 1
            if seen == 3:
                stop.set()
    assert final is not None and final.cancelled
    assert final.timings["generated_tokens"] <= 4


def test_cli_generative_with_model_flag(
    sample_index: Settings,
    tiny_gguf: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from localqa.cli.main import cli

    monkeypatch.setenv("LOCALQA_HOME", str(sample_index.home))
    monkeypatch.setenv("LOCALQA_N_CTX", "1024")
    monkeypatch.setenv("LOCALQA_ANSWER_TOKENS", "16")
    result = CliRunner().invoke(
        cli, ["ask", "Where is Halifax?", "--model", str(tiny_gguf), "--json"]
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["mode"] == "generative" and data["model"] == str(tiny_gguf)
    assert "layers on the GPU" in result.stderr
    counts = [data["timings"][k] for k in ("prompt_tokens", "generated_tokens")]
    assert all(type(n) is int and n > 0 for n in counts), data["timings"]  # counts, not 12.0
    bad = CliRunner().invoke(cli, ["ask", "x y z", "--model", str(REPO / "README.md")])
    assert bad.exit_code == 1 and "README.md" in bad.stderr and bad.stderr.count("\n") == 1


def test_extract_quotes_are_its_bullets_best_first() -> None:
    from localqa.answering.citations import SupportChecker
    from localqa.answering.extractive import extract_answer
    from tests.support.contexts import context

    contexts = [
        context("a", "The office opens at eight every weekday. Lunch is served at noon daily."),
        context("b", "The harbour crane lifts forty tonnes at most. It was painted blue in May."),
    ]
    question = "How many tonnes does the harbour crane lift?"
    extract = extract_answer(question, contexts, SupportChecker(None))
    assert extract.quotes[0] == "The harbour crane lifts forty tonnes at most."
    bullets = [line[2:].rsplit(" [", 1)[0] for line in extract.text.splitlines()[1:]]
    assert list(extract.quotes) == bullets


def test_cli_source_restricts_the_answer(
    sample_index: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from localqa.cli.main import cli

    monkeypatch.setenv("LOCALQA_HOME", str(sample_index.home))
    monkeypatch.chdir(sample_index.home)
    result = CliRunner().invoke(
        cli, ["ask", "When is salary paid?", "--source", "northwind-handbook.pdf", "--json"]
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert {c["source"] for c in data["contexts"]} == {"northwind-handbook.pdf"}
    missing = CliRunner().invoke(cli, ["ask", "x y z", "--source", "nope.pdf"])
    assert missing.exit_code == 1 and "nope.pdf is not in the index" in missing.stderr
