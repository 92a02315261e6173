"""How much a model is given and may write: sources, context characters, answer tokens.

A 135M model lost in ten sources rambles or invents; a 7B model uses them well. So each
budget not set by the user follows the model's size, and the answer never takes more than
a quarter of the context window (the prompt needs the rest).
"""

from __future__ import annotations

from dataclasses import dataclass

from localqa.sections import GenerationSettings, RetrievalSettings

# (parameters below, sources, context characters, answer tokens); larger models get the
# retrieval defaults (top_k, context_chars) and 512 answer tokens.
SIZES = ((1.0e9, 3, 1500, 200), (4.0e9, 5, 2500, 384))
LARGE_ANSWER_TOKENS = 512


@dataclass(frozen=True)
class Budget:
    sources: int
    context_chars: int
    answer_tokens: int


def fit_budget(
    retrieval: RetrievalSettings, settings: GenerationSettings, n_params: int, n_ctx: int
) -> Budget:
    """The budget for a model of `n_params` parameters and an `n_ctx`-token window; the
    settings `answer_sources`, `answer_context_chars`, `answer_tokens` win when non-zero."""
    sources, chars, tokens = retrieval.top_k, retrieval.context_chars, LARGE_ANSWER_TOKENS
    for below, size_sources, size_chars, size_tokens in SIZES:
        if n_params < below:
            sources, chars, tokens = size_sources, size_chars, size_tokens
            break
    return Budget(
        sources=settings.answer_sources or sources,
        context_chars=settings.answer_context_chars or chars,
        answer_tokens=settings.answer_tokens or min(tokens, max(16, n_ctx // 4)),
    )
