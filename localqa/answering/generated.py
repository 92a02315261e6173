"""The generated answer: `Answerer`'s model path (answerer.py), split off from it.

`Generating.prompt` packs the question and its ranked sources within the model's budget;
`Generating.stream` streams the model's tokens through the guard, then one `Final` whose
answer is checked against its sources. `Generation` is one question on its way there.
`extracted_answer` and `quoted_answer` build the extractive answer both paths show.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from localqa.answering.answer import Answer, AnswerEvent, Final
from localqa.answering.citations import SupportChecker, check_answer
from localqa.answering.extractive import LABEL, QUOTED_LABEL, Extract
from localqa.answering.guard import StreamGuard, guarded
from localqa.answering.relevance import why_quotes
from localqa.answering.spacing import Spacing
from localqa.answering.tables import header_above
from localqa.injection import addresses_model
from localqa.schema import ScoredChunk

if TYPE_CHECKING:
    from localqa.generation.base import LanguageModel
    from localqa.generation.prompt import PackedPrompt
    from localqa.retrieval.retriever import Retriever
    from localqa.schema import Turn
    from localqa.sections import GenerationSettings, RetrievalSettings


@dataclass(frozen=True)
class Generation:
    """One question on its way to a generated answer: what `Answerer.stream` found for it."""

    question: str
    history: Sequence[Turn]
    results: Sequence[ScoredChunk]
    extract: Extract
    checker: SupportChecker
    timings: dict[str, float]  # filled in as the answer is made
    stop: threading.Event | None


def extracted_answer(question: str, extract: Extract, timings: dict[str, float]) -> Answer:
    """The extractive answer to `question` (`timings` in ms by step)."""
    return Answer(
        question=question,
        text=extract.text,
        mode="extractive",
        citations=tuple(extract.citations),
        contexts=tuple(c.chunk for c in extract.citations),
        timings=timings,
    )


def quoted_answer(question: str, extract: Extract) -> Answer:
    """The extractive answer as shown under a generated one: labelled as quotes, not
    as the answer of a run without a model."""
    answer = extracted_answer(question, extract, {})
    return replace(answer, text=answer.text.replace(LABEL, QUOTED_LABEL, 1))


@dataclass(frozen=True)
class Generating:
    """What a generated answer is made with: the model, the index's retrieval and the
    two settings sections read (retrieval: how many sources; generation: sampling,
    budgets, layout)."""

    model: LanguageModel
    retriever: Retriever
    retrieval: RetrievalSettings
    generation: GenerationSettings

    def stream(self, job: Generation) -> Iterator[AnswerEvent]:
        """Token events as the model writes, then one Final with the checked answer."""
        from localqa.generation.base import Sampling

        model = self.model
        s = self.generation
        packed, answer_tokens = self.prompt(job.question, job.results, job.history)
        sampling = Sampling(temperature=s.temperature, top_p=s.top_p, min_p=s.min_p)
        guard = StreamGuard(len(packed.sources), packed.layout.stops)
        prefix = packed.fixed_prefix
        pieces = model.stream(packed.tokens, answer_tokens, sampling, job.stop, fixed_prefix=prefix)
        # with a source that addresses the model, nothing is shown before the check: the
        # answer may be what the source told the model to write (presentation.py)
        held = any(addresses_model(r.chunk.text) for r in packed.sources)
        spacing = Spacing()  # the sources' line breaks and indents out of its sentences
        for token in guarded(pieces, guard, spacing):
            if not held:
                yield token
        yield Final(self._generated(job, packed, guard, spacing.text))

    def prompt(
        self, question: str, results: Sequence[ScoredChunk], history: Sequence[Turn] = ()
    ) -> tuple[PackedPrompt, int]:
        """The prompt for `question` over `results` (ranked) within the model's budget
        (generation/budget.py), and the answer tokens that budget allows. A source that
        starts inside a table carries that table's header line at its top (tables.py
        `header_above`): in the prompt only, counted in its tokens; the source's text and
        lines stay its own."""
        from localqa.generation.budget import fit_budget
        from localqa.generation.prompt import PromptRequest, pack_prompt

        model, s = self.model, self.generation
        budget = fit_budget(self.retrieval, s, model.n_params, model.n_ctx)
        candidates = self.retriever.context(results, budget.sources, budget.context_chars)
        neighbours = self.retriever.index.chunks.neighbours
        request = PromptRequest(
            question,
            candidates,
            history,
            model.n_ctx,
            budget.answer_tokens,
            prompt_format=s.prompt_format,
            headers=tuple(header_above(c.chunk, neighbours) for c in candidates),
        )
        return pack_prompt(model, request), budget.answer_tokens

    def _generated(
        self, job: Generation, packed: PackedPrompt, guard: StreamGuard, shown: str
    ) -> Answer:
        """The generated answer (`shown`: the text as streamed), checked against its
        sources, once the stream has ended."""
        model = self.model
        question, extract = job.question, job.extract
        sources = [r.chunk for r in packed.sources]
        text = shown.strip()  # the guard already dropped markers of absent sources
        flagged = frozenset(n for n, c in enumerate(sources, 1) if addresses_model(c.text))
        checks, citations = check_answer(
            text, sources, job.checker, question, flagged, packed.headers
        )
        stats = model.last_stats
        job.timings.update(stats.timings())
        passages = [c.chunk.text for c in extract.citations]
        reason = why_quotes(checks, extract.quotes, question, passages)
        return Answer(
            question=question,
            text=text,
            mode="generative",
            citations=tuple(citations),
            contexts=tuple(sources),
            checks=tuple(checks),
            timings=job.timings,
            model=model.location,
            gpu_layers=model.gpu_layers,
            sources_dropped=packed.dropped_sources,
            cancelled=bool(job.stop and job.stop.is_set()),
            layout=packed.layout.name,
            layout_reason=packed.layout.reason,
            finish_reason=guard.reason or stats.finish_reason,
            fallback=None if reason is None else quoted_answer(question, extract),
            fallback_reason=reason or "",
            token_counts=model.counting,
        )
