"""Shared fixtures. Tests needing ../shared skip with a reason when it is absent."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from localqa.builder import Builder
from localqa.config import Settings, load_settings
from localqa.embedding.embedder import Embedder, SentenceTransformerEmbedder
from localqa.store.index import Index

if TYPE_CHECKING:
    from localqa.ingest.report import IngestReport

# the tiny random-weight llama.cpp model fixtures (tiny_gguf, tiny_model); the shared
# index's real servers (postgres, chroma_port)
pytest_plugins = ["tests.support.fixtures", "tests.support.postgres", "tests.support.servers"]

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("LOCALQA_SHARED", REPO.parent / "shared"))
SAMPLE_DOCS = REPO / "sample_docs"
# Exported ONNX embedders (localqa/embedding/onnx_export.py) go to the default cache_dir;
# tests keep theirs inside the checkout (ignored), exported once per clone, and every
# `localqa` the tests start inherits this.
os.environ["XDG_CACHE_HOME"] = str(REPO / "tests" / ".artifacts" / "cache")
# The suite's expectations were set with int8 vectors: it embeds with int8 on every CPU,
# not with whichever precision `auto` measures fastest on the machine it runs on
# (tests/test_calibration.py tests that choice, on the real model too).
INT8 = {"LOCALQA_EMBED_BACKEND": "onnx-int8"}
os.environ.setdefault("LOCALQA_EMBED_BACKEND", "onnx-int8")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent (a fresh clone has no ../shared)")
    return SHARED


@pytest.fixture(scope="session")
def sample_docs() -> Path:
    return SAMPLE_DOCS


@pytest.fixture(scope="session")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    """The document embedder `localqa ingest` uses here (all-MiniLM-L6-v2 on ONNX Runtime
    int8 on a CPU), loaded once per test session."""
    home = tmp_path_factory.mktemp("embedder-home")
    model = Builder(load_settings(environ={"LOCALQA_HOME": str(home), **INT8})).embedder()
    model.embed(["warm up"])
    return model


@pytest.fixture(scope="session")
def torch_embedder() -> SentenceTransformerEmbedder:
    """The real packaged all-MiniLM-L6-v2 on PyTorch, the reference the ONNX one is held to."""
    model = SentenceTransformerEmbedder(device="cpu")
    model.embed(["warm up"])
    return model


@pytest.fixture(scope="session")
def sample_index(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of one index of sample_docs/, ingested once per test session. Shared:
    only for tests that read it (a test that writes ingests its own)."""
    home = str(tmp_path_factory.mktemp("sample"))
    settings = load_settings(environ={"LOCALQA_HOME": home, **INT8})
    report = ingest_paths(settings, embedder, SAMPLE_DOCS)
    assert not report.failed, report.failed
    return settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(environ={"LOCALQA_HOME": str(tmp_path / "home"), **INT8})


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    """A private, writable copy of sample_docs/."""
    target = tmp_path / "docs"
    shutil.copytree(SAMPLE_DOCS, target)
    return target


def ingest_paths(settings: Settings, embedder: Embedder, *paths: Path) -> IngestReport:
    from localqa.ingest.pipeline import Ingestor
    from localqa.ingest.progress import PlainProgress

    with Index(settings.store) as index:
        return Ingestor(index, embedder, settings.ingest, PlainProgress(quiet=True)).run(
            list(paths)
        )


def ingest_cases(
    shared: Path, embedder: Embedder, tmp: pytest.TempPathFactory, names: Sequence[str]
) -> tuple[Builder, IngestReport]:
    """Copies of ../shared/cases files `names`, ingested into a new home: its builder and
    the ingest's report."""
    folder = tmp.mktemp("cases")
    for name in names:
        shutil.copy(shared / "cases" / name, folder / name)
    settings = Settings(home=tmp.mktemp("home"))
    return Builder(settings), ingest_paths(settings, embedder, folder)
