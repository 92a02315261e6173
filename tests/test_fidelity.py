"""Every word of every document (issue 13): folded compatibility forms, joined hyphenated
words, running headers left out of quotes, one record a quotable unit, CSV rows at their
own lines, DOCX notes, spreadsheet formulas without saved values. Inputs are built here."""

from __future__ import annotations

import html
import re
import unicodedata
import zipfile
from pathlib import Path

import pytest

from localqa.answering.citations import SupportChecker
from localqa.answering.extractive import extract_answer
from localqa.ingest.loaders import open_document
from localqa.ingest.textfix import fold, join_hyphenated, repair_page, strip_furniture
from localqa.schema import Chunk, Page, ocr_page_kind
from localqa.sentences import split_sentences
from localqa.text import SOFT_LINE, lexical_support, words
from tests.support.contexts import context

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

# --------------------------------------------------------------------------- text repairs


def test_compatibility_forms_fold_line_by_line() -> None:
    text = "The \ufb01nancial o\ufb03ce\n\uff21\uff22\uff23\uff11 ok\nco\u00adoperate"
    assert fold(text) == "The financial office\nABC1 ok\ncooperate"
    assert words("\ufb01scal \uff26\uff49\uff53\uff43\uff41\uff4c") == ["fiscal", "fiscal"]


def test_punctuation_keeps_the_documents_own_form() -> None:
    # full-width punctuation is what Chinese is written with: quoted as it stands, while
    # search folds it (words) and full-width letters, digits and "TM" still fold
    line = "年假制度：入职满一年，享有十天年假（带薪）……\uff5e \uff21\uff11 \u2122 \u2460\u3000x"
    assert fold(line) == "年假制度：入职满一年，享有十天年假（带薪）……\uff5e A1 TM 1 x"
    assert words(fold(line)) == words(unicodedata.normalize("NFKC", line))  # search: same
    assert split_sentences(fold("好！走吧。再见？")) == ["好！", "走吧。", "再见？"]


def test_powers_indices_and_fractions_keep_their_form() -> None:
    # folded, "10²" would be quoted as "102" and "10⁻³" as "10-3": a superscript, subscript
    # or fraction of digits or signs, or a unit made of one (㎡), keeps its form; search
    # folds it as before. CMRC 2018's "1.601 km²" was quoted as "km2" (docs/BENCHMARKS-LOG.md)
    line = "面积1.601 km²，10⁻³ m，H₂O，1½ 杯，100㎡ \u2122 \uff21"
    assert fold(line) == "面积1.601 km²，10⁻³ m，H₂O，1½ 杯，100㎡ TM A"
    assert fold("E = mc²\nx¹ + x²") == "E = mc²\nx¹ + x²"
    assert words(fold(line)) == words(unicodedata.normalize("NFKC", line))  # search: same
    assert "km2" in words("面积1.601 km²")


def test_hyphenated_line_ends_join_on_the_first_line() -> None:
    text = "The compres-\nsors are overhauled by Kelvara Techni-\ncal Services."
    assert join_hyphenated(text) == (
        "The compressors\nare overhauled by Kelvara Technical\nServices."
    )


def test_compounds_keep_their_hyphen() -> None:
    # a known compound head, the compound seen elsewhere, a capitalised or numeric tail
    assert join_hyphenated("a well-\nknown fact") == "a well-known\nfact"
    text = "the cold-store key\nopens the cold-\nstore"
    assert join_hyphenated(text).split("\n")[1] == "opens the cold-store"
    assert join_hyphenated("Anglo-\nSaxon") == "Anglo-\nSaxon"
    assert join_hyphenated("COVID-\n19") == "COVID-\n19"


def test_a_soft_hyphen_at_a_line_end_joins_its_word_on_the_first_line() -> None:
    page = repair_page(
        Page(number=1, text="The compres\u00ad\nsors run. A well\u00ad\nknown co\u00adop.")
    )
    assert page.text == "The compressors\nrun. A wellknown\ncoop."


def test_repair_keeps_line_count_and_heading_lines() -> None:
    page = Page(1, "Intro\n\ufb01rst compres-\nsors\nSe\ufb03ng", headings=((25, "Se\ufb03ng"),))
    repaired = repair_page(page)
    assert repaired.text.count("\n") == page.text.count("\n")
    assert repaired.text == "Intro\nfirst compressors\n\nSeffing"
    [(offset, title)] = repaired.headings
    assert repaired.text[offset:].startswith("Seffing") and title == "Seffing"


