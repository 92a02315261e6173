"""What a real ingest would make of a file, found without embedding or storing anything,
so `ingest --dry-run` says "would skip" and "would fail" where the real run would.

Opening a file is reading it (an HTML page is parsed whole), so a dry run opens files in
the watched reader process too, under the same time and memory limits (foresee_document
is its read function); nothing a file does escapes as an exception."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from localqa.ingest.chunking import Chunker
from localqa.ingest.loaders import as_load_error, open_document
from localqa.ingest.loaders.base import LoadError, LoadOptions, UnsupportedFile
from localqa.ingest.loaders.limits import Limits
from localqa.ingest.reader import DocumentRead, DocumentRejected, Event
from localqa.ingest.scan import WorkItem

# Pages read to find some text when OCR is off: an image-only PDF fails the real run at
# its last page, but a PDF whose first pages have text will not.
PROBE_PAGES = 8


@dataclass(frozen=True, slots=True)
class Outcome:
    """ "skip" (a kind localqa does not read) or "fail" (a broken or empty file), and why."""

    verdict: str
    reason: str


def expected_outcome(path: Path, limits: Limits) -> Outcome | None:
    """None when the file would (most likely) be added. Opening reads the file's head and
    structure; with OCR off, a PDF's first pages are read for text too (with OCR on, an
    image-only page is OCR text: not read here, it would take seconds a page)."""
    try:
        doc = open_document(path, limits, LoadOptions(ocr=limits.ocr))
        if path.suffix.lower() == ".pdf" and not limits.ocr:
            # a PDF of fewer pages without text raises LoadError at its end
            list(islice(doc.pages, PROBE_PAGES))
    except UnsupportedFile as err:
        return Outcome("skip", str(err))
    except LoadError as err:
        return Outcome("fail", str(err))
    except OSError as err:
        return Outcome("fail", f"cannot read file: {err.strerror or err}")
    except Exception as err:  # noqa: BLE001 - e.g. damaged data or MemoryError, as when read
        return Outcome("fail", str(as_load_error(err)))
    return None


def foresee_document(
    index: int, item: WorkItem, _chunker: Chunker, limits: Limits
) -> Iterator[Event]:
    """expected_outcome as a reader's events: DocumentRead (with no chunks) when the file
    would be added, else DocumentRejected."""
    outcome = expected_outcome(Path(item.file.disk_path), limits)
    if outcome is None:
        yield DocumentRead(index, "", "", 0, 0)
    else:
        yield DocumentRejected(index, outcome.reason, skipped=outcome.verdict == "skip")
