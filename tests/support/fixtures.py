"""Session fixtures for tests that need a real (tiny, random-weight) llama.cpp model.

Import into a test module (`from tests.support.fixtures import tiny_gguf  # noqa: F401`) or
into conftest. They depend on conftest's `shared_dir`, which skips when ../shared is absent.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from localqa.generation.model import LocalModel

VOCAB = Path("models") / "ggml-vocab-llama-spm.gguf"


def vocab_gguf(shared_dir: Path) -> Path:
    path = shared_dir / VOCAB
    if not path.is_file():
        pytest.skip(f"{path} is absent: no Llama-2 vocabulary to build a test model from")
    return path


@pytest.fixture(scope="session")
def tiny_gguf(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer random-weight Llama GGUF with Llama-2's real tokenizer (~17 MB, ~1 s)."""
    from tests.support.gguf_factory import make_tiny_llama

    # One file per session even when several modules import this fixture.
    path = tmp_path_factory.getbasetemp() / "tiny-llama.gguf"
    if not path.is_file():
        make_tiny_llama(path.with_suffix(".part"), vocab_gguf(shared_dir))
        path.with_suffix(".part").rename(path)
    return path


@pytest.fixture(scope="session")
def tiny_model(tiny_gguf: Path) -> LocalModel:
    """The tiny model loaded on the CPU with a 2048-token context."""
    from localqa.generation.model import LocalModel

    return LocalModel.load(tiny_gguf, n_ctx=2048, n_gpu_layers=0)
