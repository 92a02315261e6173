"""llama-cpp-python's server started as it comes (`--interrupt_requests` true) ends a
running answer with `[DONE]` and no finish reason as soon as another request comes in;
localqa sends `llm_parallel` at once. That answer is an error naming the setting, never a
one-word answer taken as complete. Against the real server, two requests at once."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from localqa.config import Settings
from localqa.generation.server import ServerModel
from localqa.generation.server_connect import connect
from localqa.generation.server_http import ModelServerError
from tests.support.model_server import ModelServer, start_model_server, stop_process
from tests.test_server_model import GREEDY, long_prompt, served


@pytest.fixture
def interrupting_server(smollm2_gguf: Path, tmp_path: Path) -> Iterator[ModelServer]:
    proc, server = start_model_server(smollm2_gguf, tmp_path / "server.log", interrupt=True)
    try:
        yield server
    finally:
        stop_process(proc)


def test_an_answer_another_request_interrupted_is_one_line_not_a_short_answer(
    smollm2_gguf: Path, interrupting_server: ModelServer
) -> None:
    model = connect(served(Settings(), interrupting_server.url, smollm2_gguf).generation)
    assert isinstance(model, ServerModel)
    try:
        tokens = long_prompt(model)  # counting to 200: far more than the second needs
        first = model.stream(tokens, 1000, GREEDY)
        written = [next(first)]
        with ThreadPoolExecutor(1) as other:
            second = other.submit(lambda: "".join(model.stream(tokens, 4, GREEDY)))
            with pytest.raises(ModelServerError) as stopped:
                written.extend(first)
            assert second.result()  # the request that interrupted it is answered
    finally:
        model.close()
    message = str(stopped.value)
    assert "--interrupt_requests false" in message and "llm_parallel = 1" in message
    assert interrupting_server.url in message and "\n" not in message
    assert len(written) < 1000
