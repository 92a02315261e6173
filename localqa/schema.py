"""Domain types shared by ingest, retrieval and answering."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    # Embeddings: one row per text, float32, L2-normalised by the embedder.
    Vectors: TypeAlias = npt.NDArray[np.float32]
else:
    # only a name for annotations: importing numpy for it cost a `localqa ingest` that
    # embeds nothing (a no-op run, a moved folder) 0.1-0.4 s (docs/BENCHMARKS-LOG.md)
    Vectors: TypeAlias = "npt.NDArray[np.float32]"


# What joins a table row to its column header in a quote ("Year ended December 31 2021
# 2020 … Total revenue 19,984 18,200", localqa/sentences.py); `Chunk.quote_lines` finds
# each part.
JOINED = " \u2026 "
# A file name longer than this is cut in a chunk's header (it must leave the chunk room).
NAME_CHARS = 60


def document_name(source: str, title: str) -> str:
    """What names a document: its file name without the extension (a year or a version
    often stands only there: "budget-2024") and its title, the name left out where the
    title holds it already ("budget-2024.txt"), joined by " | "."""
    name = PurePath(source).stem[:NAME_CHARS].strip()
    if name.casefold() in title.casefold():
        name = ""
    return " | ".join(part for part in (name, title) if part)


def chunk_header(source: str, title: str, section: str) -> str:
    """The line above a chunk's text in what is embedded and lexically indexed: its
    document's name (`document_name`) and its section."""
    return " | ".join(part for part in (document_name(source, title), section) if part)


def text_hash(text: str) -> str:
    """Stable short hash of a text, used for chunk identity and change detection."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Page:
    """One unit of a document that a citation can name: a page, slide or sheet.

    `headings` are (character offset, heading text) pairs inside `text`, for loaders
    that know the document's structure (Markdown, HTML, DOCX styles, slide titles).
    """

    number: int
    text: str
    headings: tuple[tuple[int, str], ...] = ()
    # Set when the text was read by OCR from the page's image: the mean confidence (0..1).
    ocr_confidence: float | None = None
    # What a citation calls the page besides its number: a sheet's name, also the section
    # of its chunks when it has no headings. A labelled sheet's lines are its rows: line
    # n of its text is row n of the sheet.
    label: str = ""
    # The line of the page that the text's first line is: a sheet is read in blocks cut
    # at long runs of empty rows (ingest/loaders/xlsx.py), each starting at its own row.
    first_line: int = 1


# A chunk of OCR text carries its confidence in its page kind, "page|ocr 0.93", so the
# stored chunk needs no column of its own; `Chunk.kind` and `Chunk.ocr_confidence` read it.
OCR_MARK = "|ocr "


def ocr_page_kind(page_kind: str, confidence: float) -> str:
    """The page kind of chunks read by OCR, e.g. `ocr_page_kind("page", 0.931)` ->
    "page|ocr 0.93"."""
    return f"{page_kind}{OCR_MARK}{confidence:.2f}"


# A chunk of a labelled page (a sheet's name: Page.label) carries the label in its page
# kind, "sheet|name Income statement", as OCR text carries its confidence: stored chunks
# keep their columns, and a chunk stored before labels ("sheet") is cited as it was.
LABEL_MARK = "|name "


def labelled_page_kind(page_kind: str, label: str) -> str:
    """The page kind of a labelled page's chunks: `labelled_page_kind("sheet", "Specs")`
    -> "sheet|name Specs"."""
    return f"{page_kind}{LABEL_MARK}{' '.join(label.split())}"


@dataclass(frozen=True, slots=True)
class Chunk:
    """A piece of one page of one document, with everything a citation needs."""

    id: str
    text: str
    source: str
    abs_path: str
    page: int
    line_start: int
    line_end: int
    char_start: int
    char_end: int
    # The version of its document this chunk belongs to (IndexedDocument.doc_hash): it is
    # visible while its document's catalog entry names that version. A chunk's identity is
    # its id; its text has no hash of its own (nothing compared one).
    doc_hash: str
    title: str = ""
    section: str = ""
    page_kind: str = "page"

    def embedding_text(self) -> str:
        """What is embedded and lexically indexed: the chunk with its document context
        (`chunk_header`: file name, title, section), so a question naming a document, or
        a year or version only its file name holds, finds every chunk of it."""
        header = chunk_header(self.source, self.title, self.section)
        return f"{header}\n{self.text}" if header else self.text

    def naming(self) -> str:
        """Its document's file name and title (`document_name`)."""
        return document_name(self.source, self.title)

    @property
    def kind(self) -> str:
        """ "page", "slide" or "sheet", without any OCR mark or label."""
        return self.page_kind.split("|", 1)[0]

    @property
    def page_label(self) -> str:
        """The page's name where it has one (a sheet's: "Income statement"), else ""."""
        return self.page_kind.partition(LABEL_MARK)[2]

    def page_name(self) -> str:
        """The page as a citation names it: its label (a sheet's name), else its number."""
        return self.page_label or str(self.page)

    @property
    def ocr_confidence(self) -> float | None:
        """The OCR confidence (0..1) when the text was read from an image, else None."""
        _, mark, confidence = self.page_kind.partition(OCR_MARK)
        try:
            return float(confidence) if mark else None
        except ValueError:
            return None

    def location(self, lines: tuple[int, int] | None = None) -> str:
        """Human citation: file, page and lines (the chunk's, or `lines`: first and last),
        and whether the text came from OCR: "report.pdf, page 3, lines 4-6";
        "specs.xlsx, sheet "Sensors", row 8" for a sheet named by its label."""
        ocr = self.ocr_confidence
        read = f" (OCR text, confidence {ocr:.2f})" if ocr is not None else ""
        label = self.page_label
        page = f'"{label}"' if label else str(self.page)
        return f"{self.source}, {self.kind} {page}{read}, {self.lines_named(lines)}"

    def lines_named(self, lines: tuple[int, int] | None = None) -> str:
        """The lines (the chunk's, or `lines`: first and last) as a reader names them:
        "line 3", "lines 3-5"; a labelled sheet's "row 8", "rows 8-9"."""
        first, last = lines or (self.line_start, self.line_end)
        # a labelled sheet's lines are its rows (Page.label); a sheet stored before labels
        # counted its name as line 1 and left out empty rows: its lines stay lines
        unit = "row" if self.page_label and self.kind == "sheet" else "line"
        return f"{unit} {first}" if first == last else f"{unit}s {first}-{last}"

    def quote_lines(self, quote: str) -> tuple[int, int]:
        """The first and last line of the page that `quote` (a sentence of this chunk,
        whitespace-normalised, as split_sentences gives it) spans, from a table's header
        to its row for a quote of both (JOINED); the chunk's lines when it is not found.
        Chunk text keeps the page's line breaks, so lines count from `line_start`."""
        start, end = 0, -1
        for n, part in enumerate(quote.split(JOINED)):
            words = part.split()
            pattern = r"\s+".join(map(re.escape, words))
            found = re.compile(pattern).search(self.text, end if n else 0) if words else None
            if found is None:
                return self.line_start, self.line_end
            start, end = (found.start() if n == 0 else start), found.end()
        first = self.line_start + self.text.count("\n", 0, start)
        return first, first + self.text.count("\n", start, end)


