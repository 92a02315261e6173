"""The shared index (PostgreSQL + a Chroma server, issue 24) against the embedded one.

Run alone: `PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_shared_index.py [latency]
[corpus] [--size 100000] [--questions 100] [--database-url URL]`. Without --database-url a
private PostgreSQL cluster is started on loopback (tests/support/postgres.py: Debian's
PostgreSQL 15), and a Chroma server (`chroma run`) always; both are stopped at the end.
Prints one line per figure: `<benchmark> <subject> <figure> <value>`.

latency: the synthetic index of bench_retrieval_latency.py (`--size` chunks of real prose,
random unit vectors), built in both stores; `Retriever.search` with a stub embedder (query
embedding excluded) and BM25 alone, p50/p95 over SQuAD questions, and whether the shared
index's BM25 returns the embedded one's chunks in the same order.

corpus: two `localqa ingest` processes started together over ../shared/corpus into one
shared index (each its own LOCALQA_HOME, as two machines): each one's files and time, that
no file was done twice and all were done; then a no-op re-ingest, process start to exit.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import bench_retrieval_latency as latency_bench
from common import REPO, SHARED, figure, load_average

CORPUS = SHARED / "corpus"


@contextmanager
def servers(database_url: str | None, chroma_port: int | None) -> Iterator[tuple[str, int]]:
    """(database URL, Chroma port): the given database or a private cluster, and the given
    Chroma server or one of its own; those it started are stopped at the end."""
    from tests.support.postgres import start_cluster

    cluster = None if database_url else start_cluster()
    url = database_url or (cluster.url if cluster else "")
    try:
        if chroma_port:
            yield url, chroma_port
        else:
            with chroma_server() as port:
                yield url, port
    finally:
        if cluster is not None:
            cluster.pg_ctl("stop", "-m", "fast")


@contextmanager
def chroma_server() -> Iterator[int]:
    """A Chroma server (`chroma run`) on a free loopback port, stopped at the end."""
    import socket

    from tests.support.postgres import free_port

    port = free_port()
    data = tempfile.mkdtemp(prefix="localqa-bench-chroma-")
    command = [str(Path(sys.executable).parent / "chroma"), "run", "--host", "127.0.0.1"]
    chroma = subprocess.Popen(
        [*command, "--port", str(port), "--path", data],
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        yield port
    finally:
        chroma.terminate()
        chroma.wait(timeout=30)
        shutil.rmtree(data, ignore_errors=True)


def shared_settings(url: str, port: int, index: str, home: Path) -> Any:
    from localqa.config import load_settings

    overrides = {
        "home": home,
        "index": index,
        "database_url": url,
        "chroma_host": "127.0.0.1",
        "chroma_port": port,
    }
    return load_settings(overrides, environ={})


def build_shared(n: int, texts: dict[str, list[str]], settings: Any) -> Any:
    """The synthetic index of `n` chunks in PostgreSQL and the Chroma server."""
    from localqa.schema import IndexedDocument
    from localqa.store.postgres.index import PgIndex

    index = PgIndex(settings.store)
    if index.chunks.count() == n and index.vectors.count() == n:
        return index
    rng = latency_bench.np.random.default_rng(latency_bench.SEED)
    rows_s = vectors_s = 0.0
    pending: list[Any] = []
    docs = latency_bench.make_chunks(n, texts)
    with index.writing():
        for chunks in docs:
            started = time.perf_counter()
            index.chunks.add(chunks)
            first = chunks[0]
            document = IndexedDocument(
                first.abs_path,
                first.source,
                "/bench",
                first.doc_hash,
                sum(len(c.text) for c in chunks),
                0,
                first.title,
                "page",
                chunks[-1].page,
            )
            index.catalog.commit(document, index.worker)
            rows_s += time.perf_counter() - started
            pending += chunks
            if len(pending) >= latency_bench.UPSERT_BATCH or chunks is docs[-1]:
                vectors = latency_bench.unit_vectors(rng, len(pending))
                started = time.perf_counter()
                index.vectors.upsert(
                    [c.id for c in pending], vectors, [c.abs_path for c in pending]
                )
                vectors_s += time.perf_counter() - started
                pending = []
    figure("shared", f"{n}", "build_postgresql_s", rows_s)
    figure("shared", f"{n}", "build_chroma_server_s", vectors_s)
    return index


def latency(url: str, port: int, n: int, count: int) -> None:
    texts = latency_bench.sources()
    asked = latency_bench.questions(count)
    embedded = latency_bench.build_index(n, texts)
    home = latency_bench.CACHE / "shared"
    shared = build_shared(n, texts, shared_settings(url, port, f"synthetic-{n}", home))
    figure("shared", f"{n}", "chunks", str(shared.chunks.count()))
    figure("shared", f"{n}", "load_average_before", load_average())
    if copy := getattr(shared.lexical, "copy", None):  # the code before the copy has none
        started = time.perf_counter()
        copy.refresh()  # as a write on this machine leaves it
        figure("shared", f"{n}", "bm25_copy_made_s", time.perf_counter() - started)
    for name, index in (("embedded", embedded), ("shared", shared)):
        latency_bench.time_searches(index, asked)  # warm
        parts = latency_bench.time_searches(index, asked)
        latency_bench.summary(f"{n}", f"{name}_search_without_embedding", parts.total)
        latency_bench.summary(f"{n}", f"{name}_dense", parts.dense)
        latency_bench.summary(f"{n}", f"{name}_lexical", parts.lexical)
        latency_bench.summary(f"{n}", f"{name}_sentences", parts.sentences)
        latency_bench.summary(f"{n}", f"{name}_rest", parts.fusion)
        bm25 = [latency_bench.timed(index.lexical.search, q, 40) for q in asked]
        latency_bench.summary(f"{n}", f"{name}_bm25_top40", bm25)
        listed = [latency_bench.timed(index.catalog.documents) for _ in asked]
        latency_bench.summary(f"{n}", f"{name}_catalog_documents", listed)
    sql = [latency_bench.timed(bm25_in_postgresql, shared, q) for q in asked]
    latency_bench.summary(f"{n}", "shared_bm25_top40_in_postgresql", sql)
    same = sum(
        [c.id for c, _ in embedded.lexical.search(q, 40)]
        == [c.id for c, _ in shared.lexical.search(q, 40)]
        for q in asked
    )
    figure("shared", f"{n}", "bm25_same_ranking", f"{same}/{len(asked)}")
    figure("shared", f"{n}", "load_average_after", load_average())
    embedded.close()
    shared.close()


def bm25_in_postgresql(index: Any, question: str) -> None:
    """The shared index's BM25 ranking as PostgreSQL makes it (without the copy)."""
    from localqa.store.postgres.lexical import SEARCH_SQL

    terms = index.lexical._question_terms(question)
    if terms:
        with index.db.transaction() as conn:
            conn.execute(SEARCH_SQL, {"terms": terms, "limit": 90}).fetchall()


