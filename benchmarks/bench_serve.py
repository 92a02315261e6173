"""`localqa serve` under load: concurrent clients against questions asked one after another
in one warm process, and the server's resident memory over many requests.

Run: `.venv/bin/python benchmarks/bench_serve.py [--clients 16] [--seconds 60]
[--baseline-seconds 30] [--requests 1000] [--home H] [--json]`. Prints the CPU, the load,
then one line per figure (`serve <subject> <figure> <value>`); `--json`: one JSON object
of every figure on the last line instead.

A real `localqa serve --extractive` (uvicorn, its own process, 127.0.0.1, a free port,
LOCALQA_MAX_QUEUE = --clients so that no client is refused for the queue) over
sample_docs/ ingested once into LOCALQA_BENCH_CACHE (or the index in --home). The
questions are tests/sample_questions.jsonl's, asked in turn, round and round.

1. The baseline: the same questions asked one after another in this process, warm, on
   one `Answerer` (the builder's, as the server's engine makes it) through `shown_stream`
   and `as_json`, as `ask --json` does: no HTTP. Measured for --baseline-seconds before
   and after the concurrent run (load drifts on a shared machine), and the mean taken.
2. Concurrent: --clients clients (asyncio tasks over httpx, one connection each) post
   `/v1/ask` as fast as answers come for --seconds: errors (any status but 200, or a
   failed request), p50/p95 latency, throughput; `ratio`: its throughput over the
   baseline's (target >= 0.8).
3. One HTTP client, sequentially, for --baseline-seconds: what HTTP adds to one answer.
4. Memory: --requests requests in a row from one client; the server's VmRSS
   (/proc/PID/status) before (after the runs above warmed it) and after; target growth
   < 50 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from common import CACHE, REPO, cpu_line, figure, load_average, sample_home, wait_until_up

QUESTIONS_FILE = REPO / "tests" / "sample_questions.jsonl"


def questions() -> list[str]:
    lines = QUESTIONS_FILE.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_server(home: Path, clients: int) -> tuple[subprocess.Popen[bytes], str]:
    """`localqa serve --extractive` on a free port, once /healthz answers."""
    port = free_port()
    CACHE.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCALQA_")}
    env |= {"LOCALQA_HOME": str(home), "LOCALQA_MAX_QUEUE": str(max(clients, 1))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    # its log to a file: a line a request, which would fill a pipe nobody reads meanwhile
    # and stop the server
    with (CACHE / "serve.log").open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "localqa", "serve", "--extractive", "--port", str(port)],
            env=env,
            cwd=CACHE,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    url = f"http://127.0.0.1:{port}"
    wait_until_up(server, f"{url}/healthz", "localqa serve", log=CACHE / "serve.log")
    return server, url


def rss_mb(pid: int) -> float:
    """Resident memory of process `pid` (VmRSS), MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


class InProcess:
    """One warm Answerer over `home`'s index, as the server's engine makes it."""

    def __init__(self, home: Path, asked: list[str]) -> None:
        from localqa.answering.presentation import shown_stream
        from localqa.builder import Builder
        from localqa.config import load_settings

        builder = Builder(load_settings(environ={"LOCALQA_HOME": str(home)}))
        self.answerer = builder.answerer(builder.existing_index())
        self.asked = asked
        for question in asked:  # warm: every question once
            list(shown_stream(self.answerer, question))

    def run(self, seconds: float) -> dict[str, float]:
        """Questions answered one after another for `seconds`, as `ask --json` does."""
        from localqa.answering.presentation import Shown, shown_stream

        done, latencies = 0, []
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            begun = time.perf_counter()
            for event in shown_stream(self.answerer, self.asked[done % len(self.asked)]):
                if isinstance(event, Shown):
                    event.presentation.answer.as_json()
            latencies.append(time.perf_counter() - begun)
            done += 1
        return summary(done, 0, time.perf_counter() - started, latencies)


def summary(done: int, errors: int, elapsed: float, latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies) or [0.0]
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return {
        "requests": float(done),
        "errors": float(errors),
        "seconds": elapsed,
        "per_s": done / elapsed if elapsed else 0.0,
        "p50_ms": statistics.median(ordered) * 1000,
        "p95_ms": p95 * 1000,
    }