@dataclass(frozen=True, slots=True)
class ScoredChunk:
    """A retrieval result: a chunk and how well it matched (higher is better)."""

    chunk: Chunk
    score: float


@dataclass(frozen=True, slots=True)
class Turn:
    """One past exchange of a conversation, as the prompt and follow-ups see it."""

    question: str
    answer: str


@dataclass(frozen=True, slots=True)
class FileProblem:
    """A file that was skipped or failed, and why, in one line a person can act on."""

    path: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class IndexedDocument:
    """One document of an index, in the version readers see: what ingest compares a file
    with, what `localqa sources` lists, what `forget` and `--source` name.

    Fields in the catalog's column order (the embedded store reads rows straight in)."""

    abs_path: str  # identity: the file it was read from
    source: str  # its name as citations show it: relative to `root`
    root: str  # the folder (or file) the ingest was given
    doc_hash: str  # the visible version: the file's content hash, salted with the settings
    size: int  # bytes, and
    mtime_ns: int  # modification time when last read: unchanged ones are not hashed again
    title: str = ""
    page_kind: str = "page"  # "page", "slide" or "sheet"
    last_page: int = 0  # the highest page (slide, sheet) that produced a chunk
    chunks: int = 0  # visible chunks
    ingested_at: str = ""  # ISO 8601, UTC, to the second
    # inode change time when last read (0: not recorded): any write changes it, also one
    # that restores the size and modification time (`cp -p`, `rsync -t`, an archive).
    # Last, as the column was added last (localqa/store/database.py).
    ctime_ns: int = 0

    def file_missing(self) -> bool:
        """Whether the file is no longer at `abs_path` (moved, renamed, deleted); asks the
        file system on each call."""
        return not Path(self.abs_path).exists()
