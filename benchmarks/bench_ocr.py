"""OCR accuracy and speed on pages that also have a text layer.

Renders pages of a PDF, reads them with localqa's OCR (ingest/loaders/ocr.py) and
compares with the page's own text layer (pypdf): character error rate = edit distance /
reference length, both sides NFKC-folded with whitespace collapsed to one space. Three
figures:

- raw: every character of both sides;
- letters only: the same without any whitespace, which does not count the letter-spaced
  banner "C O N S T I T U T I O N" read as "CONSTITUTION" as 30 errors a page;
- body text: both sides as the pipeline keeps them for indexing and quoting
  (ingest/textfix.py: folded, hyphenated line ends joined, and running headers and footers
  repeated on most of the pages compared blanked out), each side learning its own furniture
  from its own pages, as an ingest of that PDF would. This is the text a user is quoted.

    PYTHONPATH=$PWD python benchmarks/bench_ocr.py /work/shared/corpus/localgpt/constitution.pdf \
        --pages 2-7 [--space-ratio 0.05] [--cache ocr.json]

`--cache FILE` keeps the OCR text of each page (with its seconds) in FILE and reuses it when
FILE exists, so the measures can be recomputed without reading the pages again.
"""

from __future__ import annotations

import argparse
import json
import time
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
from pypdf import PdfReader

from localqa.ingest.loaders import ocr
from localqa.ingest.textfix import repair_page, strip_furniture
from localqa.schema import Page


def normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, one numpy row per character of `a`."""
    if not a or not b:
        return max(len(a), len(b))
    codes = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    ramp = np.arange(len(b) + 1)
    row = ramp.copy()
    for i, ch in enumerate(a, start=1):
        new = row + 1  # deletion
        new[0] = i
        new[1:] = np.minimum(new[1:], row[:-1] + (codes != ord(ch)))  # substitution
        row = np.minimum.accumulate(new - ramp) + ramp  # insertion
    return int(row[-1])


def page_numbers(spec: str) -> list[int]:
    first, _, last = spec.partition("-")
    return list(range(int(first), int(last or first) + 1))


def body_text(texts: list[str]) -> list[str]:
    """The pages as the pipeline keeps them: repaired, running headers and footers blanked."""
    pages = [repair_page(Page(number=i + 1, text=t)) for i, t in enumerate(texts)]
    return [page.text for page in strip_furniture(iter(pages))]


def read_pages(
    pdf: Path, numbers: list[int], scale: float, cache: Path | None
) -> list[dict[str, Any]]:
    """[{"text", "confidence", "seconds"}] for each page, from `cache` when it has them."""
    if cache is not None and cache.exists():
        return list(json.loads(cache.read_text(encoding="utf-8")))
    ocr.read_image(np.full((64, 64, 3), 255, dtype=np.uint8))  # load the models first
    read = []
    for number in numbers:
        started = time.perf_counter()
        found = ocr.read_image(ocr.render_page(pdf, number - 1, scale))
        seconds = time.perf_counter() - started
        read.append({"text": found.text, "confidence": found.confidence, "seconds": seconds})
        print(f"page {number}: read in {seconds:.1f} s, confidence {found.confidence:.3f}")
    if cache is not None:
        cache.write_text(json.dumps(read, indent=1), encoding="utf-8")
    return read


def cer(read: list[str], reference: list[str], squeeze: bool = False) -> tuple[int, int]:
    """(edits, reference characters) over all pages, normalised; `squeeze`: no spaces."""
    errors = chars = 0
    for ours, theirs in zip(read, reference, strict=True):
        a, b = normalise(ours), normalise(theirs)
        if squeeze:
            a, b = a.replace(" ", ""), b.replace(" ", "")
        errors, chars = errors + edit_distance(a, b), chars + len(b)
    return errors, chars


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdf", type=Path)
    parser.add_argument("--pages", default="1-4", help="1-based range, e.g. 2-7")
    parser.add_argument("--space-ratio", type=float, default=ocr.SPACE_RATIO)
    parser.add_argument("--scale", type=float, default=ocr.RENDER_SCALE)
    parser.add_argument("--cache", type=Path, help="OCR text kept here and reused")
    args = parser.parse_args()
    ocr.SPACE_RATIO = args.space_ratio
    numbers = page_numbers(args.pages)
    reader = PdfReader(args.pdf)
    reference = [reader.pages[n - 1].extract_text() for n in numbers]
    read = read_pages(args.pdf, numbers, args.scale, args.cache)
    texts = [r["text"] for r in read]
    for number, ours, theirs in zip(numbers, texts, reference, strict=True):
        errors, chars = cer([ours], [theirs])
        print(f"page {number}: CER {errors / max(chars, 1):.2%} ({errors}/{chars})")
    seconds = sum(r["seconds"] for r in read)
    confidences = [r["confidence"] for r in read]
    figures = {
        "raw": cer(texts, reference),
        "letters only": cer(texts, reference, squeeze=True),
        "body text": cer(body_text(texts), body_text(reference)),
    }
    print(
        f"{len(numbers)} pages, confidence {min(confidences):.3f}-{max(confidences):.3f}, "
        f"{len(numbers) / seconds:.3f} pages/s ({seconds / len(numbers):.1f} s a page, "
        f"render + OCR), scale {args.scale}, space ratio {args.space_ratio}"
    )
    for name, (errors, chars) in figures.items():
        print(f"  CER, {name}: {errors / max(chars, 1):.2%} ({errors}/{chars} characters)")


if __name__ == "__main__":
    main()
