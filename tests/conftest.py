"""Shared fixtures. Tests needing ../shared skip with a reason when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("LOCALQA_SHARED", REPO.parent / "shared"))
SAMPLE_DOCS = REPO / "sample_docs"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent (a fresh clone has no ../shared)")
    return SHARED


@pytest.fixture(scope="session")
def sample_docs() -> Path:
    return SAMPLE_DOCS
