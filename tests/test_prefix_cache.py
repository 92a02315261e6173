"""The prompt's fixed prefix kept on disk: a later process loads it instead of computing it,
and gets the same answer; a stale, broken or unwritable cache only costs the computation.

The random-weight Llama-2-vocabulary model shows the mechanics (greedy text is a sensitive
check: any change in the KV state changes its noise); the real models show it on their own
layouts, Gemma 3's sliding-window cache included."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from localqa.generation.base import Sampling
from localqa.generation.model import LocalModel
from localqa.generation.prefix_cache import MAX_FILES, SUFFIX, PrefixCache
from localqa.generation.prompt import SYSTEM_PROMPT, PromptRequest, pack_prompt
from tests.support.contexts import context

GREEDY = Sampling(temperature=0.0, top_p=0.95, min_p=0.05)
LEAVE = "Parental leave is 18 weeks at full pay. It may be split into blocks."


def answer(
    gguf: Path, folder: Path | None, question: str = "How long is leave?"
) -> tuple[str, int, int]:
    model = LocalModel.load(gguf, n_ctx=1024, n_gpu_layers=0, prefix_cache=folder)
    try:
        packed = pack_prompt(model, PromptRequest(question, [context("a", LEAVE)], [], 1024, 16))
        text = "".join(model.stream(packed.tokens, 16, GREEDY, fixed_prefix=packed.fixed_prefix))
        return text, model.last_stats.reused_tokens, packed.fixed_prefix
    finally:
        model.close()


def test_the_fixed_prefix_holds_no_document_or_question_text(tiny_model: LocalModel) -> None:
    packed = pack_prompt(
        tiny_model, PromptRequest("How long is leave?", [context("a", LEAVE)], [], 2048, 16)
    )
    head = tiny_model.detokenize(packed.tokens[: packed.fixed_prefix])
    assert SYSTEM_PROMPT in head and "Parental" not in head and "leave" not in head
    other = pack_prompt(
        tiny_model, PromptRequest("Who signs?", [context("b", "Anna signs.")], [], 2048, 16)
    )
    assert other.tokens[: other.fixed_prefix] == packed.tokens[: packed.fixed_prefix]


def test_a_later_process_loads_the_prefix_and_answers_the_same(
    tiny_gguf: Path, tmp_path: Path
) -> None:
    plain, reused, prefix = answer(tiny_gguf, None)
    assert reused == 0 and prefix > 50  # the Llama-2 system block
    first, reused, _ = answer(tiny_gguf, tmp_path)  # computes and saves it
    assert (first, reused) == (plain, 0)
    [saved] = tmp_path.glob(f"*{SUFFIX}")
    second, reused, _ = answer(tiny_gguf, tmp_path, "How long is leave?")
    assert (second, reused) == (plain, prefix)
    # another question shares the prefix: loaded again, and its answer is its own
    other, reused, _ = answer(tiny_gguf, tmp_path, "Can it be split?")
    assert reused == prefix and other == answer(tiny_gguf, None, "Can it be split?")[0]
    assert list(tmp_path.glob(f"*{SUFFIX}")) == [saved]


def test_a_broken_or_stale_state_is_computed_again(tiny_gguf: Path, tmp_path: Path) -> None:
    plain, _, _ = answer(tiny_gguf, None)
    answer(tiny_gguf, tmp_path)
    [saved] = tmp_path.glob(f"*{SUFFIX}")
    saved.write_bytes(saved.read_bytes()[:1000])  # truncated
    assert answer(tiny_gguf, tmp_path)[:2] == (plain, 0)  # computed, and saved whole again
    assert answer(tiny_gguf, tmp_path)[:2] == (plain, answer(tiny_gguf, None)[2])
    # the model file changed: its states are not the old file's
    os.utime(tiny_gguf, ns=(saved.stat().st_atime_ns, saved.stat().st_mtime_ns + 10**9))
    try:
        assert answer(tiny_gguf, tmp_path)[1] == 0
        assert len(list(tmp_path.glob(f"*{SUFFIX}"))) == 2
    finally:
        os.utime(tiny_gguf)


def test_an_unwritable_folder_costs_only_the_computation(tiny_gguf: Path, tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    plain, _, _ = answer(tiny_gguf, None)
    assert answer(tiny_gguf, blocked / "kv")[:2] == (plain, 0)


def test_the_folder_keeps_the_newest_states(tiny_gguf: Path, tmp_path: Path) -> None:
    for n in range(MAX_FILES + 2):
        (tmp_path / f"old{n}{SUFFIX}").write_bytes(b"x")
        os.utime(tmp_path / f"old{n}{SUFFIX}", (n, n))
    cache = PrefixCache(tmp_path, tiny_gguf, "test")
    cache._prune()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"old{n}{SUFFIX}" for n in range(2, MAX_FILES + 2)
    )


@pytest.mark.parametrize("model", ["smollm2_gguf", "gemma_gguf"])
def test_real_models_answer_the_same_from_a_loaded_prefix(
    model: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    gguf = request.getfixturevalue(model)
    plain, _, prefix = answer(gguf, None)
    assert answer(gguf, tmp_path)[:2] == (plain, 0)
    assert answer(gguf, tmp_path)[:2] == (plain, prefix)
