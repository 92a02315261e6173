"""Look-alike filings: is the right filing and page in the top five for "company + year +
line item" questions? (issue 25, target: at least 0.95.)

The collection is tests/support/filings.py's: `--companies` x `--years` four-page 10-K
shaped PDFs whose pages are word for word the same across siblings but for the cover and
the figures, named by accession number. One question per line item of each filing
("What was Acme Widgets's FY2019 net income?").

Run: `python benchmarks/lookalike_filings.py [--companies 8] [--years 2017-2020]`
Prints `lookalike <subject> <name> <value>` lines and the misses.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from common import REPO, figure, load_average

from localqa.builder import Builder
from localqa.config import Settings
from localqa.ingest.pipeline import Ingestor
from localqa.ingest.progress import PlainProgress
from localqa.store.index import Index
from tests.support.filings import FilingQuestion, write_filings

TOP = 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--companies", type=int, default=8)
    parser.add_argument("--years", default="2017-2020", help="first-last fiscal year")
    args = parser.parse_args()
    first, last = (int(y) for y in args.years.split("-"))
    years = tuple(range(first, last + 1))
    print(f"# load {load_average()}; checkout {REPO}")
    with tempfile.TemporaryDirectory() as tmp:
        folder, home = Path(tmp, "filings"), Path(tmp, "home")
        folder.mkdir()
        questions = write_filings(folder, args.companies, years)
        settings = Settings(home=home)
        builder = Builder(settings)
        started = time.perf_counter()
        with Index(settings.store) as index:
            Ingestor(index, builder.embedder(), settings.ingest, PlainProgress(quiet=True)).run(
                [folder]
            )
        figure("lookalike", "collection", "ingest_s", time.perf_counter() - started)
        hits = _hits(builder, questions)
    figure("lookalike", "collection", "filings", str(args.companies * len(years)))
    figure("lookalike", "collection", "questions", str(len(questions)))
    figure("lookalike", "top5", "right_filing_and_page", sum(hits) / len(questions))
    for hit, q in zip(hits, questions, strict=True):
        if not hit:
            print(f"# missed: {q.question} ({q.source} p{q.page})")
    print(f"# load {load_average()}")


def _hits(builder: Builder, questions: list[FilingQuestion]) -> list[bool]:
    with builder.existing_index() as index:
        retriever = builder.retriever(index)
        return [
            (q.source, q.page)
            in [(r.chunk.source, r.chunk.page) for r in retriever.search(q.question).results[:TOP]]
            for q in questions
        ]


if __name__ == "__main__":
    main()
