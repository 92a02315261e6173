"""Ingest benchmarks: throughput, overhead over the embedder, memory, no-op re-ingest, and
embedding speed against batch size.

Run alone: `.venv/bin/python benchmarks/bench_ingest.py [WHICH...]`, WHICH among throughput,
memory, corpus, noop, moved, batch; `noop` and `moved` reuse an index with
`--home H --corpus DIR` (`moved` renames a folder in DIR and back: give it a writable
copy of the corpus, already ingested into H).
Needs ../shared/corpus (or LOCALQA_SHARED). Prints one line per figure:
`<benchmark> <subject> <figure> <value>`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import REPO, SHARED, cpu_line, figure, first_pages, load_average, plain_cache

CORPUS = SHARED / "corpus"
BIG_PDF = CORPUS / "unstructured/pdf/DA-619p.pdf"
MEMORY_PAIRS = [
    ("pdf", CORPUS / "unstructured/pdf/DA-1p.pdf", BIG_PDF),
    (
        "docx",
        CORPUS / "unstructured/docx/handbook-1p.docx",
        CORPUS / "unstructured/docx/handbook-872p.docx",
    ),
]


def cpu_seconds() -> float:
    """CPU seconds (user and system) of this process and of its children waited for (the
    reader process): less swayed by other work on the machine than the clock."""
    return children_cpu_seconds() + _seconds(resource.getrusage(resource.RUSAGE_SELF))


def children_cpu_seconds() -> float:
    """CPU seconds of this process's children waited for (the reader process)."""
    return _seconds(resource.getrusage(resource.RUSAGE_CHILDREN))


