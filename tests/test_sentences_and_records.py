"""Issue 26, kinds 2 and 3: a record (a table row, a CSV or sheet row, an inventory line)
is quotable however it is capitalised and is its own unit; a sentence ends at its full
stop in every script. Built on inputs made here; ../shared/cases 23 and 25 are in
tests/test_cases_round2_text.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from localqa.answering.citations import SupportChecker
from localqa.answering.extractive import NOTHING_FOUND, extract_answer
from localqa.builder import Builder
from localqa.config import Settings
from localqa.embedding.coverage import cjk_coverage, dense_weight, script_note
from localqa.embedding.embedder import Embedder, default_model_path
from localqa.schema import Chunk, ScoredChunk
from localqa.sentences import is_title, sentence_units, split_sentences
from tests.conftest import ingest_paths
from tests.test_cases import ask, quoted
from tests.test_loaders import make_pdf

# --------------------------------------------------------------------------- scripts

SCRIPTS = {
    "Russian": ["Правила офиса.", "Ключи от архива хранит Ольга Петровна.", "Курить запрещено."],
    "Greek": ["Κανόνες γραφείου.", "Η καντίνα ανοίγει το μεσημέρι.", "Απαγορεύεται το κάπνισμα."],  # noqa: RUF001
    "Korean": ["사무실 규칙입니다.", "구내식당은 정오에 엽니다.", "흡연은 금지되어 있습니다."],
    "Arabic": ["قواعد المكتب.", "يفتح المقصف عند الظهر.", "هل التدخين ممنوع؟", "نعم."],
    "Hebrew": ["כללי המשרד.", "המזנון נפתח בצהריים.", "העישון אסור."],
    "Hindi": ["कार्यालय के नियम।", "कैंटीन दोपहर में खुलती है।", "धूम्रपान वर्जित है।"],
    "Armenian": ["Սա առաջին նախադասությունն է։", "Սա երկրորդն է։"],  # noqa: RUF001
    "Chinese": [
        "年假制度：入职满一年的员工享有十天带薪年假。",
        "病假需要医生证明！",
        "“你知道吗？”",
        "好的。",
    ],
}


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_a_sentence_ends_at_its_full_stop_in_every_script(script: str) -> None:
    sentences = SCRIPTS[script]
    joiner = "" if script == "Chinese" else " "
    assert split_sentences(joiner.join(sentences)) == sentences


def test_english_abbreviations_numbers_and_wrapped_lines_still_hold() -> None:
    text = (
        "Contract ref. HX-4471 is signed by Dr. Cundall and P.N. Smith. The fee is 3.5 "
        "million.\nThe company was founded in\n1990 and is based in\nLondon."
    )
    assert split_sentences(text) == [
        "Contract ref. HX-4471 is signed by Dr. Cundall and P.N. Smith.",
        "The fee is 3.5 million.",
        "The company was founded in 1990 and is based in London.",
    ]


# --------------------------------------------------------------------------- records


def test_a_row_of_capitalised_names_is_a_record_not_a_title() -> None:
    row = "Name: Wilhelmina Quarshie | Department: Legal | Extension: 4400 | Room: B2-71"
    assert not is_title(row)
    assert is_title("Tidemark 5 Release Plan")  # a title is still one
    table = "Name Department Extension\nAnika Varga Payroll 4100\nBruno Novak Logistics 4103"
    table += "".join(f"\nPerson {n} Sales {4100 + n}" for n in range(5))
    assert all(record for _, record in sentence_units(table))
    assert not any(record for _, record in sentence_units("Tidemark 5 Release Plan"))


def test_inventory_lines_are_each_their_own_unit() -> None:
    inventory = "HX-220 14 pallet wrap rolls\nHX-221 3 Hex Bolt Boxes\nB-7 40 cable ties"
    assert sentence_units(inventory) == [(line, True) for line in inventory.split("\n")]
    headed = "Code Qty Item\n" + inventory
    assert split_sentences(headed) == headed.split("\n")
    # wrapped prose whose lines start with numbers is still one sentence
    prose = "The plan has\n3 stages and\n12 milestones over two years."
    assert split_sentences(prose) == [" ".join(prose.split())]


def chunk(text: str, source: str = "notes.txt") -> ScoredChunk:
    return ScoredChunk(
        Chunk(
            id=source,
            text=text,
            source=source,
            abs_path=f"/d/{source}",
            page=1,
            line_start=1,
            line_end=text.count("\n") + 1,
            char_start=0,
            char_end=len(text),
            doc_hash="h",
        ),
        1.0,
    )


def test_when_no_sentence_qualifies_the_nearest_passages_are_still_given(
    embedder: Embedder,
) -> None:
    titles = chunk("Annual Leave Policy Overview\n\nTravel And Expenses Guide")
    extract = extract_answer("How many days of annual leave?", [titles], SupportChecker(embedder))
    assert not extract.found and extract.text == NOTHING_FOUND and extract.relevance == 0.0
    assert extract.nearest and extract.nearest[0].chunk is titles.chunk


@pytest.fixture(scope="module")
def records_index(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Builder:
    folder = tmp_path_factory.mktemp("records")
    names = ["Odile Marchetti", "Ansel Kowalczyk", "Bertil Okafor", "Signe Valdivia"]
    rows = [f"{name},Facilities,{5100 + 7 * n},C{n}-20" for n, name in enumerate(names)]
    (folder / "staff.csv").write_text("Name,Department,Extension,Room\n" + "\n".join(rows) + "\n")
    (folder / "rooms.pdf").write_bytes(
        make_pdf(
            [
                "Room Bookings\n\nRoom Floor Seats\nHarbour View 3 24\nLantern Hall 1 80"
                "\nCedar Nook 2 6"
            ]
        )
    )
    (folder / "stock.txt").write_text(
        "Stock count, store room 2\n\n"
        "HX-220 14 pallet wrap rolls\nHX-221 3 hex bolt boxes\nHX-318 40 cable tie packs\n"
        "HX-402 6 safety glove pairs\n"
    )
    settings = Settings(home=tmp_path_factory.mktemp("home"))
    report = ingest_paths(settings, embedder, folder)
    assert sorted(report.added) == ["rooms.pdf", "staff.csv", "stock.txt"]
    return Builder(settings)


def test_a_capitalised_table_row_is_quoted_at_its_own_line(records_index: Builder) -> None:
    answer = ask(records_index, "What is the extension of Bertil Okafor?")
    hits = [c for c in answer.citations if c.chunk.source == "staff.csv"]
    assert hits and "Bertil Okafor" in hits[0].quote and "5114" in hits[0].quote, answer.text
    assert hits[0].chunk.quote_lines(hits[0].quote) == (4, 4)


def test_a_line_of_a_pdf_table_is_quoted_alone(records_index: Builder) -> None:
    answer = ask(records_index, "How many seats does Lantern Hall have?")
    hits = quoted(answer, "rooms.pdf")
    assert hits and hits[0][2] == "Lantern Hall 1 80", answer.text


def test_an_inventory_line_is_quoted_alone(records_index: Builder) -> None:
    answer = ask(records_index, "How many cable tie packs are there?")
    hits = quoted(answer, "stock.txt")
    assert hits and hits[0][2] == "HX-318 40 cable tie packs", answer.text
    first = next(c for c in answer.citations if c.chunk.source == "stock.txt")
    assert first.chunk.quote_lines(first.quote) == (5, 5)


# --------------------------------------------------------------------------- coverage


def test_every_script_the_embedder_does_not_cover_is_named(tmp_path: Path) -> None:
    packaged = cjk_coverage(default_model_path())
    assert {"Cyrillic", "Greek", "Arabic", "Hebrew", "Devanagari", "Thai"} <= packaged.uncovered
    russian = "Ключи от архива хранит Ольга Петровна из бухгалтерии."
    assert script_note(packaged, russian) == (
        "the embedding model is English-only; Cyrillic text is searched lexically "
        "(its model card lists en)"
    )
    assert script_note(packaged, "The archive keys are kept by Olga.") is None
    mixed = script_note(packaged, "员工手册。" + russian)
    assert mixed is not None and "Chinese text is searched lexically, as is Cyrillic" in mixed
    # searched lexically is what retrieval does: the dense channel counts for nothing there
    assert dense_weight("Кто хранит ключи?", False, packaged.uncovered) == 0.0
    assert dense_weight("Who keeps the keys?", False, packaged.uncovered) == 1.0
    # a model whose card lists Russian is trusted for Cyrillic, not for Greek
    (tmp_path / "README.md").write_text("---\nlanguage:\n- en\n- ru\n---\n", encoding="utf-8")
    listed = cjk_coverage(tmp_path)
    assert "Cyrillic" not in listed.uncovered and "Greek" in listed.uncovered
    assert script_note(listed, russian) is None
