"""Issue 25, "tables answer", for a model: the statement of tests/test_statement_rows.py
(its total's row chunks below its header of years, in HTML, Markdown, DOCX, PDF and XLSX
written by the libraries that write them) given to the real SmolLM2-135M. The passage
that starts inside the table is shown under its header in the prompt, the support check
reads a row under the year over each figure, and a sheet's figures read once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from localqa.answering.citations import SupportChecker, check_answer
from localqa.builder import Builder
from localqa.config import Settings
from localqa.embedding.embedder import Embedder
from localqa.generation.model import LocalModel
from localqa.generation.prompt import HEADER_MARK, PackedPrompt
from localqa.ingest.loaders import open_document
from tests.test_statement_rows import FORMATS, QUESTION, ingest_statements

TOTAL_2021, TOTAL_2020 = "19,984,378", "10,230,316"


@pytest.fixture(scope="module")
def statements(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> tuple[Builder, Path]:
    return ingest_statements(tmp_path_factory, embedder)


@pytest.fixture(scope="module")
def smollm2(smollm2_gguf: Path) -> Iterator[LocalModel]:
    # one thread: llama.cpp's greedy output depends on the thread count (README)
    model = LocalModel.load(smollm2_gguf, n_ctx=2048, n_gpu_layers=0, threads=1)
    yield model
    model.close()


def _packed(
    statements: tuple[Builder, Path], model: LocalModel, suffix: str
) -> tuple[PackedPrompt, int]:
    """The prompt SmolLM2 is given for QUESTION over the statement in this format alone."""
    builder, folder = statements
    answerer = builder.answerer(builder.existing_index(), model)
    results = answerer.retriever.search(QUESTION, [str(folder / f"statement.{suffix}")]).results
    return answerer.prompt(model, QUESTION, results)


@pytest.mark.parametrize("suffix", FORMATS)
def test_the_prompt_shows_the_header_above_the_row(
    statements: tuple[Builder, Path], smollm2: LocalModel, suffix: str
) -> None:
    """The total's row is given under its years, marked as the table's header, though its
    chunk starts below the header; counted in the prompt's tokens; the source itself
    stays the chunk's own text."""
    packed, answer_tokens = _packed(statements, smollm2, suffix)
    assert packed.prompt_tokens + answer_tokens <= smollm2.n_ctx
    text = smollm2.detokenize(packed.tokens)
    blocks = [b for b in text.split("Sources:", 1)[1].split("\n\n[") if TOTAL_2021 in b]
    rows = [s.chunk.text for s in packed.sources if TOTAL_2021 in s.chunk.text]
    assert blocks and len(blocks) == len(rows)
    assert any("2021" not in row for row in rows)  # a row's chunk starts below the header
    assert any(packed.headers), packed.headers
    for block in blocks:
        name, first, *_ = block.strip().split("\n")
        assert name.endswith(f"statement.{suffix}"), block
        assert first.startswith(HEADER_MARK), block  # a header, not a row of the source
        assert "2021" in first and "2020" in first, block
        assert block.index("2021") < block.index("Total revenue"), block


@pytest.mark.parametrize("suffix", FORMATS)
def test_smollm2_answers_the_total_for_2021(
    statements: tuple[Builder, Path], smollm2: LocalModel, suffix: str
) -> None:
    """The real SmolLM2-135M (greedy, one thread), given the row under its years, answers
    with 2021's figure alone, and the answer is supported. Without the header it answered
    "The total revenue in 2021 was 10,230,316." (2020's) for Markdown and PDF; with a
    sheet's figures shown twice ("19,984,378 (19984378)") it strung both years' together."""
    builder, folder = statements
    greedy = Builder(Settings.model_validate({**builder.settings.model_dump(), "temperature": 0.0}))
    answerer = greedy.answerer(greedy.existing_index(), smollm2)
    answer = answerer.ask(QUESTION, documents=[str(folder / f"statement.{suffix}")])
    assert TOTAL_2021 in answer.text and TOTAL_2020 not in answer.text, answer.text
    assert answer.checks and all(check.supported for check in answer.checks), answer.checks


@pytest.mark.parametrize("suffix", FORMATS)
def test_the_check_reads_a_row_under_its_year(
    statements: tuple[Builder, Path], smollm2: LocalModel, embedder: Embedder, suffix: str
) -> None:
    """A sentence that names the year is supported by the row whose figure stands under
    that year, also when the header is in a passage before the row's; one that gives the
    other year's figure is not, though the row holds it and the question names the year."""
    packed, _ = _packed(statements, smollm2, suffix)
    sources = [s.chunk for s in packed.sources]
    checker = SupportChecker(embedder)

    def supported(sentence: str, question: str) -> bool:
        checks, _ = check_answer(sentence, sources, checker, question, headers=packed.headers)
        return all(check.supported for check in checks)

    assert supported(f"Total revenue in 2021 was ${TOTAL_2021}.", "What was total revenue?")
    assert supported(f"Total revenue was ${TOTAL_2020} in 2020.", "How much was total revenue?")
    # a row in the header's own passage, two rows below it (a group label between)
    assert supported("Licensing fees region 1 were 1,001 in 2021.", "What were the fees?")
    assert not supported(f"Total revenue in 2021 was ${TOTAL_2020}.", QUESTION)
    assert not supported(f"Total revenue in 2020 was ${TOTAL_2021}.", "What was total revenue?")


def test_a_sheet_shows_a_figure_once(statements: tuple[Builder, Path]) -> None:
    """A sheet's figure under "#,##0" reads as Excel shows it, once, as the other formats
    give it: not followed by its stored value, which the display gives whole."""
    _, folder = statements
    page = next(iter(open_document(folder / "statement.xlsx").pages))
    total = next(line for line in page.text.splitlines() if line.startswith("Total revenue"))
    assert total == f"Total revenue | {TOTAL_2021} | {TOTAL_2020}"
