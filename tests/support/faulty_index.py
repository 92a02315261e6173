"""One index of sample_docs/ built for fault injection, and how to compare an index with it.

Its vectors live in Chroma's HNSW segment files, as a big index's do: the collection is
made before the ingest with Chroma's own small flush thresholds (a collection of 55
vectors otherwise stays in Chroma's log, and a lost segment file costs it nothing).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from localqa.cli.main import cli
from localqa.config import Settings
from localqa.embedding.embedder import Embedder
from localqa.store.index import Index
from localqa.store.vectors import COLLECTION, open_client
from tests.conftest import SAMPLE_DOCS, ingest_paths

runner = CliRunner()


@dataclass(frozen=True)
class Built:
    home: Path
    docs: Path
    chunks: dict[str, str]  # chunk id -> text, of the clean ingest


def build(folder: Path, embedder: Embedder) -> Built:
    docs = folder / "docs"
    shutil.copytree(SAMPLE_DOCS, docs)
    settings = Settings(home=folder / "home")
    chroma = settings.index_dir / "chroma"
    chroma.mkdir(parents=True)
    open_client(chroma).get_or_create_collection(
        COLLECTION,
        metadata={"hnsw:space": "cosine", "hnsw:sync_threshold": 10, "hnsw:batch_size": 10},
        embedding_function=None,
    )
    report = ingest_paths(settings, embedder, docs)
    assert not report.failed and report.chunks > 50
    return Built(settings.home, docs, chunk_texts(settings))


def chunk_texts(settings: Settings) -> dict[str, str]:
    """Every visible chunk of the index: id -> text."""
    with Index(settings.store, read_only=True) as index:
        return {
            c.id: c.text
            for d in index.catalog.documents()
            for c in index.chunks.of_document(d.abs_path)
        }


def vector_ids(settings: Settings) -> set[str]:
    with Index(settings.store, read_only=True) as index:
        return index.vectors.ids()


def copy_home(built: Built, target: Path) -> Settings:
    shutil.copytree(built.home, target, symlinks=True)
    return Settings(home=target)


def invoke(*args: str) -> tuple[int, str, str]:
    """`localqa ARGS` in this process; an exception other than the exit is a failure."""
    result = runner.invoke(cli, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"localqa {' '.join(args)} raised") from result.exception
    return result.exit_code, result.stdout, result.stderr


def one_error_line(err: str) -> str:
    """The one `localqa: error:` line of stderr (asserting there is exactly one, and no
    traceback)."""
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("localqa: error:")]
    assert len(lines) == 1, err
    return lines[0]
