"""OCR accuracy and speed on pages that also have a text layer.

Renders pages of a PDF, reads them with localqa's OCR (ingest/loaders/ocr.py) and
compares with the page's own text layer (pypdf): character error rate = edit distance /
reference length, both sides NFKC-folded with whitespace collapsed to one space; and the
same without any whitespace ("CER, letters only"), which does not count the letter-spaced
banner "C O N S T I T U T I O N" read as "CONSTITUTION" as 30 errors a page.

    PYTHONPATH=$PWD python benchmarks/bench_ocr.py /work/shared/corpus/localgpt/constitution.pdf \
        --pages 1-6 [--space-ratio 0.05]
"""

from __future__ import annotations

import argparse
import time
import unicodedata
from pathlib import Path

import numpy as np
from pypdf import PdfReader

from ingest.loaders import ocr


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdf", type=Path)
    parser.add_argument("--pages", default="1-4", help="1-based range, e.g. 2-7")
    parser.add_argument("--space-ratio", type=float, default=ocr.SPACE_RATIO)
    parser.add_argument("--scale", type=float, default=ocr.RENDER_SCALE)
    args = parser.parse_args()
    ocr.SPACE_RATIO = args.space_ratio
    reader = PdfReader(args.pdf)
    ocr.read_image(np.full((64, 64, 3), 255, dtype=np.uint8))  # load the models first
    errors = chars = bare_errors = bare_chars = 0
    seconds = 0.0
    for number in page_numbers(args.pages):
        reference = normalise(reader.pages[number - 1].extract_text())
        started = time.perf_counter()
        read = ocr.read_image(ocr.render_page(args.pdf, number - 1, args.scale))
        seconds += time.perf_counter() - started
        distance = edit_distance(normalise(read.text), reference)
        errors, chars = errors + distance, chars + len(reference)
        bare = reference.replace(" ", "")
        bare_errors += edit_distance(normalise(read.text).replace(" ", ""), bare)
        bare_chars += len(bare)
        print(f"page {number}: CER {distance / max(len(reference), 1):.2%} "
              f"({distance}/{len(reference)}), confidence {read.confidence:.3f}")  # fmt: skip
    pages = len(page_numbers(args.pages))
    print(f"{pages} pages: CER {errors / max(chars, 1):.2%} ({errors}/{chars} characters), "
          f"letters only {bare_errors / max(bare_chars, 1):.2%} ({bare_errors}/{bare_chars}), "
          f"{pages / seconds:.3f} pages/s ({seconds / pages:.1f} s a page, render + OCR), "
          f"scale {args.scale}, space ratio {args.space_ratio}")  # fmt: skip


if __name__ == "__main__":
    main()