def test_running_headers_and_page_numbers_are_blanked() -> None:
    body = ["All legislative Powers", "The House of", "No Person shall", "Each House", "The"]
    tail = ["shall be vested", "Representatives", "be a Senator", "shall be the", "Senate"]
    pages = [
        Page(n, f"C O N S T I T U T I O N\n{body[n - 1]}\n{tail[n - 1]}\nPage {n} of 5")
        for n in range(1, 6)
    ]
    cleaned = list(strip_furniture(iter(pages)))
    for before, after in zip(pages, cleaned, strict=True):
        assert after.text.count("\n") == before.text.count("\n")
        lines = after.text.split("\n")
        assert lines[0] == "" and lines[-1] == "" and lines[1:3] == before.text.split("\n")[1:3]


def test_a_one_page_document_keeps_its_running_header_once() -> None:
    body = "\n".join(
        f"GALAXY GAMING, INC.\nStatement {n} of the year.\n2021 | 2020 |" for n in range(6)
    )
    [page] = strip_furniture(iter([Page(1, body)]))
    lines = page.text.split("\n")
    assert len(lines) == 18 and lines.count("GALAXY GAMING, INC.") == 1
    assert lines.count("2021 | 2020 |") == 6  # table rows are content


def test_furniture_needs_most_pages() -> None:
    pages = [Page(1, "Title\nA"), Page(2, "Other\nB"), Page(3, "Title\nC"), Page(4, "X\nD")]
    pages += [Page(5, "Y\nE"), Page(6, "Z\nF")]
    assert [p.text for p in strip_furniture(iter(pages))] == [p.text for p in pages]


# --------------------------------------------------------------------------- records


def test_one_record_per_line_is_its_own_sentence() -> None:
    inventory = (
        "Pump P-7: 4 units, shelf B2\nValve V-3: 12 units, shelf A1\nSeal S-9: 40 units, bin 4"
    )
    assert split_sentences(inventory) == inventory.split("\n")
    rows = "ticket | owner\nticket: T-1 | owner: Ana\nticket: T-2 | owner: Bo"
    assert split_sentences(rows) == rows.split("\n")


def test_wrapped_prose_is_not_split_at_line_ends() -> None:
    prose = "The company was founded in\n1990 and is based in\nLondon. It grew."
    assert split_sentences(prose) == [
        "The company was founded in 1990 and is based in London.",
        "It grew.",
    ]


def test_a_card_is_quoted_whole_and_a_long_list_a_line_at_a_time() -> None:
    # a slide's card: "who owns Beta?" is answered by the lines together, not by one
    card = "Milestone Beta\nOwner: Lars Jensen\nDue date 30 September\nStatus at risk\n"
    assert split_sentences(card) == [" ".join(card.split())]
    # more lines than a card, none ending a sentence: each line on its own
    rows = [f"Room {n} seats {n * 4}" for n in range(1, 8)]
    assert split_sentences("Meeting Rooms\n" + "\n".join(rows)) == ["Meeting Rooms", *rows]
    # three wrapped lines of one sentence still end it on the last line
    wrapped = "The release plan was\nPresented to the council\nBy the team in May."
    assert split_sentences(wrapped) == [" ".join(wrapped.split())]


def test_a_numbered_heading_is_not_glued_to_the_sentence_below() -> None:
    page = (
        "3. Parental Leave and Family Matters\nWe want new parents to spend time with their "
        "child.\nEvery employee is entitled to 18 weeks\nof parental leave."
    )
    assert split_sentences(page) == [
        "3. Parental Leave and Family Matters",
        "We want new parents to spend time with their child.",
        "Every employee is entitled to 18 weeks of parental leave.",
    ]
    markdown = "## 1. Scope\nThis policy applies to all employees.\n1. Alcohol is not paid."
    assert split_sentences(markdown) == [
        "## 1. Scope",
        "This policy applies to all employees.",
        "1. Alcohol is not paid.",
    ]
    # a short line of prose that is no title stays with the next
    assert split_sentences("We pay salary on\nThe 20th.") == ["We pay salary on The 20th."]


# --------------------------------------------------------------------------- CSV


def test_csv_rows_stand_on_their_own_file_lines(tmp_path: Path) -> None:
    path = tmp_path / "tickets.csv"
    path.write_text(
        'ticket,owner,notes\nT-1,Rasmus,"Printer jams.\nReplaced roller.\nClosed."\n'
        "T-2,Chiara,Badge reader rejects new cards.\n",
        encoding="utf-8",
    )
    [page] = list(open_document(path).pages)
    lines = page.text.split("\n")
    assert lines[4].startswith("ticket: T-2") and "Badge reader" in lines[4]
    assert lines[1].startswith("ticket: T-1") and lines[2] == lines[3] == ""


# --------------------------------------------------------------------------- DOCX


