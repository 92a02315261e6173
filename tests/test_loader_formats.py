"""More formats people keep (issue 26): e-mail (.eml, .mbox), Jupyter notebooks,
OpenDocument text and RTF, each built here; and the advice for formats still skipped."""

from __future__ import annotations

import json
import mailbox
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pytest

from localqa.ingest.loaders import SUPPORTED_SUFFIXES, open_document
from localqa.ingest.loaders.base import LoadError, UnsupportedFile
from localqa.schema import Chunk
from tests.test_loaders import load, write


def test_new_formats_are_supported() -> None:
    assert {".eml", ".mbox", ".ipynb", ".odt", ".rtf"} <= SUPPORTED_SUFFIXES


# --------------------------------------------------------------------------- e-mail


def message(subject: str, sender: str, body: str, html: bool = False) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = subject
    mail["From"] = sender
    mail["To"] = "team@example.org"
    mail["Date"] = "Mon, 07 Dec 2026 10:00:00 +0000"
    mail.set_content(body, subtype="html" if html else "plain")
    return mail


def test_eml_html_body_headers_and_attachments(tmp_path: Path) -> None:
    mail = message(
        "Büro move — Friday",  # encoded in the header as RFC 2047
        "Office Manager <office@example.org>",
        "<html><body><p>The archive moves to room&nbsp;<b>4.12</b> on Friday.</p>"
        "<script>track()</script></body></html>",
        html=True,
    )
    mail.add_attachment(
        b"desk,owner\nD1,Ines\nD2,Omar\n", maintype="text", subtype="csv", filename="desks.csv"
    )
    mail.add_attachment(b"\x89PNG\r\n\x1a\n", maintype="image", subtype="png", filename="logo.png")
    forwarded = message("Keys", "Ines <ines@example.org>", "Keys are at the front desk.")
    mail.add_attachment(forwarded)  # a message attached to the message
    path = write(tmp_path, "move.eml", mail.as_bytes())

    document, pages = load(path)
    assert document.title == "Büro move — Friday"
    assert document.page_kind == "page"
    first = pages[0].text.split("\n")
    assert first[:3] == [
        "Subject: Büro move — Friday",
        "From: Office Manager <office@example.org>",
        "To: team@example.org",
    ]
    assert "Attachments: desks.csv, logo.png, message-3.eml" in first
    assert "The archive moves to room 4.12 on Friday." in first  # the HTML's text
    assert "track()" not in pages[0].text and "<p>" not in pages[0].text
    # attached documents follow as pages of their own, headed by their name
    assert pages[1].text.startswith("Attachment: desks.csv, page 1\n")
    assert "D2" in pages[1].text and "Omar" in pages[1].text
    assert pages[1].headings[0] == (0, "Attachment: desks.csv")
    assert pages[2].text.startswith("Attachment: message-3.eml, page 1\nSubject: Keys\n")
    assert "Keys are at the front desk." in pages[2].text
    assert [page.number for page in pages] == [1, 2, 3]
    (warning,) = document.warnings
    assert warning.startswith("1 attachment listed by name only (logo.png: image file;")


def test_eml_quoted_printable_is_decoded(tmp_path: Path) -> None:
    raw = (
        b"Subject: Lift\r\nFrom: a@example.org\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: text/plain; charset="utf-8"\r\n'
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        b"Out of service from 9 to 11 December whi=\r\nle the cables are replaced. Caf=C3=A9.\r\n"
    )
    _, pages = load(write(tmp_path, "lift.eml", raw))
    assert "from 9 to 11 December while the cables are replaced. Café." in pages[0].text


def test_mbox_messages_are_pages(tmp_path: Path) -> None:
    path = tmp_path / "board.mbox"
    box = mailbox.mbox(path)
    box.add(message("Budget", "Treasurer <t@example.org>", "The budget is 41,000 euros."))
    second = message("Minutes", "Secretary <s@example.org>", "Minutes attached.")
    second.add_attachment("Item 4: the roof is repaired in June.", filename="minutes.txt")
    box.add(second)
    box.flush()
    box.close()

    document, pages = load(path)
    assert document.page_kind == "message"
    assert [page.number for page in pages] == [1, 2]
    assert pages[0].text.startswith("Subject: Budget\nFrom: Treasurer <t@example.org>\n")
    assert "The budget is 41,000 euros." in pages[0].text
    assert pages[0].headings == ((0, "Budget"),)
    assert "Minutes attached." in pages[1].text
    at = pages[1].text.index("Attachment: minutes.txt\nItem 4: the roof is repaired in June.")
    assert pages[1].headings == ((0, "Minutes"), (at, "Attachment: minutes.txt"))