async def clients_for(url: str, asked: list[str], clients: int, seconds: float) -> dict[str, float]:
    """`clients` clients posting /v1/ask as fast as answers come, for `seconds`."""
    import httpx

    latencies: list[float] = []
    counts = {"done": 0, "errors": 0}
    first_error: list[str] = []
    deadline = time.perf_counter() + seconds

    async def client(number: int, http: httpx.AsyncClient) -> None:
        turn = number
        while time.perf_counter() < deadline:
            begun = time.perf_counter()
            try:
                response = await http.post(
                    f"{url}/v1/ask", json={"question": asked[turn % len(asked)]}
                )
                good = response.status_code == 200
                if not good and not first_error:
                    first_error.append(f"{response.status_code} {response.text[:200]}")
            except httpx.HTTPError as err:
                good = False
                if not first_error:
                    first_error.append(repr(err))
            latencies.append(time.perf_counter() - begun)
            counts["done" if good else "errors"] += 1
            turn += clients

    started = time.perf_counter()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=300, limits=limits) as http:
        await asyncio.gather(*(client(n, http) for n in range(clients)))
    result = summary(counts["done"], counts["errors"], time.perf_counter() - started, latencies)
    if first_error:
        print(f"first error: {first_error[0]}", file=sys.stderr)
    return result


def in_a_row(url: str, asked: list[str], count: int | None, seconds: float) -> dict[str, float]:
    """One client, one request after another: `count` of them, or for `seconds`."""
    import httpx

    done, errors, latencies = 0, 0, []
    started = time.perf_counter()

    def more() -> bool:
        if count is not None:
            return done + errors < count
        return time.perf_counter() - started < seconds

    with httpx.Client(timeout=300) as http:
        while more():
            question = asked[(done + errors) % len(asked)]
            begun = time.perf_counter()
            response = http.post(f"{url}/v1/ask", json={"question": question})
            latencies.append(time.perf_counter() - begun)
            if response.status_code == 200:
                done += 1
            else:
                errors += 1
    return summary(done, errors, time.perf_counter() - started, latencies)


def measure(args: argparse.Namespace) -> dict[str, Any]:
    home = args.home or sample_home("serve-home")
    asked = questions()
    server, url = start_server(home, args.clients)
    try:
        in_a_row(url, asked, len(asked), 0)  # warm: every question once
        warm = InProcess(home, asked)
        before = warm.run(args.baseline_seconds)
        concurrent = asyncio.run(clients_for(url, asked, args.clients, args.seconds))
        after = warm.run(args.baseline_seconds)
        baseline = {k: (before[k] + after[k]) / 2 for k in before}
        one_client = in_a_row(url, asked, None, args.baseline_seconds)
        rss_before = rss_mb(server.pid)
        many = in_a_row(url, asked, args.requests, 0)
        rss_after = rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=60)
        log = (CACHE / "serve.log").read_text(errors="replace")
    return {
        "cpu": cpu_line(),
        "clients": args.clients,
        "baseline_in_process": baseline,
        "baseline_runs_per_s": [before["per_s"], after["per_s"]],
        "concurrent": concurrent,
        "ratio": concurrent["per_s"] / baseline["per_s"] if baseline["per_s"] else 0.0,
        "one_http_client": one_client,
        "memory": {
            "requests": many["requests"],
            "errors": many["errors"],
            "rss_before_mb": rss_before,
            "rss_after_mb": rss_after,
            "growth_mb": rss_after - rss_before,
        },
        "server_log_tracebacks": log.count("Traceback"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60.0, help="of the concurrent run")
    parser.add_argument("--baseline-seconds", type=float, default=30.0)
    parser.add_argument("--requests", type=int, default=1000, help="of the memory run")
    parser.add_argument("--home", type=Path, help="a LOCALQA_HOME holding the index to serve")
    parser.add_argument("--json", action="store_true", help="one JSON object on the last line")
    args = parser.parse_args()
    load_start = load_average()
    result = measure(args) | {"load": f"{load_start} -> {load_average()}"}
    if args.json:
        print(json.dumps(result))
        return
    print(f"cpu: {result['cpu']}\nload: {result['load']}")
    for subject in ("baseline_in_process", "concurrent", "one_http_client", "memory"):
        for name, value in result[subject].items():
            figure("serve", subject, name, float(value))
    before, after = result["baseline_runs_per_s"]
    figure("serve", "baseline_in_process", "per_s_before", float(before))
    figure("serve", "baseline_in_process", "per_s_after", float(after))
    figure("serve", "concurrent", "ratio", float(result["ratio"]))


if __name__ == "__main__":
    main()
