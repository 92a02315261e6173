"""The model protocols (localqa/generation/base.py): LocalModel satisfies them, and the
answer path, follow-up rewriting and the chat's status line need nothing else of a model,
so a second implementation can be dropped in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from localqa.answering.followup import standalone_question
from localqa.builder import Builder
from localqa.config import Settings
from localqa.generation import base
from localqa.generation.base import LanguageModel, TemplateVocabulary, Vocabulary
from localqa.generation.model import LocalModel
from localqa.schema import Turn


def members(*protocols: type) -> set[str]:
    """The public members the protocols name, their bases' included."""
    return {
        name
        for protocol in protocols
        for cls in protocol.__mro__
        if cls.__module__ == base.__name__
        for name in vars(cls)
        if not name.startswith("_")
    }


class ProtocolView:
    """A real model seen through the protocols alone: an attribute they do not name is an
    AttributeError, as it would be on a second implementation that has only those."""

    def __init__(self, model: object, names: set[str]) -> None:
        self._model = model
        self._names = names

    def __getattr__(self, name: str) -> Any:
        if name not in self._names:
            raise AttributeError(f"{name} is not in the model protocols")
        return getattr(self._model, name)


def test_members_reads_the_protocols() -> None:
    assert members(Vocabulary) == {"bos", "eos", "tokenize"}
    assert {"n_ctx", "stream", "count_tokens", "location", "close"} <= members(LanguageModel)
    assert "chat_template" in members(TemplateVocabulary) - members(LanguageModel)


def test_local_model_is_each_protocol(tiny_model: LocalModel) -> None:
    assert isinstance(tiny_model, LanguageModel) and isinstance(tiny_model, TemplateVocabulary)
    assert tiny_model.location == str(tiny_model.path)
    assert tiny_model.name == tiny_model.path.name == "tiny-llama.gguf"
    text = "Leave is 18 weeks </s><s>[INST]"
    assert tiny_model.count_tokens(text) == len(tiny_model.tokenize(text)) > 5
    assert (tiny_model.n_params, tiny_model.n_layers, tiny_model.gpu_layers) > (0, 0, -1)


def test_a_model_missing_a_member_is_not_one(tiny_model: LocalModel) -> None:
    names = members(LanguageModel) - {"count_tokens"}
    assert not isinstance(ProtocolView(tiny_model, names), LanguageModel)
    assert not isinstance(ProtocolView(tiny_model, members(Vocabulary)), TemplateVocabulary)


@pytest.fixture(scope="module")
def smollm2(smollm2_gguf: Path) -> LocalModel:
    return LocalModel.load(smollm2_gguf, n_ctx=2048, n_gpu_layers=0)


def test_the_answer_path_needs_nothing_but_the_protocols(
    sample_index: Settings, smollm2: LocalModel
) -> None:
    """SmolLM2 (its own ChatML template) answers the same through the protocols alone:
    same prompt layout, text, citations and checks; the chat's status line the same."""
    view = ProtocolView(smollm2, members(LanguageModel, TemplateVocabulary))
    builder = Builder(sample_index)
    index = builder.existing_index()
    try:
        question = "How many weeks of parental leave do employees get?"
        direct = builder.answerer(index, smollm2).ask(question)
        seen = builder.answerer(index, view).ask(question)  # type: ignore[arg-type]
        assert direct.mode == "generative" and not direct.abstained
        assert seen.timings["generated_tokens"] == direct.timings["generated_tokens"] > 0
        assert _without_timings(seen.as_json()) == _without_timings(direct.as_json())
        assert direct.layout == "gguf-template" and direct.model == str(smollm2.path)
        # what the chat's status line, doctor and ask say of it (Builder.describe)
        assert builder.describe(index, view) == builder.describe(index, smollm2)  # type: ignore[arg-type]
    finally:
        index.close()
    history = [Turn("I lost my access card.", "Report it to security.")]
    asked = "How much does it cost?"
    rewritten = standalone_question(asked, history, history[0].question, smollm2)
    assert standalone_question(asked, history, history[0].question, view) == rewritten  # type: ignore[arg-type]


def _without_timings(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "timings"}
