"""A warm model answers as a cold one (generation/prefill.py): what a prompt keeps of the
previous prompt's KV cache is only what it would have computed itself, batch by batch.

A new user saw a real `localqa serve` answer "When does booking for the winter season open?"
with "1 November." when fresh and with "1 April." after one chat request, shown as supported:
llama.cpp's logits depend on the batches a prompt was evaluated in."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from localqa.config import Settings
from localqa.generation.prefill import batch_ends, kept_tokens
from tests.test_serve_gguf import serve_model
from tests.test_server import stop

WINTER = "When does booking for the winter season open?"


def test_batch_ends_lay_out_the_fixed_prefix_then_the_rest() -> None:
    assert batch_ends(10, 4, 3) == [3, 4, 7, 10]
    assert batch_ends(4, 4, 8) == [4]
    assert batch_ends(9, 0, 4) == [4, 8, 9]
    assert batch_ends(0, 0, 4) == []
    with pytest.raises(ValueError, match="not positive"):
        batch_ends(5, 0, 0)


def test_only_whole_shared_batches_are_kept() -> None:
    previous = batch_ends(20, 4, 5)  # [4, 9, 14, 19, 20]
    assert kept_tokens(20, previous, batch_ends(30, 4, 5)) == 19  # 20 ended a short batch
    assert kept_tokens(12, previous, batch_ends(30, 4, 5)) == 9
    assert kept_tokens(3, previous, batch_ends(30, 4, 5)) == 0
    assert kept_tokens(20, previous, batch_ends(20, 4, 5)) == 20  # the same prompt again
    assert kept_tokens(20, previous, batch_ends(30, 6, 5)) == 0  # another fixed prefix
    assert kept_tokens(20, [], batch_ends(30, 4, 5)) == 0  # nothing whole cached


def ask(url: str) -> str:
    reply = httpx.post(f"{url}/v1/ask", json={"question": WINTER}, timeout=300)
    assert reply.status_code == 200, reply.text
    answer: str = reply.json()["answer"]
    return answer


def test_a_server_answers_a_question_after_a_chat_as_when_fresh(
    sample_index: Settings, gemma_gguf: Path, tmp_path: Path
) -> None:
    # one thread throughout: llama.cpp's sums depend on the thread count too, and by
    # default it follows the machine's load from one prompt to the next
    server, url = serve_model(
        sample_index, gemma_gguf, tmp_path, LOCALQA_PREFIX_CACHE="true", LOCALQA_THREADS="1"
    )
    try:
        fresh = ask(url)
        chat = httpx.post(
            f"{url}/v1/chat/completions",
            json={
                "model": "localqa",
                "messages": [
                    {"role": "user", "content": "Where is the company cabin?"},
                    {"role": "assistant", "content": "At Ustaoset."},
                    {"role": "user", "content": WINTER},
                ],
            },
            timeout=300,
        )
        assert chat.status_code == 200, chat.text
        warm = [ask(url), ask(url)]
    finally:
        log = stop(server)
    assert "Traceback" not in log, log
    assert "November" in fresh  # the faq's answer: the model is not the point, the sameness is
    assert warm == [fresh, fresh]
