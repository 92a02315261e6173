"""A request's own generation settings (OpenAI's `max_tokens` and `temperature`), applied
to the server's settings for the answerer that answers it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from localqa.config import Settings
    from localqa.generation.base import LanguageModel


@dataclass(frozen=True)
class Tuning:
    """`max_tokens`: at most this many answer tokens (it caps the budget the model's size
    and window give, generation/budget.py, and never raises it); `temperature`: the
    sampling temperature (0: greedy). None: the server's settings."""

    max_tokens: int | None = None
    temperature: float | None = None


def tuned(settings: Settings, top_k: int, tuning: Tuning, model: LanguageModel | None) -> Settings:
    """`settings` with `top_k` sources and `tuning` applied (`max_tokens` only with a
    model: an extractive answer writes no tokens)."""
    from localqa.generation.budget import fit_budget

    settings = settings.model_copy(update={"top_k": top_k})
    update: dict[str, float | int] = {}
    if tuning.temperature is not None:
        update["temperature"] = tuning.temperature
    if tuning.max_tokens is not None and model is not None:
        cap = fit_budget(settings.retrieval, settings.generation, model.n_params, model.n_ctx)
        update["answer_tokens"] = min(tuning.max_tokens, cap.answer_tokens)
    return settings.model_copy(update=update)