def _part(root: str, body: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><w:{root} xmlns:w="{W_NS}">{body}</w:{root}>'


def _p(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def test_docx_notes_headers_and_comments_are_read(tmp_path: Path) -> None:
    body = (
        "<w:body><w:p><w:r><w:t>The tenant may end the lease early.</w:t></w:r>"
        '<w:r><w:footnoteReference w:id="2"/></w:r></w:p>'
        '<w:p><w:r><w:br w:type="page"/></w:r></w:p>' + _p("Rent is paid monthly.") + "</w:body>"
    )
    separator = (
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
    )
    path = tmp_path / "lease.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", _part("document", body))
        archive.writestr(
            "word/footnotes.xml",
            _part(
                "footnotes",
                separator + f'<w:footnote w:id="2">{_p("Four months notice.")}</w:footnote>',
            ),
        )
        archive.writestr(
            "word/endnotes.xml",
            _part("endnotes", f'<w:endnote w:id="1">{_p("See annex B.")}</w:endnote>'),
        )
        archive.writestr("word/header1.xml", _part("hdr", _p("Contract ref. HX-4471")))
        archive.writestr("word/footer1.xml", _part("ftr", _p("Confidential")))
        archive.writestr(
            "word/comments.xml",
            _part(
                "comments",
                f'<w:comment w:id="0" w:author="J. Doe">{_p("Check the fee.")}</w:comment>',
            ),
        )
    first, second = list(open_document(path).pages)
    assert first.text.split("\n")[-1] == "Footnote 1: Four months notice."
    assert second.text.split("\n") == [
        "Rent is paid monthly.",
        "",
        "Endnote 1: See annex B.",
        "Header: Contract ref. HX-4471",
        "Footer: Confidential",
        "Comment (J. Doe): Check the fee.",
    ]


# --------------------------------------------------------------------------- XLSX


def test_formulas_without_saved_values_are_computed(tmp_path: Path) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Budget"
    sheet.append(["item", "quantity", "unit price", "line total"])
    sheet.append(["folding chairs", 120, 7.5, "=B2*C2"])
    sheet.append(["marquee", 2, 640, "=B3*C3"])
    sheet.append(["grand total", None, None, "=SUM(D2:D3)"])
    sheet.append(["broken", None, None, "=NOSUCHFUNCTION(1)"])
    path = tmp_path / "budget.xlsx"
    workbook.save(path)  # openpyxl saves no computed values
    document = open_document(path)
    [page] = list(document.pages)
    lines = ["", *page.text.split("\n")]  # line n is row n
    assert lines[2] == "item: folding chairs | quantity: 120 | unit price: 7.5 | line total: 900"
    assert lines[4] == "item: grand total | line total: 2180"
    assert lines[5] == "item: broken | line total: =NOSUCHFUNCTION(1)"
    [warning] = document.warnings
    assert warning.startswith("4 formula cells had no saved value; 3 computed; 1 kept")


# --------------------------------------------------------------------------- OCR marks


def test_ocr_chunks_say_so_in_their_citation() -> None:
    chunk = Chunk(
        "i",
        "t",
        "scan.pdf",
        "/x/scan.pdf",
        2,
        1,
        3,
        0,
        1,
        "d",
        page_kind=ocr_page_kind("page", 0.9312),
    )
    assert chunk.kind == "page" and chunk.ocr_confidence == pytest.approx(0.93)
    assert chunk.location() == "scan.pdf, page 2 (OCR text, confidence 0.93), lines 1-3"
    plain = Chunk("i", "t", "a.pdf", "/x/a.pdf", 2, 1, 3, 0, 1, "d")
    assert plain.ocr_confidence is None and plain.location() == "a.pdf, page 2, lines 1-3"


# --------------------------------------------------------------------------- HTML lines


def test_html_text_stands_on_the_lines_of_the_file(tmp_path: Path) -> None:
    markup = (
        "<html><head><title>Boiler manual</title></head>\n<body>\n<h1>Boiler manual</h1>\n"
        "<p>The boiler is\nserviced every March.</p><p>Next<br>two</p>\n"
        "<table><tr><td>a</td><td>b</td></tr>\n<tr><td>Pump</td><td>four units</td></tr></table>\n"
        "<p>Last &amp; final words.</p></body></html>"
    )
    path = tmp_path / "manual.html"
    path.write_text(markup, encoding="utf-8")
    [page] = list(open_document(path).pages)
    lines = page.text.split("\n")
    assert lines[2] == "Boiler manual" and page.headings == (
        (page.text.index("Boiler"), "Boiler manual"),
    )
    assert lines[3] == "The boiler is serviced every March."
    # a <br> on the same line of the file shares it, and still ends a sentence
    assert lines[4] == f"Next{SOFT_LINE}two" and split_sentences(lines[4]) == ["Next", "two"]
    assert lines[5:] == ["a | b", "Pump | four units", "Last & final words."]


@pytest.mark.parametrize(
    "name", ["privategpt/reader_files/file.html", "unstructured/html/example-with-scripts.html"]
)
def test_real_html_text_stands_on_the_file_lines_that_hold_it(shared_dir: Path, name: str) -> None:
    # file.html is one line of 8 KB (72 lines of text); the other spreads blocks, links and
    # scripts over 1,174 lines: each line of text is on a line of the file holding its words
    path = shared_dir / "corpus" / name
    file_lines = path.read_text(encoding="utf-8", errors="replace").split("\n")
    [page] = list(open_document(path).pages)
    text_lines = page.text.split("\n")
    assert len(text_lines) <= len(file_lines)
    placed = 0
    for number, line in enumerate(text_lines, start=1):
        visible = html.unescape(re.sub(r"<[^>]*>", " ", file_lines[number - 1]))
        for piece in line.split(SOFT_LINE):
            first = re.findall(r"[^\W_]+", piece)[:1]
            assert all(word in re.findall(r"[^\W_]+", visible) for word in first), (number, piece)
            placed += bool(first)
    assert placed > 70


# --------------------------------------------------------------------------- abbreviations


def test_an_abbreviation_with_its_full_stop_counts_as_the_word() -> None:
    question = "What is the contract reference?"
    assert lexical_support(question, "Header: Contract ref. HX-4471 / confidential") == 1.0
    assert lexical_support(question, "The reference rate is set monthly.") == 0.5
    assert lexical_support("Which department pays?", "Dept. of Finance pays.") == 1.0
    # only with its full stop, and not words that also end sentences ("no.")
    assert lexical_support(question, "contract ref HX-4471") == 0.5
    assert lexical_support("What is the order number?", "He said no. The order stands.") == 0.5


def test_the_abbreviated_answer_outranks_passages_sharing_one_word_each() -> None:
    # corpus + cases in one index: four chunks of a 10-K ranked above the lease, each
    # holding "contract" or "reference", used to be quoted instead of its header
    annual = [
        "LIBOR will no longer serve as a reference rate for bank loans after this year.",
        "Amounts billed in advance are recorded as contract liabilities of the company.",
        "Revenue from each contract is recognised as performance obligations are met.",
        "Unless the context indicates otherwise, references to the company mean Galaxy.",
    ]
    lease = (
        "The tenant may terminate the lease early under the conditions agreed.\n"
        "Header: Contract ref. HX-4471 / confidential"
    )
    contexts = [context(f"k{i}", s) for i, s in enumerate(annual)] + [context("lease", lease)]
    extract = extract_answer("What is the contract reference?", contexts, SupportChecker(None))
    assert extract.quotes[0] == "Header: Contract ref. HX-4471 / confidential"
    assert extract.citations[0].chunk.source == "lease.txt"


def test_a_title_is_never_quoted_as_an_answer() -> None:
    # a section's title holds most of the question's words and says nothing; the
    # sentence below it answers
    section = (
        "Tidemark 5 Release Plan\nThe programme codename is Skarv.\n"
        "It is the next generation of the depth logger."
    )
    question = "What is the programme codename of the Tidemark 5 release?"
    extract = extract_answer(question, [context("plan", section)], SupportChecker(None))
    assert "Tidemark 5 Release Plan" not in extract.quotes
    assert extract.quotes[0] == "The programme codename is Skarv."


def test_the_questions_specific_words_outweigh_its_common_ones() -> None:
    # corpus + cases in one index: a handbook sentence holding "provides" and "services"
    # was quoted above the case's "Kelvara Technical Services"; both hold half the words,
    # but in the index "technical" is rare and "provides" common (BM25 idf, as measured)
    contexts = [
        context("handbook", "Section E provides guidance on the approval of outside services."),
        context("store", "The compressors are overhauled by Kelvara Technical Services."),
    ]
    question = "Which company provides technical services?"
    rarity = {"company": 2.9, "provides": 1.8, "technical": 4.9, "services": 2.7}
    checker = SupportChecker(None)
    flat = extract_answer(question, contexts, checker, weights=dict.fromkeys(rarity, 1.0))
    assert flat.citations[0].chunk.source == "handbook.txt"  # a tie, broken by rank
    weighted = extract_answer(question, contexts, checker, weights=rarity)
    assert weighted.quotes[0] == "The compressors are overhauled by Kelvara Technical Services."
