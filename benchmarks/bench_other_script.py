"""What the other-script line (localqa/answering/scripts_held.py) costs an answer that does
not stand alone: `ChunkReader.openings` over an embedded catalog of DOCS documents of
PER chunks each (the schema of localqa/store/database.py, rows written directly: no
vectors are needed to read openings), and judging each opening's script, for openings in
English, Norwegian (Latin with letters beyond ASCII) and Chinese.

    python benchmarks/bench_other_script.py [--docs 10000] [--per 10] [--runs 3]

Prints the median milliseconds of each step.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from localqa.answering.scripts_held import OPENING_CHARS, written_in
from localqa.store.chunks import SqliteChunks
from localqa.store.database import SCHEMA

TEXTS = {
    "English": "The harbour crane lifts forty tonnes and needs a second operator at night. ",
    "Norwegian": "Kranen på kaia løfter førti tonn og trenger en ekstra operatør om natten. ",
    "Chinese": "员工手册（中文补充篇）：中国客户与出差。哈尔沃森海洋仪器公司的中文客服热线。",
}


def catalog(path: Path, docs: int, per: int, text: str) -> sqlite3.Connection:
    """A catalog of `docs` documents of `per` chunks of `text` each, every one visible."""
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    db.executemany(
        "INSERT INTO documents(abs_path, source, root, doc_hash, size, mtime_ns) "
        "VALUES (?, ?, '/d', ?, 0, 0)",
        [(f"/d/{i}.txt", f"{i}.txt", f"h{i}") for i in range(docs)],
    )
    db.executemany(
        "INSERT INTO chunks(id, abs_path, source, page, line_start, line_end, char_start, "
        "char_end, content_hash, doc_hash, title, section, page_kind, text) "
        "VALUES (?, ?, ?, 1, 1, 1, 0, 0, '', ?, '', '', 'page', ?)",
        [
            (f"{i}:{j}", f"/d/{i}.txt", f"{i}.txt", f"h{i}", text * 20)
            for i in range(docs)
            for j in range(per)
        ],
    )
    db.commit()
    return db


def median_ms(step: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        step()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--per", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for name, text in TEXTS.items():
            db = catalog(Path(folder) / f"{name}.sqlite", args.docs, args.per, text)
            chunks = SqliteChunks(db)
            openings = chunks.openings(OPENING_CHARS)
            assert len(openings) == args.docs
            read = median_ms(lambda chunks=chunks: chunks.openings(OPENING_CHARS), args.runs)
            judge = median_ms(
                lambda openings=openings: [written_in(t) for t in openings.values()], args.runs
            )
            print(
                f"{name}: {args.docs} documents x {args.per} chunks: openings {read:.0f} ms, "
                f"scripts judged {judge:.0f} ms"
            )
            db.close()


if __name__ == "__main__":
    main()
