"""A whole document read as whole-document answers quote it (answering/whole.py): its
sentences in order, each once, each knowing the section it stands in, with headings and
header fields told apart from what the document says.

A heading ("Office days", "## Passwords and sign-in") names a part of the document: it is
never joined to the sentence below it, and it starts a new section, so a summary can
cover every part. A header field ("To: All employees", "Date: 18 August 2025") is a
record, quoted a line at a time: a list may quote it, a summary does not.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

from localqa.answering.quoting import Quoted
from localqa.injection import in_instructions
from localqa.schema import Chunk
from localqa.sentences import CELL_SEPARATORS, HEADING_MAX_WORDS, sentence_units
from localqa.text import STOPWORDS, content_words, words

# "## Purpose": a Markdown heading, whatever its words
_MARKDOWN_HEADING = re.compile(r"#{1,6}\s+\S")
# "To: All employees", "From: Marte Vik, Chief People Officer": a label of one to three
# words, capitalised, then its value; no sentence ends on the line
_FIELD = re.compile(r"[A-Z][\w.'-]*(?:\s+[\w.'-]+){0,2}:\s+\S")
FIELD_MAX_WORDS = 12
# what a line of prose ends with (sentences.py), and the marks a heading never ends with
_ENDS = ".!?\u3002\uff01\uff1f,;:"


@dataclass(frozen=True, slots=True)
class Reading:
    """A document's sentences in order, each once (chunks overlap), and how much of the
    document was read (chunks) before the time budget ran out."""

    source: str
    sentences: tuple[Quoted, ...]
    chunks_read: int
    chunks_total: int

    @property
    def sections(self) -> int:
        """How many sections hold a sentence that is not a heading."""
        return len({q.section for q in self.sentences if not q.heading})


def read_document(source: str, chunks: Sequence[Chunk], deadline: float) -> Reading:
    """The sentences of `chunks` (one document's, in order) read until `deadline`
    (time.monotonic() seconds)."""
    seen: set[str] = set()
    found: list[Quoted] = []
    section = 0
    for read, chunk in enumerate(chunks):
        if time.monotonic() > deadline:
            return Reading(source, tuple(found), read, len(chunks))
        for text, record, heading, field in units(chunk.text):
            key = " ".join(words(text))
            if not key or key in seen:
                continue
            seen.add(key)
            section += heading
            # a sentence addressed to the model is no part of what the document says
            if len(content_words(text)) >= 2 and not in_instructions(text, chunk.text):
                found.append(
                    Quoted(chunk, text, record and not heading, 1.0, heading, field, section)
                )
    return Reading(source, tuple(found), len(chunks), len(chunks))


def units(text: str) -> list[tuple[str, bool, bool, bool]]:
    """(text, record, heading, header field) of each sentence, record or heading of a
    chunk's text, in order (sentences.sentence_units, with headings, header fields and
    tables made paragraphs of their own first: a blank line after each, so none is joined
    to the line below)."""
    lines = text.split("\n")
    headings: set[str] = set()
    fields: set[str] = set()
    apart: list[int] = []  # lines after which a blank line goes
    for n, line in enumerate(lines):
        following = lines[n + 1] if n + 1 < len(lines) else ""
        if is_heading(line, following):
            headings.add(" ".join(line.split()))
        elif is_field(line):
            fields.add(" ".join(line.split()))
        elif _cells(line) == _cells(following) or not following.strip():
            continue  # a table's rows and the prose beside it are paragraphs apart
        apart.append(n)
    if not apart:
        return [(unit, record, False, False) for unit, record in sentence_units(text)]
    spaced = "\n".join(f"{line}\n" if n in apart else line for n, line in enumerate(lines))
    return [
        (unit, record or unit in fields, unit in headings, unit in fields)
        for unit, record in sentence_units(spaced)
    ]


def _cells(line: str) -> bool:
    return any(separator in line for separator in CELL_SEPARATORS)


def is_heading(line: str, following: str) -> bool:
    """A Markdown heading, or a short line that ends no sentence above a line that starts
    one (or above a blank line): "Office days", "Working from abroad". A line of cells, a
    header field or a line that stops on a small word ("approved by the Head of", a
    sentence wrapped) is none."""
    stripped = line.strip()
    if _MARKDOWN_HEADING.match(stripped):
        return True
    found = re.findall(r"[^\W\d_]+", stripped)
    nxt = following.lstrip()[:1]
    return (
        0 < len(found) <= HEADING_MAX_WORDS
        and stripped[:1].isupper()
        and stripped[-1:] not in _ENDS
        and not _cells(line)
        and found[-1].lower() not in STOPWORDS
        and (not nxt or nxt.isupper() or nxt.isdigit() or nxt in "-*\u2022#")
        and not is_field(line)
    )


def is_field(line: str) -> bool:
    """A header field: "To: All employees", "Date: 18 August 2025" (a memo's, a letter's,
    an e-mail's); a line ending a sentence is prose ("Note: keep it short.")."""
    stripped = line.strip()
    return (
        bool(_FIELD.match(stripped))
        and len(stripped.split()) <= FIELD_MAX_WORDS
        and stripped[-1:] not in _ENDS
    )
