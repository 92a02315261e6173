"""Issue 29: what an ingest of DA-619p costs in CPU beside the bare embedding of its own
chunks, measured so that the machine's load sways it less than one run of
`bench_ingest.py throughput` does.

Each repetition ingests the PDF into a fresh index (the reader process as `localqa ingest`
starts it), then embeds the very same chunks alone, at once: ingest and bare embedding
alternate, so a change in the machine's load falls on both sides of each ratio. Per
repetition, in CPU seconds (user and system, this process and the reader process waited
for): the whole ingest, its embedding calls, the reader process, and the bare embedding;
then the median and the range of each ratio. The bare embedding's own CPU moves by 15-20%
from run to run on a shared 2-core machine, and so does the whole ratio; the part that
is not embedding ((ingest - its embedding) / bare) moves less.

Run: `python benchmarks/bench_ingest_overhead.py [--reps N] [--pages N]` (needs
../shared/corpus). Prints one line per figure: `<benchmark> <subject> <figure> <value>`.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench_ingest import BIG_PDF, CORPUS, children_cpu_seconds, cpu_seconds
from common import cpu_line, figure, first_pages, load_average, plain_cache


@dataclass(frozen=True, slots=True)
class Repetition:
    """One ingest and the bare embedding after it, in CPU seconds."""

    chunks: int
    ingest: float
    embedding: float  # the ingest's embedding calls
    reader: float
    bare: float

    @property
    def ratio(self) -> float:
        return self.ingest / self.bare

    @property
    def not_embedding(self) -> float:
        """What the ingest spent besides embedding, as a share of the bare embedding."""
        return (self.ingest - self.embedding) / self.bare


def own_cpu_seconds() -> float:
    """CPU seconds of this process alone: a reader process reaped meanwhile (the
    watchdog thread polls it) must not count as embedding."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed_embedder(embedder: Any, spent: list[float]) -> None:
    """`embedder.embed` adds the CPU seconds of each call to `spent[0]`."""
    embed = embedder.embed

    def timed(texts: Sequence[str], *, spare_cores: int = 0) -> Any:
        before = own_cpu_seconds()
        try:
            return embed(texts, spare_cores=spare_cores)
        finally:
            spent[0] += own_cpu_seconds() - before

    embedder.embed = timed


def repetition(builder: Any, embedder: Any, spent: list[float], path: Path) -> Repetition:
    """`path` ingested into a fresh index, then its chunks embedded alone."""
    from localqa.builder import Builder
    from localqa.ingest.pipeline import Ingestor
    from localqa.ingest.progress import PlainProgress

    with tempfile.TemporaryDirectory() as home:
        fresh = Builder.from_options(home=home, embed_device="cpu", cache_dir=plain_cache())
        index = fresh.index()
        settings = builder.settings
        spent[0] = 0.0
        before, reader_before = cpu_seconds(), children_cpu_seconds()
        report = Ingestor(index, embedder, settings.ingest, PlainProgress(quiet=True)).run([path])
        ingest = cpu_seconds() - before
        reader = children_cpu_seconds() - reader_before
        embedding = spent[0]
        texts = [
            c.embedding_text()
            for d in index.catalog.documents()
            for c in index.chunks.of_document(d.abs_path)
        ]
        batch = max(settings.embed_batch_size * 2, 64)  # the pipeline's flush size
        before = cpu_seconds()
        for i in range(0, len(texts), batch):
            embedder.embed(texts[i : i + batch])
        bare = cpu_seconds() - before
    return Repetition(report.chunks_written, ingest, embedding, reader, bare)


def summary(subject: str, name: str, values: list[float]) -> None:
    figure("overhead", subject, f"{name}_median", statistics.median(values))
    figure("overhead", subject, f"{name}_min", min(values))
    figure("overhead", subject, f"{name}_max", max(values))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=5, help="ingests, each with its bare pass")
    parser.add_argument("--pages", type=int, default=0, help="the first N pages only")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        sys.exit(f"{CORPUS} not found: this benchmark needs ../shared/corpus")
    from localqa.builder import Builder

    print(f"cpu {cpu_line()}; load {load_average()}", flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        path = first_pages(BIG_PDF, args.pages, Path(scratch)) if args.pages else BIG_PDF
        subject = f"DA-619p.pdf{f'[:{args.pages}]' if args.pages else ''}"
        builder = Builder.from_options(home=scratch, embed_device="cpu", cache_dir=plain_cache())
        embedder = builder.embedder()
        embedder.embed(["warm up the model before timing"])
        spent = [0.0]
        timed_embedder(embedder, spent)
        reps = []
        for number in range(1, args.reps + 1):
            rep = repetition(builder, embedder, spent, path)
            reps.append(rep)
            for name in ("chunks", "ingest", "embedding", "reader", "bare"):
                figure("overhead", f"{subject}#{number}", f"{name}_cpu_s", getattr(rep, name))
            figure("overhead", f"{subject}#{number}", "cpu_ratio", rep.ratio)
            figure("overhead", f"{subject}#{number}", "not_embedding_share", rep.not_embedding)
            figure("overhead", f"{subject}#{number}", "load", load_average())
    summary(subject, "cpu_ratio", [r.ratio for r in reps])
    summary(subject, "not_embedding_share", [r.not_embedding for r in reps])
    summary(subject, "embedding_to_bare", [r.embedding / r.bare for r in reps])
    summary(subject, "reader_cpu_s", [r.reader for r in reps])
    summary(subject, "bare_cpu_s", [r.bare for r in reps])


if __name__ == "__main__":
    main()