def test_a_file_that_is_not_a_mailbox(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="not an mbox mailbox"):
        list(open_document(write(tmp_path, "notes.mbox", "just some text\n")).pages)


def test_message_kind_reads_well_in_a_citation() -> None:
    chunk = Chunk(
        "id", "text", "board.mbox", "/x/board.mbox", 2, 4, 6, 0, 4, "d", page_kind="message"
    )
    assert chunk.location() == "board.mbox, message 2, lines 4-6"


# --------------------------------------------------------------------------- notebooks


def test_notebook_cells_are_pages_with_text_outputs(tmp_path: Path) -> None:
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Yields\n", 'Plot "A".']},
            {
                "cell_type": "code",
                "metadata": {},
                "execution_count": 3,
                "source": ["for plot in plots:\n", "    print(plot.name)\n", "total"],
                "outputs": [
                    {"output_type": "stream", "name": "stdout", "text": ["north\n", "south\n"]},
                    {
                        "output_type": "execute_result",
                        "execution_count": 3,
                        "metadata": {},
                        "data": {"text/plain": ["1874 kg"]},
                    },
                ],
            },
            {
                "cell_type": "code",
                "metadata": {},
                "execution_count": 4,
                "source": "chart()",
                "outputs": [
                    {
                        "output_type": "display_data",
                        "metadata": {},
                        "data": {
                            "image/png": "iVBORw0KGgoAAAANSUhEUg==",
                            "text/plain": ["<Figure size 640x480 with 1 Axes>"],
                        },
                    },
                    {
                        "output_type": "error",
                        "ename": "KeyError",
                        "evalue": "'east'",
                        "traceback": ["\u001b[0;31mKeyError\u001b[0m: 'east'"],
                    },
                ],
            },
            {"cell_type": "raw", "metadata": {}, "source": "appendix"},
        ],
    }
    document, pages = load(write(tmp_path, "yields.ipynb", json.dumps(notebook)))
    assert document.page_kind == "cell"
    assert [page.text for page in pages] == [
        '# Yields\nPlot "A".',
        "for plot in plots:\n    print(plot.name)\ntotal\nnorth\nsouth\nOut[3]: 1874 kg",
        "chart()\nKeyError: 'east'",
        "appendix",
    ]
    assert pages[0].headings == ((0, "Yields"),)
    assert "iVBOR" not in "".join(page.text for page in pages)
    chunk = Chunk("id", "t", "yields.ipynb", "/y", 2, 6, 6, 0, 1, "d", page_kind="cell")
    assert chunk.location() == "yields.ipynb, cell 2, line 6"  # "Out[3]: 1874 kg"


def test_broken_notebook_is_a_load_error(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="not a valid Jupyter notebook"):
        open_document(write(tmp_path, "half.ipynb", '{"cells": [{"cell_type": '))


# --------------------------------------------------------------------------- ODT and RTF

_ODT_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"'
)


