"""HTML citations at the file's lines: for each line of text of each HTML file given, is
its first word on the line of the file that a citation of it names (tags stripped,
entities decoded)? Lines of text sharing a line of the file (U+2028) are checked each.

    PYTHONPATH=$PWD python benchmarks/bench_html_lines.py ../shared/corpus/**/*.html
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

from localqa.ingest.loaders import open_document
from localqa.ingest.loaders.base import LoadError
from localqa.ingest.loaders.encoding import normalise_newlines
from localqa.ingest.loaders.html import decode_html

WORD = re.compile(r"[^\W_]+")
TAG = re.compile(r"<[^>]*>")


def misplaced(path: Path) -> tuple[int, list[int]]:
    """(lines of text, the page lines whose first word is not on that line of the file)."""
    file_lines = normalise_newlines(decode_html(path.read_bytes())[0]).split("\n")
    [page] = list(open_document(path).pages)
    total, off = 0, []
    for number, line in enumerate(page.text.split("\n"), start=1):
        visible = WORD.findall(html.unescape(TAG.sub(" ", file_lines[number - 1])))
        for piece in line.split("\u2028"):
            first = WORD.findall(piece)[:1]
            if first:
                total += 1
                if first[0] not in visible:
                    off.append(number)
    return total, off


def main() -> None:
    grand = bad = 0
    for name in sys.argv[1:]:
        try:
            total, off = misplaced(Path(name))
        except LoadError as err:
            print(f"{Path(name).name}: {err}")
            continue
        grand, bad = grand + total, bad + len(off)
        print(f"{Path(name).name}: {total} lines of text, {len(off)} off {off[:8]}")
    print(f"all: {grand} lines of text, {bad} off")


if __name__ == "__main__":
    main()
