"""The shared index after a killed run, corpus-wide (issue 24): two `localqa ingest` runs
started together over ../shared/corpus into one shared index, one of them killed by SIGKILL
at a random moment and run again; then every file is stored once and the chunk totals equal
those of a single run over the same corpus.

Run alone: `PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_shared_kill.py [--seed N]
[--lease 10] [--database-url URL] [--chroma-port PORT]`. Without them a private PostgreSQL
cluster (tests/support/postgres.py) and a Chroma server (`chroma run`) are started on
loopback and stopped at the end. Prints one line per figure: `<benchmark> <subject>
<figure> <value>`; exits 1 if a check fails.

1. A single run into the index `corpus-single` (a no-op when a run before made it whole).
2. Two runs (each its own LOCALQA_HOME, as two machines) into a new index; once a random
   number of documents is visible, plus a random 0-2 s, one of the two, chosen at random,
   is killed by SIGKILL; the other goes on (and takes the killed run's claims when their
   lease runs out); then the killed one is run again, with its home, to the end.
3. Checks: no orphan chunk, one vector per chunk, every document's chunk count right, no
   chunk twice; the same documents as the single run with the same chunk count each (and
   so the same total) and the same chunk text; the reports account for every file.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_shared_index import CORPUS, run_ingest, servers, shared_settings
from common import REPO, figure, load_average

ROOT = CORPUS.resolve()  # documents are stored by their resolved paths


def environment(url: str, port: int, index: str, home: Path, lease: float) -> dict[str, str]:
    import os

    return {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "LOCALQA_HOME": str(home),
        "LOCALQA_INDEX": index,
        "LOCALQA_DATABASE_URL": url,
        "LOCALQA_CHROMA_HOST": "127.0.0.1",
        "LOCALQA_CHROMA_PORT": str(port),
        "LOCALQA_CLAIM_LEASE_S": str(lease),
    }


def finish(run: Any, name: str) -> dict[str, Any]:
    out, err = run.communicate()
    if run.returncode not in (0, 1):
        sys.exit(f"{name} failed ({run.returncode}): {err.strip()[-2000:]}")
    report: dict[str, Any] = json.loads(out)
    return report


def contents(url: str, port: int, index: str, home: Path) -> dict[str, Any]:
    """What the index holds: per document source its chunk count and chunk texts, and the
    consistency checks' findings."""
    from localqa.store.postgres.index import PgIndex

    with PgIndex(shared_settings(url, port, index, home).store, create=False) as pg:
        documents = pg.catalog.documents()
        per_document: dict[str, int] = {}
        texts: set[tuple[str, int, str]] = set()
        ids: list[str] = []
        wrong_counts = 0
        for doc in documents:
            chunks = pg.chunks.of_document(doc.abs_path)
            per_document[str(Path(doc.abs_path).relative_to(ROOT))] = len(chunks)
            wrong_counts += len(chunks) != doc.chunks
            ids += [c.id for c in chunks]
            texts |= {(str(Path(c.abs_path).relative_to(ROOT)), c.page, c.text) for c in chunks}
        stored = pg.vectors._collection.get(ids=ids, include=[])["ids"] if ids else []
        return {
            "documents": per_document,
            "texts": texts,
            "chunks": pg.chunks.count(),
            "chunk_ids_twice": len(ids) - len(set(ids)),
            "orphans": len(pg.chunks.orphan_ids(pg.worker)),
            "vectors": pg.vectors.count(),
            "chunks_without_vector": len(set(ids) - set(stored)),
            "wrong_document_counts": wrong_counts,
        }


