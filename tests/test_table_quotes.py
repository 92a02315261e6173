"""Which table row the extractive answer quotes (issue 25, round 2): a row that answers
another column than the one asked for ranks below a sentence that answers it, and a
header of column names is quoted with the row under it, also when that row is in the
next chunk. By hand without an embedder, and with real MiniLM over the steelJIS datasheet
(HTML) of ../shared/corpus."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from localqa.answering.header_rows import with_rows
from localqa.answering.tables import column_share, headed_units, off_column
from localqa.builder import Builder
from localqa.config import Settings
from localqa.embedding.embedder import Embedder
from localqa.schema import JOINED, Chunk
from tests.conftest import ingest_paths
from tests.support.contexts import context

OFFICES = "Office | Reception hours (local time) | Phone"
ABERDEEN = f"{OFFICES}{JOINED}Aberdeen | 08:30 - 17:00 | +44 1224 000 410"
HEADER = "Assortment | Yield point or Proof stress | Tensile strength | Elongation"
UNITS = "- | N/mm 2 | N/mm 2 | %"
ROW = "Bars | 890 | 1000 | 12 |"
STEEL = "What is the tensile strength of SNB22-3?"


def test_a_row_of_other_columns_than_the_one_asked_for() -> None:
    assert off_column("What is the address of the office in Aberdeen?", ABERDEEN)
    assert off_column("What daily meal allowance do I get in Aberdeen?", ABERDEEN)
    assert not off_column("What is the phone number of the Aberdeen office?", ABERDEEN)
    assert not off_column("When does reception open in Aberdeen?", ABERDEEN)
    assert not off_column("Aberdeen office?", ABERDEEN)  # nothing asked of it: no verdict
    assert not off_column("What is the address of the office in Aberdeen?", "Aberdeen | 08:30")


def test_the_column_the_question_names() -> None:
    assert column_share(STEEL, f"{HEADER}{JOINED}{UNITS}{JOINED}{ROW}") == 1.0
    assert column_share("What is the elongation of SNB22-3?", f"{HEADER}{JOINED}{ROW}") == 1.0
    assert column_share("What is SNB22-3?", f"{HEADER}{JOINED}{ROW}") == 0.0
    assert column_share(STEEL, ROW) == 0.0


def _page(text: str, cut: int) -> tuple[Chunk, Chunk]:
    """Two chunks of one page of `text`, the second from character `cut` on."""
    whole = context("steel", text).chunk
    first = replace(whole, id="a", text=text[:cut], char_end=cut)
    second = replace(whole, id="b", text=text[cut:], char_start=cut, line_start=3, line_end=5)
    return first, second


def test_a_header_is_quoted_with_the_row_under_it_from_the_next_chunk() -> None:
    text = f"Properties of SNB22-3\n{HEADER}\n{UNITS}\n\n{ROW}\n\nHardness of SNB22-3"
    first, second = _page(text, text.index(ROW))

    def neighbours(chunk: Chunk) -> tuple[Chunk | None, Chunk | None]:
        return (None, second) if chunk.id == "a" else (first, None)

    alone = headed_units(first, neighbours)
    assert HEADER in [unit for unit, _, _ in alone]  # the header alone says no value
    found = with_rows(alone, first, neighbours)
    quoted = [(unit, chunk) for unit, _, chunk in found if unit.startswith(HEADER)]
    assert quoted[0][0] == JOINED.join([HEADER, UNITS, ROW])
    assert quoted[0][1].id == "a+b" and ROW in quoted[0][1].text  # cited from both chunks
    assert with_rows(alone, first, None) == alone  # no index to read on from


@pytest.fixture(scope="module")
def steel(
    shared_dir: Path, embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> Builder:
    found = sorted((shared_dir / "corpus").rglob("*steelJIS*.html"))
    if not found:
        pytest.skip(f"no steelJIS datasheet in {shared_dir / 'corpus'}")
    folder = tmp_path_factory.mktemp("steel")
    shutil.copy(found[0], folder)
    settings = Settings(home=tmp_path_factory.mktemp("home"))
    assert not ingest_paths(settings, embedder, folder).failed
    return Builder(settings)


def test_the_tensile_strength_row_is_quoted_first(steel: Builder) -> None:
    """The header and its units row end one chunk; "Bars | 890 | 1000 | ..." starts the
    next: the first quote was the header alone, or a legend's "Tensile strength / ..."."""
    answer = steel.answerer(steel.existing_index()).ask(STEEL)
    first = answer.citations[0].quote
    assert "Tensile strength" in first and "Bars | 890 | 1000" in first, first
