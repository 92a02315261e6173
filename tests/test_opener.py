"""`o` on a citation: PDFs open at the cited page, text at the quote's line, and where no
viewer exists the extracted text is shown with the quote marked (never a binary file)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from localqa.answering.conversations import Source
from localqa.schema import Chunk
from localqa.tui.opener import extract_view, quote_line, view_command

TEXT = "Intro line\nThe boiler is serviced\nevery March by Ferro.\nLast line"


def chunk(path: str = "/docs/manual.pdf") -> Chunk:
    return Chunk("i", TEXT, "manual.pdf", path, 7, 10, 13, 0, len(TEXT), "d")


def only(monkeypatch: pytest.MonkeyPatch, *programs: str) -> None:
    monkeypatch.setattr(shutil, "which", lambda n: f"/usr/bin/{n}" if n in programs else None)


def test_a_pdf_opens_at_its_page_in_a_page_aware_viewer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pdf = tmp_path / "b.pdf"
    only(monkeypatch, "xdg-open", "evince")
    command = view_command(pdf, 3, {"PAGER": "less"}, page=7)
    assert command is not None and command.argv == ["/usr/bin/evince", "--page-index=7", str(pdf)]
    only(monkeypatch, "zathura")
    command = view_command(pdf, 3, {}, page=2)
    assert command is not None and command.argv == ["/usr/bin/zathura", "--page=2", str(pdf)]


def test_no_viewer_never_pages_a_binary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    only(monkeypatch, "less")
    assert view_command(tmp_path / "b.pdf", 3, {"PAGER": "less"}, page=2) is None
    command = view_command(tmp_path / "a.html", 40, {})
    assert command is not None and command.argv == ["less", "+40", str(tmp_path / "a.html")]


def test_quote_line_and_the_marked_extract(tmp_path: Path) -> None:
    source = Source(1, chunk(), quote="The boiler is serviced every March by Ferro.")
    assert quote_line(source.chunk, source.quote) == 11
    path, line = extract_view(source, tmp_path)
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[0].startswith("manual.pdf, page 7, lines 10-13 (text as extracted")
    assert lines[line - 1] == ">>> The boiler is serviced"
    assert lines[line] == "every March by Ferro. <<<"


def test_a_citation_names_the_quotes_own_lines() -> None:
    # a new user's trial: every quote of a 29-line passage was cited as "lines 1-29"
    passage = chunk()
    quote = "The boiler is serviced every March by Ferro."
    assert passage.quote_lines(quote) == (11, 12)
    assert passage.location(passage.quote_lines(quote)) == "manual.pdf, page 7, lines 11-12"
    assert passage.location(passage.quote_lines("Last line")) == "manual.pdf, page 7, line 13"
    assert passage.quote_lines("not in this passage") == (10, 13)  # the passage's own
    assert passage.location() == "manual.pdf, page 7, lines 10-13"
