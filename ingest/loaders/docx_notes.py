"""The parts of a DOCX beside `word/document.xml` that hold text a reader sees: footnotes,
endnotes, headers, footers and comments.

Where each is indexed (docs/LOADERS.md):
- a footnote at the foot of the page that refers to it, as "Footnote 1: ...";
- endnotes at the end of the document, as "Endnote 1: ...";
- headers and footers once, at the end of the document ("Header: ..."), not on every
  page: they repeat on each page and would crowd quotes, but a reference number or a
  party's name printed only there is still found;
- comments at the end of the document, with their author ("Comment (J. Doe): ...").
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from xml.etree.ElementTree import iterparse

from localqa.ingest.loaders.docx_walk import _local

# Text kept from all these parts together: they are notes, not a second document.
MAX_NOTE_CHARS = 2_000_000
_HEADER_FOOTER = re.compile(r"^word/(header|footer)\d*\.xml$")


@dataclass(frozen=True, slots=True)
class DocxNotes:
    """Footnotes by the id the body refers to them with (as the line to add at the foot
    of the page), and the lines for the end of the document."""

    footnotes: dict[str, str] = field(default_factory=dict)
    trailer: tuple[str, ...] = ()  # endnotes, headers, footers, comments, in that order


def _items(archive: zipfile.ZipFile, part: str, item: str) -> list[tuple[dict[str, str], str]]:
    """(attributes, text) of each `item` element of `part`, paragraphs joined by spaces."""
    if part not in archive.namelist():
        return []
    found: list[tuple[dict[str, str], str]] = []
    paragraphs: list[str] = []
    runs: list[str] = []
    budget = MAX_NOTE_CHARS
    with archive.open(part) as stream:
        for _event, elem in iterparse(stream):
            name = _local(elem.tag)
            if name == "t" and elem.text and budget > 0:
                runs.append(elem.text)
                budget -= len(elem.text)
            elif name == "p":
                paragraphs.append("".join(runs))
                runs = []
            elif name == item:
                text = " ".join(" ".join(paragraphs).split())
                attributes = {_local(key): value for key, value in elem.attrib.items()}
                if text:
                    found.append((attributes, text))
                paragraphs = []
                elem.clear()
    return found


def _by_id(archive: zipfile.ZipFile, part: str, item: str) -> dict[str, str]:
    return {attrs.get("id", ""): text for attrs, text in _items(archive, part, item)}


def _headers_footers(archive: zipfile.ZipFile) -> list[str]:
    lines: list[str] = []
    parts = [n for n in archive.namelist() if _HEADER_FOOTER.match(n)]
    for part in sorted(parts, key=lambda n: ("footer" in n, n)):  # headers first
        label = "Header" if "header" in part else "Footer"
        with archive.open(part) as stream:
            texts = [elem.text or "" for _e, elem in iterparse(stream) if _local(elem.tag) == "t"]
        text = " ".join("".join(texts).split())
        line = f"{label}: {text}"
        if text and line not in lines:  # first-page, even and default parts often agree
            lines.append(line)
    return lines


def _numbered(notes: list[tuple[dict[str, str], str]]) -> list[tuple[str, int, str]]:
    """(id, number as Word prints it, text) in order; Word's ids 0 and -1 are separators."""
    real = [(int(a["id"]), text) for a, text in notes if a.get("id", "").isdigit()]
    return [(str(i), n, text) for n, (i, text) in enumerate(sorted(real), start=1) if i > 0]


def read_notes(archive: zipfile.ZipFile) -> DocxNotes:
    """Everything beside the body; raises what zipfile and iterparse raise on bad parts."""
    footnotes = _numbered(_items(archive, "word/footnotes.xml", "footnote"))
    endnotes = _numbered(_items(archive, "word/endnotes.xml", "endnote"))
    comments = [
        f"Comment ({attrs.get('author', 'unknown')}): {text}"
        for attrs, text in _items(archive, "word/comments.xml", "comment")
    ]
    return DocxNotes(
        footnotes={i: f"Footnote {n}: {text}" for i, n, text in footnotes},
        trailer=tuple(
            [f"Endnote {n}: {text}" for _, n, text in endnotes]
            + _headers_footers(archive)
            + comments
        ),
    )