def killed_pair(
    url: str, port: int, index: str, top: Path, rng: random.Random, lease: float
) -> list[dict[str, Any]]:
    """Two runs together, one killed at a random moment and run again: their reports."""
    from localqa.store.postgres.index import PgIndex

    homes = [top / "m1", top / "m2"]
    runs = [run_ingest(environment(url, port, index, h, lease)) for h in homes]
    victim = rng.randrange(2)
    target = rng.randint(1, 50)
    extra = rng.uniform(0.0, 2.0)
    figure("shared_kill", "corpus", "kill_after_documents", str(target))
    figure("shared_kill", "corpus", "kill_extra_delay_s", extra)
    started = time.perf_counter()
    time.sleep(2)  # the runs create the index's schema first
    with PgIndex(shared_settings(url, port, index, top / "watch").store) as pg:
        while runs[victim].poll() is None:
            if len(pg.catalog.documents()) >= target:
                time.sleep(extra)
                break
            time.sleep(0.05)
        visible = len(pg.catalog.documents())
    if runs[victim].poll() is not None:
        sys.exit("the run to kill finished before its moment: run again with another --seed")
    runs[victim].send_signal(signal.SIGKILL)
    runs[victim].wait()
    figure("shared_kill", "corpus", "killed_run", str(victim + 1))
    figure("shared_kill", "corpus", "killed_at_s", time.perf_counter() - started)
    figure("shared_kill", "corpus", "documents_visible_at_kill", str(visible))
    survivor = finish(runs[1 - victim], "the other run")
    figure("shared_kill", "corpus", "survivor_s", time.perf_counter() - started)
    again = finish(run_ingest(environment(url, port, index, homes[victim], lease)), "the re-run")
    figure("shared_kill", "corpus", "rerun_s", float(again["seconds"]))
    return [survivor, again]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--lease", type=float, default=10.0, help="claim lease, seconds")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--chroma-port", type=int, default=None)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    rng = random.Random(seed)
    top = Path(tempfile.mkdtemp(prefix="localqa-bench-kill-"))
    files = sum(1 for p in CORPUS.rglob("*") if p.is_file())
    figure("shared_kill", "corpus", "seed", str(seed))
    figure("shared_kill", "corpus", "files", str(files))
    figure("shared_kill", "corpus", "load_average_before", load_average())
    with servers(args.database_url, args.chroma_port) as (url, port):
        single_run = finish(
            run_ingest(environment(url, port, "corpus-single", top / "single", args.lease)),
            "the single run",
        )
        figure("shared_kill", "corpus", "single_run_s", float(single_run["seconds"]))
        single = contents(url, port, "corpus-single", top / "single")
        index = f"corpus-kill-{seed}"
        reports = killed_pair(url, port, index, top, rng, args.lease)
        pair = contents(url, port, index, top / "check")
    figure("shared_kill", "corpus", "load_average_after", load_average())
    report_failures(files, single_run, single, pair, reports)


def report_failures(
    files: int,
    single_run: dict[str, Any],
    single: dict[str, Any],
    pair: dict[str, Any],
    reports: list[dict[str, Any]],
) -> None:
    """Print the comparison; exit 1 if a check fails."""
    problems = [r["path"] for r in single_run["failed"] + single_run["skipped"]]
    for name, subject in (("single", single), ("pair", pair)):
        for key in ("documents", "chunks", "vectors", "orphans", "chunk_ids_twice"):
            value = subject[key]
            figure("shared_kill", name, key, str(len(value) if key == "documents" else value))
        figure("shared_kill", name, "chunks_without_vector", str(subject["chunks_without_vector"]))
        figure("shared_kill", name, "wrong_document_counts", str(subject["wrong_document_counts"]))
    differ = sorted(
        k
        for k in set(single["documents"]) | set(pair["documents"])
        if single["documents"].get(k) != pair["documents"].get(k)
    )
    figure("shared_kill", "pair", "documents_differing_from_single", str(len(differ)))
    figure(
        "shared_kill", "pair", "same_chunk_text_as_single", str(single["texts"] == pair["texts"])
    )
    did = [set(r["files"]["added"]) for r in reports]
    figure("shared_kill", "pair", "files_added_by_both_reports", str(len(did[0] & did[1])))
    for name, r in zip(("survivor", "rerun"), reports, strict=True):
        for key in ("unchanged", "by_others"):
            figure("shared_kill", name, key, str(r[key]))
        for key in ("added", "failed", "skipped"):
            figure(
                "shared_kill",
                name,
                key,
                str(len(r["files"]["added"] if key == "added" else r[key])),
            )
    rerun = reports[1]
    seen = (
        rerun["unchanged"]
        + len(rerun["files"]["added"])
        + len(rerun["failed"])
        + len(rerun["skipped"])
    )
    figure("shared_kill", "rerun", "files_accounted_for", str(seen))
    stored = set(pair["documents"])
    figure("shared_kill", "pair", "stored_plus_failed_or_skipped", str(len(stored) + len(problems)))
    ok = (
        not differ
        and single["texts"] == pair["texts"]
        and pair["chunks"] == single["chunks"] == pair["vectors"]
        and pair["orphans"] == pair["chunk_ids_twice"] == pair["chunks_without_vector"] == 0
        and pair["wrong_document_counts"] == 0
        and not did[0] & did[1]
        and len(stored) + len(problems) == files
        and seen == files
    )
    figure("shared_kill", "pair", "all_checks_pass", str(ok))
    if not ok:
        for key in differ[:10]:
            print(
                f"differs: {key}: single {single['documents'].get(key)}, "
                f"pair {pair['documents'].get(key)}"
            )
        sys.exit(1)


if __name__ == "__main__":
    main()
