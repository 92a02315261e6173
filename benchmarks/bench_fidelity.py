"""Loader fidelity over the shared corpus and cases: every file accounted for (added,
skipped or failed with a reason), no traceback, and each case's right answer found.

    PYTHONPATH=$PWD python benchmarks/bench_fidelity.py ../shared [--no-ocr] [--json out.json]
    PYTHONPATH=$PWD python benchmarks/bench_fidelity.py ../shared --loaders-only

`--loaders-only` reads each file through the loaders alone (no splitting, embedding or
answers): minutes instead of the whole ingest, for comparing with an older checkout.
`--asks-only HOME` asks the case questions of an index already made of the corpus and
cases (`LOCALQA_HOME=HOME localqa ingest COPY`, COPY holding `corpus/` and `cases/`):
the answers without the half hour of ingest, e.g. after a change to retrieval or answers.

Runs against whatever `localqa` is first on PYTHONPATH, so the same script measures an
older checkout (a setting it lacks, such as `ocr`, is left out). cases/hostile is left
out: its files are issue 15's (they may take minutes or gigabytes before that is merged).
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

# (case file, question, what the right answer's quote holds) from shared/cases/README.md
QUESTIONS = [
    ("08-tickets.csv", "Which ticket is about the badge reader?", "T-2"),
    ("09-office-ligatures.pdf", "What does the financial office do?", "closes the fiscal year"),
    (
        "10-cold-store-hyphenated.pdf",
        "Which company provides technical services?",
        "Kelvara Technical Services",
    ),
    ("10-cold-store-hyphenated.pdf", "Who overhauls the compressors?", "Kelvara Technical"),
    ("11-budget-formulas.xlsx", "What is the line total for folding chairs?", "900"),
    ("11-budget-formulas.xlsx", "What is the grand total?", "2817"),
    (
        "17-lease-footnote.docx",
        "How much notice is needed for early termination of the lease?",
        "four months written notice",
    ),
    ("17-lease-footnote.docx", "What is the contract reference?", "HX-4471"),
    ("file_scanned.pdf", "What is the address of Dr. Cundall?", "Holroyd Road"),
]


def _settings(home: Path, ocr: bool) -> Any:
    from localqa.config import Settings, load_settings

    settings = load_settings(environ={"LOCALQA_HOME": str(home)})
    if "ocr" in Settings.model_fields:
        settings = settings.model_copy(update={"ocr": ocr})
    return settings


def _copy_inputs(shared: Path, into: Path) -> Path:
    root = into / "inputs"
    shutil.copytree(shared / "corpus", root / "corpus")
    shutil.copytree(shared / "cases", root / "cases", ignore=shutil.ignore_patterns("hostile"))
    return root


def _ask(settings: Any) -> list[dict[str, Any]]:
    from localqa.builder import Builder

    builder = Builder(settings)
    answerer = builder.answerer(builder.existing_index())
    results = []
    for source, question, expected in QUESTIONS:
        answer = answerer.ask(question)
        # a case's control file (same text, no fault) is its near-duplicate: either may be
        # the one quoted
        control = source.replace("-hyphenated", "-plain").replace("-ligatures", "-plain")
        found = any(
            Path(c.chunk.source).name in (source, control) and expected in c.quote
            for c in answer.citations
        )
        results.append({"question": question, "source": source, "found": found})
    return results


def run(shared: Path, ocr: bool) -> dict[str, Any]:
    from localqa.embedding.embedder import SentenceTransformerEmbedder
    from localqa.ingest.pipeline import Ingestor
    from localqa.ingest.progress import PlainProgress
    from localqa.store.index import Index

    with tempfile.TemporaryDirectory(prefix="fidelity-") as scratch:
        root = _copy_inputs(shared, Path(scratch))
        every = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
        settings = _settings(Path(scratch) / "home", ocr)
        started = time.perf_counter()
        # a crash ends the run with its traceback: that is the finding
        with Index(settings.store) as index:
            embedder = SentenceTransformerEmbedder(device="cpu")
            report = Ingestor(index, embedder, settings.ingest, PlainProgress(quiet=True)).run(
                [root]
            )
        seconds = time.perf_counter() - started
        failed = {p.path: p.reason for p in report.failed}
        skipped = {p.path: p.reason for p in report.skipped}
        accounted = set(report.added) | set(failed) | set(skipped)
        return {
            "files": len(every),
            "added": len(report.added),
            "skipped": skipped,
            "failed": failed,
            "unaccounted": sorted(every - accounted),
            "warnings": [p.as_dict() for p in report.warnings],
            "chunks": report.chunks,
            "ingest_seconds": round(seconds, 1),
            "answers": _ask(settings),
        }


def loaders_only(shared: Path, ocr: bool) -> dict[str, Any]:
    """Each file opened and read to its last page: added (some text), skipped or failed."""
    from localqa.ingest.loaders import open_document
    from localqa.ingest.loaders.base import LoadError, UnsupportedFile

    outcomes: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="fidelity-") as scratch:
        root = _copy_inputs(shared, Path(scratch))
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            name = path.relative_to(root).as_posix()
            try:
                try:
                    from localqa.ingest.loaders import LoadOptions  # type: ignore[attr-defined]

                    document = open_document(path, options=LoadOptions(ocr=ocr))
                except ImportError:  # a checkout before issue 13: no options
                    document = open_document(path)
                has_text = any(page.text.strip() for page in document.pages)
                outcomes[name] = "added" if has_text else "failed: no text"
            except UnsupportedFile as err:
                outcomes[name] = f"skipped: {err}"
            except LoadError as err:
                outcomes[name] = f"failed: {err}"
    return {"outcomes": outcomes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shared", type=Path)
    parser.add_argument("--no-ocr", action="store_true")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--loaders-only", action="store_true")
    parser.add_argument("--asks-only", type=Path, metavar="HOME")
    args = parser.parse_args()
    if args.asks_only:
        answers = _ask(_settings(args.asks_only, ocr=not args.no_ocr))
        print(f"{sum(a['found'] for a in answers)}/{len(answers)} case answers found")
        for answer in answers:
            print(f"  {'found' if answer['found'] else 'MISSED'}: {answer['question']}")
        return
    if args.loaders_only:
        outcomes = loaders_only(args.shared, ocr=not args.no_ocr)["outcomes"]
        if args.json:
            args.json.write_text(json.dumps(outcomes, indent=1))
        added = sum(o == "added" for o in outcomes.values())
        print(f"{len(outcomes)} files: {added} added, no traceback")
        for name, outcome in outcomes.items():
            if outcome != "added":
                print(f"  {name}: {outcome}")
        return
    result = run(args.shared, ocr=not args.no_ocr)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    found = sum(a["found"] for a in result["answers"])
    print(
        f"{result['files']} files: {result['added']} added, {len(result['skipped'])} skipped, "
        f"{len(result['failed'])} failed, {len(result['unaccounted'])} unaccounted; "
        "no traceback; "
        f"{found}/{len(result['answers'])} case answers found; "
        f"{result['chunks']} chunks in {result['ingest_seconds']} s"
    )
    for path, reason in {**result["failed"], **result["skipped"]}.items():
        print(f"  {path}: {reason}")
    for answer in result["answers"]:
        print(f"  {'found' if answer['found'] else 'MISSED'}: {answer['question']}")


if __name__ == "__main__":
    main()