def make_odt(path: Path, body: str, title: str = "") -> Path:
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODT_NS}>'
        f"<office:automatic-styles/><office:body><office:text>{body}</office:text>"
        "</office:body></office:document-content>"
    )
    meta = (
        f'<?xml version="1.0"?><office:document-meta {_ODT_NS}><office:meta>'
        f"<dc:title>{title}</dc:title></office:meta></office:document-meta>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content)
        archive.writestr("meta.xml", meta)
    return path


def test_odt_headings_tables_notes_and_pages(tmp_path: Path) -> None:
    cell = "<table:table-cell><text:p>{}</text:p></table:table-cell>"
    body = (
        '<text:h text:outline-level="1">Tool store</text:h>'
        '<text:p>Open<text:s text:c="2"/>daily<text:tab/>08:00'
        '<text:note text:note-class="footnote"><text:note-citation>1</text:note-citation>'
        "<text:note-body><text:p>Closed on public holidays.</text:p></text:note-body></text:note>"
        "</text:p>"
        "<table:table><table:table-row>"
        + cell.format("Tool")
        + cell.format("Shelf")
        + "</table:table-row><table:table-row>"
        + cell.format("drill")
        + '<table:table-cell table:number-rows-spanned="2"><text:p>S4</text:p></table:table-cell>'
        + "</table:table-row><table:table-row>"
        + cell.format("saw")
        + "<table:covered-table-cell/></table:table-row></table:table>"
        "<text:list><text:list-item><text:p>sign the book</text:p></text:list-item></text:list>"
        "<text:p><text:soft-page-break/>Return tools by 17:00.</text:p>"
    )
    document, pages = load(make_odt(tmp_path / "store.odt", body, title="Tool store rules"))
    assert document.title == "Tool store rules"
    assert [page.text for page in pages] == [
        "Tool store\nOpen  daily\t08:00\nTool | Shelf\ndrill | S4\nsaw | S4\nsign the book\n"
        "[1] Closed on public holidays.",
        "Return tools by 17:00.",
    ]
    assert pages[0].headings == ((0, "Tool store"),)


def test_odt_with_a_password_is_refused(tmp_path: Path) -> None:
    path = make_odt(tmp_path / "secret.odt", "<text:p>x</text:p>")
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("META-INF/manifest.xml", "<manifest:encryption-data/>")
    with pytest.raises(LoadError, match="password-protected"):
        open_document(path)


def test_rtf_text_escapes_and_table_rows(tmp_path: Path) -> None:
    rtf = (
        r"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Times;}}"
        r"{\pard Caf\'e9 keys: ask Zo\u235?. \par}"
        r"\trowd\cellx1000\cellx2000 \intbl Room\cell Keeper\cell\row"
        r"\trowd\cellx1000\cellx2000 \intbl B2\cell Ana\cell\row"
        r"{\*\generator ignored}{\pard End.\par}}"
    )
    document, pages = load(write(tmp_path, "keys.rtf", rtf))
    assert document.title == "keys"
    assert pages[0].text == "Café keys: ask Zoë.\nRoom | Keeper\nB2 | Ana\nEnd."


def test_rtf_named_file_that_is_not_rtf(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="not an RTF file"):
        open_document(write(tmp_path, "plain.rtf", "plain words"))


# --------------------------------------------------------------------------- still skipped


@pytest.mark.parametrize(
    ("name", "advice"),
    [
        ("mail.msg", r"save it from Outlook as \.txt, \.html or \.pdf"),
        ("archive.pst", r"export the folder as \.mbox"),
        ("budget.ods", r"save it as \.xlsx or \.csv"),
        ("talk.odp", r"save it as \.pptx or \.pdf"),
        ("letter.pages", r"save it as \.docx, \.odt, \.pdf or \.txt"),
    ],
)
def test_skipped_formats_say_what_to_do(tmp_path: Path, name: str, advice: str) -> None:
    with pytest.raises(UnsupportedFile, match=advice):
        open_document(write(tmp_path, name, b"content"))


def test_messages_attached_inside_messages_stop_at_a_depth(tmp_path: Path) -> None:
    inner = message("Level 5", "a@example.org", "the deepest text")
    for level in range(4, 0, -1):
        outer = message(f"Level {level}", "a@example.org", f"text of level {level}")
        outer.add_attachment(inner)
        inner = outer
    document, pages = load(write(tmp_path, "nested.eml", inner.as_bytes()))
    text = "\n".join(page.text for page in pages)
    # the file's message and three levels of attachments inside it are read
    assert all(f"text of level {n}" in text for n in (1, 2, 3, 4))
    assert "the deepest text" not in text
    assert any("attached 3 messages deep" in warning for warning in document.warnings)


def test_notebook_cells_count_against_max_pages(tmp_path: Path) -> None:
    from localqa.ingest.loaders.limits import LimitReached, Limits

    cells = [{"cell_type": "markdown", "metadata": {}, "source": f"note {n}"} for n in range(5)]
    path = write(tmp_path, "long.ipynb", json.dumps({"nbformat": 4, "cells": cells}))
    with pytest.raises(LimitReached, match="max_pages"):
        list(open_document(path, Limits(max_pages=4)).pages)
