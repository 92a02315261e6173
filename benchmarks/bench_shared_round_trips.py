"""What holding one PostgreSQL connection through a shared-index search saves (issue 24):
the same searches, alternating, with the connection held (`IndexReader.reading`) and with
each read checking out its own in a transaction of its own (as before), paired so that a
loaded machine's drift falls on both alike.

Run alone: `PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_shared_round_trips.py
[--rounds 400]`. A private PostgreSQL cluster (tests/support/postgres.py) and a Chroma
server are started on loopback and stopped at the end; sample_docs is ingested into them;
each question's vector is made once (query embedding excluded). Prints one line per
figure: `<benchmark> <subject> <figure> <value>`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_shared_index import chroma_server
from common import REPO, figure, load_average

QUESTIONS = (
    "When is salary paid?",
    "How long is parental leave?",
    "Who approves travel?",
    "Is the VPN needed outside the office?",
)


class OnceEmbedded:
    """The embedder, each text's vector made once: what is timed is the search alone."""

    def __init__(self, embedder: Any) -> None:
        self._embedder = embedder
        self._made: dict[tuple[str, ...], Any] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._embedder, name)

    def embed(self, texts: list[str]) -> Any:
        key = tuple(texts)
        if key not in self._made:
            self._made[key] = self._embedder.embed(texts)
        return self._made[key]


def paired(index: Any, retriever: Any, rounds: int) -> tuple[list[float], list[float]]:
    """(held, each) milliseconds per search, each question searched both ways in turn."""
    held: list[float] = []
    each: list[float] = []
    reading = index.reading
    try:
        for n in range(rounds):
            for hold in (True, False) if n % 2 else (False, True):
                index.reading = reading if hold else contextlib.nullcontext
                started = time.perf_counter()
                retriever.search(QUESTIONS[n % len(QUESTIONS)])
                (held if hold else each).append((time.perf_counter() - started) * 1000)
    finally:
        index.reading = reading
    return held, each


def main() -> None:
    from localqa.builder import Builder
    from localqa.config import load_settings
    from localqa.store.postgres.index import PgIndex
    from tests.support.postgres import start_cluster

    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=400)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="localqa-round-trips-"))
    cluster = start_cluster()
    try:
        with chroma_server() as port:
            env = {
                **os.environ,
                "LOCALQA_HOME": str(home),
                "LOCALQA_DATABASE_URL": cluster.url,
                "LOCALQA_CHROMA_HOST": "127.0.0.1",
                "LOCALQA_CHROMA_PORT": str(port),
            }
            ingest = [sys.executable, "-m", "localqa", "ingest", "-q", str(REPO / "sample_docs")]
            subprocess.run(ingest, env=env, check=True)
            settings = load_settings(environ={k: v for k, v in env.items() if "LOCALQA_" in k})
            builder = Builder(settings)
            with PgIndex(settings.store) as index:
                index.lexical.copy.refresh()  # current, as an ingest on this machine leaves it
                embedder = OnceEmbedded(builder.query_embedder(index))
                retriever = builder.retriever(index, embedder)
                for question in QUESTIONS * 3:  # warm
                    retriever.search(question)
                figure("round_trips", "sample_docs", "load_average_before", load_average())
                held, each = paired(index, retriever, args.rounds)
                figure("round_trips", "sample_docs", "load_average_after", load_average())
            for name, times in (("held", held), ("each_read_its_own", each)):
                figure("round_trips", "sample_docs", f"{name}_p50_ms", statistics.median(times))
                p95 = statistics.quantiles(times, n=20)[-1]
                figure("round_trips", "sample_docs", f"{name}_p95_ms", p95)
            saved = statistics.median(e - h for h, e in zip(held, each, strict=True))
            figure("round_trips", "sample_docs", "paired_saving_p50_ms", saved)
    finally:
        cluster.pg_ctl("stop", "-m", "fast")
        shutil.rmtree(cluster.data.parent, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
