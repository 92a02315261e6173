"""PDF text from PDFium (the loader's, ingest/loaders/pdf.py) against pypdf's (the loader's
until issue 14, and LocalGPT's), on every PDF under the given folders.

For each PDF: pages each library counts, characters per page (whitespace not counted),
CPU seconds to extract every page (one process, text calls only; CPU time, which a busy
machine inflates far less than wall time), and a word-level similarity on a sample of
pages: difflib's ratio between the two pages' word lists, both sides as ingest indexes
them (ingest/textfix.py: NFKC-folded, words hyphenated at line ends joined), so a
ligature glyph or a line-end hyphen handled differently by the two libraries costs
nothing. The pages with the lowest similarity are listed at the end
(`--show N` prints their text) to be read by eye.

    PYTHONPATH=$PWD python benchmarks/compare_pdf_text.py [FOLDER_OR_PDF ...] \
        [--sample 40] [--worst 8] [--show 0]

Default folder: ../shared/corpus.
"""

from __future__ import annotations

import argparse
import difflib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
from pypdf import PdfReader

from localqa.ingest.loaders.encoding import normalise_newlines
from localqa.ingest.loaders.pdf import pdfium_text
from localqa.ingest.textfix import fold, join_hyphenated

Extractor = Callable[[Path], tuple[list[str], float]]


def pypdf_pages(path: Path) -> tuple[list[str], float]:
    """Every page's text as the pypdf loader gave it, and the seconds spent extracting."""
    reader = PdfReader(path)
    if reader.is_encrypted:
        reader.decrypt("")
    texts: list[str] = []
    seconds = 0.0
    for page in reader.pages:
        started = time.process_time()
        try:
            text = page.extract_text()
        except Exception:  # noqa: BLE001 - the old loader's "extraction failed" page
            text = ""
        seconds += time.process_time() - started
        texts.append(normalise_newlines(text).strip())
    return texts, seconds


def pdfium_pages(path: Path) -> tuple[list[str], float]:
    """Every page's text as the PDFium loader gives it, and the seconds spent extracting."""
    texts: list[str] = []
    seconds = 0.0
    with pdfium.PdfDocument(path) as pdf:
        for index in range(len(pdf)):
            started = time.process_time()
            page = pdf[index]
            textpage = page.get_textpage()
            raw = textpage.get_text_range()
            textpage.close()
            page.close()
            seconds += time.process_time() - started
            texts.append(pdfium_text(raw))
    return texts, seconds


def indexed_words(text: str) -> list[str]:
    return join_hyphenated(fold(text)).split()


def letters(pages: list[str]) -> int:
    """Characters other than whitespace, as indexed: the two libraries lay out spaces
    differently (pypdf pads dot leaders with runs of spaces), which is no text lost."""
    return sum(len(word) for text in pages for word in indexed_words(text))


def similarity(a: str, b: str) -> float:
    left, right = indexed_words(a), indexed_words(b)
    if not left and not right:
        return 1.0
    return difflib.SequenceMatcher(None, left, right, autojunk=False).ratio()


@dataclass
class Compared:
    name: str
    pages: tuple[int, int] = (0, 0)
    chars: tuple[int, int] = (0, 0)
    seconds: tuple[float, float] = (0.0, 0.0)
    ratios: dict[int, float] = field(default_factory=dict)  # page number -> similarity
    texts: dict[int, tuple[str, str]] = field(default_factory=dict)
    error: str = ""


def sample(count: int, size: int) -> list[int]:
    if count <= size:
        return list(range(count))
    return sorted({round(i * (count - 1) / (size - 1)) for i in range(size)})


def compare(path: Path, name: str, size: int) -> Compared:
    result = Compared(name)
    try:
        old, old_s = pypdf_pages(path)
        new, new_s = pdfium_pages(path)
    except Exception as err:  # noqa: BLE001 - reported in the table
        result.error = f"{type(err).__name__}: {' '.join(str(err).split())[:80]}"
        return result
    result.pages = (len(old), len(new))
    result.chars = (letters(old), letters(new))
    result.seconds = (old_s, new_s)
    for index in sample(min(len(old), len(new)), size):
        result.ratios[index + 1] = similarity(old[index], new[index])
        result.texts[index + 1] = (old[index], new[index])
    return result


def pdfs(roots: list[Path]) -> list[tuple[Path, str]]:
    found: list[tuple[Path, str]] = []
    for root in roots:
        if root.is_file():
            found.append((root, root.name))
        for path in sorted(root.rglob("*.pdf")) if root.is_dir() else []:
            found.append((path, path.relative_to(root).as_posix()))
    return found


def row(c: Compared) -> str:
    if c.error:
        return f"| {c.name} | {c.error} |||||||"
    per_page = [f"{n / max(pages, 1):,.0f}" for n, pages in zip(c.chars, c.pages, strict=True)]
    ratios = sorted(c.ratios.items(), key=lambda item: item[1])
    mean = sum(c.ratios.values()) / len(c.ratios) if c.ratios else 1.0
    worst = f"{ratios[0][1]:.3f} (p. {ratios[0][0]})" if ratios else "-"
    return (
        f"| {c.name} | {c.pages[0]} / {c.pages[1]} | {per_page[0]} / {per_page[1]} | "
        f"{c.seconds[0]:.2f} / {c.seconds[1]:.2f} | {len(c.ratios)} | {mean:.3f} | {worst} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("roots", nargs="*", type=Path, default=[Path("../shared/corpus")])
    parser.add_argument("--sample", type=int, default=40, help="pages compared per PDF")
    parser.add_argument("--worst", type=int, default=8, help="lowest-similarity pages listed")
    parser.add_argument("--show", type=int, default=0, help="characters of their text shown")
    args = parser.parse_args()
    results = [compare(path, name, args.sample) for path, name in pdfs(args.roots)]
    print(
        "| PDF | pages pypdf / PDFium | non-space chars/page pypdf / PDFium "
        "| CPU seconds pypdf / PDFium | pages compared | word similarity, mean "
        "| lowest (page) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for compared in results:
        print(row(compared))
    done = [c for c in results if not c.error]
    print(
        f"\nall: {sum(c.pages[0] for c in done):,} pages; non-space characters pypdf "
        f"{sum(c.chars[0] for c in done):,}, PDFium {sum(c.chars[1] for c in done):,}; "
        f"CPU seconds pypdf {sum(c.seconds[0] for c in done):.1f}, "
        f"PDFium {sum(c.seconds[1] for c in done):.1f}"
    )
    pages = [(ratio, c, number) for c in done for number, ratio in c.ratios.items()]
    print(f"\nlowest word similarity of {len(pages):,} pages compared:")
    for ratio, c, number in sorted(pages, key=lambda item: item[0])[: args.worst]:
        old, new = c.texts[number]
        print(f"  {ratio:.3f}  {c.name} p. {number}  ({len(old):,} / {len(new):,} chars)")
        if args.show:
            print(f"    pypdf:  {' '.join(old.split())[: args.show]!r}")
            print(f"    PDFium: {' '.join(new.split())[: args.show]!r}")


if __name__ == "__main__":
    main()