def _seconds(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime


def throughput(path: Path, subject: str, home: str | None = None) -> None:
    """Total ingest time against embedding alone on the very same chunks, by the clock and
    in CPU seconds (this process and the reader process); the index is left in `home` when
    one is given."""
    from localqa.builder import Builder
    from localqa.ingest.pipeline import Ingestor
    from localqa.ingest.progress import PlainProgress

    with tempfile.TemporaryDirectory() as scratch:
        builder = Builder.from_options(
            home=home or scratch, embed_device="cpu", cache_dir=plain_cache()
        )
        settings = builder.settings
        embedder = builder.embedder()
        embedder.embed(["warm up the model before timing"])
        index = builder.index()
        cpu_before, reader_before = cpu_seconds(), children_cpu_seconds()
        report = Ingestor(index, embedder, settings.ingest, PlainProgress(quiet=True)).run([path])
        ingest_cpu = cpu_seconds() - cpu_before
        reader_cpu = children_cpu_seconds() - reader_before
        texts = [
            c.embedding_text()
            for d in index.catalog.documents()
            for c in index.chunks.of_document(d.abs_path)
        ]
        batch = max(settings.embed_batch_size * 2, 64)  # the pipeline's flush size
        started, cpu_before = time.perf_counter(), cpu_seconds()
        for i in range(0, len(texts), batch):
            embedder.embed(texts[i : i + batch])
        embed_only = time.perf_counter() - started
        embed_cpu = cpu_seconds() - cpu_before
    figure("ingest", subject, "files", str(len(report.added)))
    figure("ingest", subject, "failed", str(len(report.failed)))
    figure("ingest", subject, "pages", str(report.pages))
    figure("ingest", subject, "chunks", str(report.chunks_written))
    figure("ingest", subject, "seconds", report.seconds)
    figure("ingest", subject, "pages_per_s", report.pages / report.seconds)
    figure("ingest", subject, "chunks_per_s", report.chunks_written / report.seconds)
    figure("ingest", subject, "embed_in_pipeline_seconds", report.embed_seconds)
    figure("ingest", subject, "store_seconds", report.store_seconds)
    figure("ingest", subject, "embed_only_seconds", embed_only)
    figure("ingest", subject, "ratio_total_to_embed_only", report.seconds / embed_only)
    figure("ingest", subject, "cpu_seconds", ingest_cpu)
    figure("ingest", subject, "reader_cpu_seconds", reader_cpu)
    figure("ingest", subject, "embed_only_cpu_seconds", embed_cpu)
    figure("ingest", subject, "cpu_ratio_total_to_embed_only", ingest_cpu / embed_cpu)
    figure("ingest", subject, "load_after", load_average())


def peak_rss_mb(home: str, path: Path) -> float:
    """Peak resident memory of a whole `localqa ingest` process, in MB."""
    env = {**os.environ, "LOCALQA_HOME": home, "PYTHONPATH": str(REPO)}
    env["LOCALQA_CACHE_DIR"] = str(plain_cache())  # no export in the measured process
    proc = subprocess.Popen(
        [sys.executable, "-m", "localqa", "ingest", "--quiet", str(path)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, _, usage = os.wait4(proc.pid, 0)
    return usage.ru_maxrss / 1024


def memory() -> None:
    for kind, small, large in MEMORY_PAIRS:
        for label, path in (("small", small), ("large", large)):
            with tempfile.TemporaryDirectory() as home:
                rss = peak_rss_mb(home, path)
            figure("memory", f"{kind}-{label}:{path.name}", "size_mb", path.stat().st_size / 1e6)
            figure("memory", f"{kind}-{label}:{path.name}", "peak_rss_mb", rss)


def noop(home: str | None = None, corpus: Path = CORPUS) -> None:
    """Re-ingesting an unchanged corpus must not read the files again: a whole
    `localqa ingest` process on the corpus already ingested in `home` (else ingested first),
    three times."""
    with tempfile.TemporaryDirectory() as scratch:
        env = {**os.environ, "LOCALQA_HOME": home or scratch, "PYTHONPATH": str(REPO)}
        command = [sys.executable, "-m", "localqa", "ingest", "--json", str(corpus)]
        if home is None:
            subprocess.run(command, env=env, check=False, capture_output=True)
        for attempt in (1, 2, 3):
            started = time.perf_counter()
            done = subprocess.run(command, env=env, check=False, capture_output=True, text=True)
            whole = time.perf_counter() - started
            report = json.loads(done.stdout)
            figure("noop", "corpus", f"process_seconds_{attempt}", whole)
            figure("noop", "corpus", f"in_process_seconds_{attempt}", float(report["seconds"]))
        started = time.perf_counter()
        subprocess.run([*command[:3], "--help"], env=env, check=False, capture_output=True)
        start_up = time.perf_counter() - started
    figure("noop", "corpus", "exit_status", str(done.returncode))
    figure("noop", "corpus", "unchanged_files", str(report["unchanged"]))
    figure("noop", "corpus", "failed_before_files", str(len(report["failed_before"])))
    figure("noop", "corpus", "embedded_files", str(report["added"] + report["updated"]))
    figure("noop", "corpus", "cli_start_seconds", start_up)


def evict(*folders: Path) -> int:
    """Drop the files under `folders` from the page cache (posix_fadvise DONTNEED), so
    the next run reads them from disk as after a reboot: a cold run, without dropping
    the whole machine's cache. How many files."""
    count = 0
    for folder in folders:
        for path in (p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
            try:
                fd = os.open(path, os.O_RDONLY)
            except OSError:
                continue
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                count += 1
            finally:
                os.close(fd)
    return count


def moved(home: str, corpus: Path, folder: str = "unstructured/docx", cold: bool = False) -> None:
    """A folder of an ingested corpus renamed (`folder` -> its name with "-moved"), then
    ingested: a whole `localqa ingest` process, then the same renamed back. The files are
    re-pointed, not read or embedded again. `cold`: before each run, the index, the
    Python environment and this checkout are dropped from the page cache (`evict`)."""
    env = {**os.environ, "LOCALQA_HOME": home, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "localqa", "ingest", "--json", str(corpus)]
    before, after = corpus / folder, corpus / f"{folder}-moved"
    for label, source, target in (("renamed", before, after), ("back", after, before)):
        source.rename(target)
        if cold:
            evict(Path(home), Path(sys.prefix), REPO / "localqa", corpus)
        started = time.perf_counter()
        done = subprocess.run(command, env=env, check=False, capture_output=True, text=True)
        whole = time.perf_counter() - started
        report = json.loads(done.stdout)
        subject = f"{folder}:{label}"
        figure("moved", subject, "exit_status", str(done.returncode))
        figure("moved", subject, "moved_files", str(report["moved"]))
        figure("moved", subject, "chunks_written", str(report["chunks_written"]))
        figure("moved", subject, "chunks_embedded_again", str(report["moved_embedded"]))
        figure("moved", subject, "process_seconds", whole)
        figure("moved", subject, "in_process_seconds", float(report["seconds"]))


def corpus() -> None:
    """All of ../shared/corpus ingested, then re-ingested unchanged (one ingest for both)."""
    with tempfile.TemporaryDirectory() as home:
        throughput(CORPUS, "shared-corpus", home)
        noop(home)


BATCH_SIZES = (8, 16, 32, 64)
BATCH_CHUNKS = 1280


def batch_sizes() -> None:
    """Embedding alone at each batch size, on the first BATCH_CHUNKS chunks of DA-619p.pdf
    (read and split as ingest does), in the pipeline's flushes of 64, each size twice in
    turn (the machine is shared: the two passes show the noise)."""
    from localqa.embedding.embedder import SentenceTransformerEmbedder
    from localqa.ingest.chunking import Chunker, header_budget
    from localqa.ingest.reader import ChunksRead, read_inline
    from localqa.ingest.scan import WorkItem, scan
    from localqa.ingest.splitter import TokenSplitter

    embedder = SentenceTransformerEmbedder(device="cpu")
    count = embedder.count_tokens
    chunker = Chunker(TokenSplitter(count, 200, 30), count, header_budget(embedder.max_tokens, 200))
    files = scan([BIG_PDF]).files
    work = [WorkItem(files[0], "bench", None)]
    texts = [
        c.embedding_text()
        for event in read_inline(work, chunker)
        if isinstance(event, ChunksRead)
        for c in event.chunks
    ][:BATCH_CHUNKS]
    embedder.embed(["warm up the model before timing"])
    for attempt in (1, 2):
        for size in BATCH_SIZES:
            embedder.batch_size = size
            started = time.perf_counter()
            for i in range(0, len(texts), 64):
                embedder.embed(texts[i : i + 64])
            rate = len(texts) / (time.perf_counter() - started)
            figure("embed", f"batch-{size}", f"chunks_per_s_pass_{attempt}", rate)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "which",
        nargs="*",
        default=["throughput", "memory", "corpus"],
        help="throughput (DA-619p.pdf), memory, corpus (throughput, then no-op), noop, moved, "
        "batch",
    )
    parser.add_argument("--home", help="noop, moved: a LOCALQA_HOME holding the corpus")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="noop, moved: its folder")
    parser.add_argument(
        "--cold", action="store_true", help="moved: each run with its files out of the page cache"
    )
    parser.add_argument("--pages", type=int, default=0, help="throughput: the first N pages")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        sys.exit(f"{CORPUS} not found: these benchmarks need ../shared/corpus")
    print(f"cpu {cpu_line()}; load {load_average()}", flush=True)
    if "throughput" in args.which:
        with tempfile.TemporaryDirectory() as scratch:
            pdf = first_pages(BIG_PDF, args.pages, Path(scratch)) if args.pages else BIG_PDF
            throughput(pdf, f"DA-619p.pdf{f'[:{args.pages}]' if args.pages else ''}")
    if "memory" in args.which:
        memory()
    if "corpus" in args.which:
        corpus()
    if "noop" in args.which:
        noop(args.home, args.corpus)
    if "moved" in args.which:
        if not args.home:
            sys.exit("moved needs --home (and --corpus: a writable copy ingested there)")
        moved(args.home, args.corpus, cold=args.cold)
    if "batch" in args.which:
        batch_sizes()


if __name__ == "__main__":
    main()
