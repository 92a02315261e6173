"""A team's client and server: a cold `localqa ask --server` against a cold local `ask`,
and what an ingest beside a running `localqa serve` costs the next question.

Run alone: `.venv/bin/python benchmarks/bench_client.py [--runs 5]`. Needs nothing outside
the checkout. Prints one line per figure: `<benchmark> <subject> <figure> <value>`.

1. An index of sample_docs is built once under LOCALQA_BENCH_CACHE with `localqa ingest`,
   and `localqa serve --extractive` started over it on 127.0.0.1.
2. `localqa ask QUESTION --json` as a new process, process start to exit, --runs times
   after one warm-up: locally (`--extractive`: opens the index, loads the embedder) and
   with `--server` (loads neither); medians.
3. `/v1/ask` over HTTP, --runs times: the median of a question when nothing changed, then
   of the first question after each of --runs ingests of one new file beside the server
   (the server reopens the index: Chroma's client, the counts).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time

import httpx
from common import CACHE, REPO, figure, load_average

HOME = CACHE / "client-home"
DOCS = CACHE / "client-docs"
QUESTION = "How many days of paid vacation do I get each year?"


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCALQA_")}
    return {**env, "LOCALQA_HOME": str(HOME)}


def localqa(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "localqa", *args],
        env=environment(),
        capture_output=True,
        text=True,
        check=True,
        cwd=CACHE,
    )


def timed(*args: str, runs: int) -> float:
    localqa(*args)  # warm-up: the files in the OS cache
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        localqa(*args)
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def serve() -> tuple[subprocess.Popen[str], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "localqa", "serve", "--extractive", "--port", str(port)],
        env=environment(),
        cwd=CACHE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    for _ in range(600):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return server, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.2)
    server.kill()
    sys.exit("localqa serve did not start")


def asked(client: httpx.Client) -> float:
    start = time.perf_counter()
    client.post("/v1/ask", json={"question": QUESTION}).raise_for_status()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    print(f"# load {load_average()}", flush=True)
    shutil.rmtree(DOCS, ignore_errors=True)
    shutil.copytree(REPO / "sample_docs", DOCS)
    localqa("ingest", str(DOCS))
    server, url = serve()
    try:
        local = timed("ask", QUESTION, "--extractive", "--json", runs=runs)
        remote = timed("ask", QUESTION, "--server", url, "--json", runs=runs)
        figure("client", "ask --extractive (local, cold)", "median_s", local)
        figure("client", "ask --server (cold)", "median_s", remote)
        with httpx.Client(base_url=url, timeout=300) as client:
            asked(client)
            steady = statistics.median(asked(client) for _ in range(runs))
            after = []
            for n in range(runs):
                (DOCS / f"added-{n}.md").write_text(f"# Note {n}\n\nRoom {n} is free.\n")
                localqa("ingest", str(DOCS))
                after.append(asked(client))
        figure("serve", "/v1/ask, index unchanged", "median_s", steady)
        first_after = statistics.median(after)
        figure("serve", "/v1/ask, first after an ingest beside it", "median_s", first_after)
    finally:
        server.terminate()
        server.wait(30)
    print(f"# load {load_average()}", flush=True)


if __name__ == "__main__":
    main()