def run_ingest(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "localqa", "ingest", "--quiet", "--json", str(CORPUS)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def corpus(url: str, port: int) -> None:
    files = sum(1 for p in CORPUS.rglob("*") if p.is_file())
    top = Path(tempfile.mkdtemp(prefix="localqa-bench-shared-"))
    base = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "LOCALQA_INDEX": "corpus",
        "LOCALQA_DATABASE_URL": url,
        "LOCALQA_CHROMA_HOST": "127.0.0.1",
        "LOCALQA_CHROMA_PORT": str(port),
    }
    figure("shared", "corpus", "files", str(files))
    figure("shared", "corpus", "load_average_before", load_average())
    started = time.perf_counter()
    runs = [run_ingest({**base, "LOCALQA_HOME": str(top / f"m{n}")}) for n in (1, 2)]
    reports = []
    for n, run in enumerate(runs, 1):
        out, err = run.communicate()
        if run.returncode not in (0, 1):
            sys.exit(f"run {n} failed: {err}")
        report = json.loads(out)
        reports.append(report)
        done = report["files"]["added"]
        figure("shared", "corpus", f"run{n}_files_added", str(len(done)))
        figure("shared", "corpus", f"run{n}_by_others", str(report["by_others"]))
        figure("shared", "corpus", f"run{n}_failed", str(len(report["failed"])))
        figure("shared", "corpus", f"run{n}_seconds", float(report["seconds"]))
    figure("shared", "corpus", "both_wall_s", time.perf_counter() - started)
    did = [set(r["files"]["added"]) for r in reports]
    figure("shared", "corpus", "files_done_twice", str(len(did[0] & did[1])))
    figure("shared", "corpus", "chunks", str(reports[-1]["chunks"]))
    started = time.perf_counter()
    again = run_ingest({**base, "LOCALQA_HOME": str(top / "m3")})
    out, _ = again.communicate()
    figure("shared", "corpus", "noop_process_s", time.perf_counter() - started)
    report = json.loads(out)
    figure("shared", "corpus", "noop_unchanged", str(report["unchanged"]))
    figure("shared", "corpus", "noop_in_process_s", float(report["seconds"]))
    figure("shared", "corpus", "load_average_after", load_average())


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("which", nargs="*", default=["latency", "corpus"])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--chroma-port", type=int, default=None, help="a running server's")
    args = parser.parse_args()
    with servers(args.database_url, args.chroma_port) as (url, port):
        if "latency" in args.which:
            latency(url, port, args.size, args.questions)
        if "corpus" in args.which:
            corpus(url, port)


if __name__ == "__main__":
    main()
