"""The OCR side of the PDF loader (pdf.py): which pages with too little text go to OCR,
the budget of pages and seconds OCR may spend on one file (`OcrBudget`, with the line on
the pages it had to leave), and one page read by OCR (`ocr_page`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from localqa.ingest.loaders import ocr
from localqa.ingest.loaders.common import page_ranges
from localqa.ingest.loaders.limits import Limits
from localqa.schema import Page

# A page whose text layer has fewer letters and digits than this is read by OCR: scans
# often carry a stamped page number or a few stray characters.
OCR_BELOW_CHARS = 10
# OCR stops once it has taken this share of `read_timeout_s` on one file, so that a long
# scan is added with the pages read so far instead of being killed with none.
OCR_TIME_SHARE = 0.5
_OCR_CAP_ADVICE = "or run `ocrmypdf in.pdf out.pdf` and ingest the result"


def pages_named(numbers: list[int]) -> str:
    """`numbers` (1-based page numbers) as one phrase: "page 3", "pages 1-2, 5"."""
    return f"page{'s' if len(numbers) > 1 else ''} {page_ranges(numbers)}"


def needs_ocr(text: str | None) -> bool:
    """Fewer than OCR_BELOW_CHARS letters and digits in the text layer: counted up to that
    many only, not over every character of every page (DA-619p: 1.8 M of them)."""
    letters = (ch for ch in text or "" if ch.isalnum())
    return next(islice(letters, OCR_BELOW_CHARS - 1, None), None) is None


@dataclass(slots=True)
class OcrBudget:
    """How many pages, and how much time, OCR may still spend on one file
    (`max_ocr_pages`, OCR_TIME_SHARE of `read_timeout_s`); the pages it had to leave."""

    pages: int
    seconds: float
    spent_pages: int = 0
    spent_seconds: float = 0.0
    left: list[int] = field(default_factory=list)

    def allows(self, number: int) -> bool:
        """Whether page `number` (1-based) may be read by OCR; if not, it is noted."""
        if self.spent_pages < self.pages and self.spent_seconds < self.seconds:
            return True
        self.left.append(number)
        return False

    def warning(self, limits: Limits) -> str | None:
        """The one line saying which pages were not read, and what to raise, if any."""
        if not self.left:
            return None
        pages = pages_named(self.left)
        if self.spent_pages >= self.pages:
            cap = f"{self.pages:,} page{'s' if self.pages > 1 else ''}"
            return (
                f"OCR stopped after {cap} (`max_ocr_pages`): {pages} not "
                f"read; if they matter, raise `max_ocr_pages` {_OCR_CAP_ADVICE}"
            )
        return (
            f"OCR stopped after {self.spent_seconds:.0f} s ({OCR_TIME_SHARE:.0%} of "
            f"`read_timeout_s`, {limits.read_timeout_s:g} s): {pages} not read; if they "
            "matter, raise "
            f"`read_timeout_s` {_OCR_CAP_ADVICE}"
        )

    def read(self, pdf: Any, index: int, failed: list[int]) -> Page | None:
        """`ocr_page`, counted against the budget."""
        started = time.monotonic()
        try:
            return ocr_page(pdf, index, failed)
        finally:
            self.spent_pages += 1
            self.spent_seconds += time.monotonic() - started


def ocr_could_add(pdf: Any, index: int, budget: OcrBudget) -> bool:
    """Whether page `index` (with too little text) goes to OCR: when OCR could read more
    than its text layer (ocr.could_add_text: not for a blank page or a page number alone,
    which OCR would read in seconds as the text layer says), OCR is installed, and the
    budget allows it (a page it does not allow is noted)."""
    return ocr.could_add_text(pdf, index) and ocr.available() and budget.allows(index + 1)


def ocr_page(pdf: Any, index: int, failed: list[int]) -> Page | None:
    """Page `index` read by OCR, or None when OCR finds nothing or cannot run."""
    try:
        read = ocr.ocr_pdf_page(pdf, index)
    except ocr.OcrUnavailable:
        return None
    except Exception:  # noqa: BLE001 - pdfium and onnxruntime errors: this page only
        failed.append(index + 1)
        return None
    if not read.text.strip():
        return None
    return Page(number=index + 1, text=read.text, ocr_confidence=round(read.confidence, 3))
