"""Answering a question: retrieve, then generate with the model or extract without one.

`Answerer.stream` yields text pieces as they are produced and finally the `Answer`,
so the CLI and the TUI print tokens as they arrive.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from localqa.citations import Citation, SentenceCheck, SupportChecker, check_answer, clean_markers
from localqa.extractive import extract_answer
from localqa.packing import pack_context
from localqa.retrieval import Retriever
from localqa.schema import Chunk

if TYPE_CHECKING:
    from localqa.config import Settings
    from localqa.embedder import Embedder
    from localqa.index import Index
    from localqa.llm import LocalModel
    from localqa.prompt import Turn

UNGROUNDED = "Note: no sentence of this answer is supported by the sources; do not rely on it."


class EmptyQuestion(ValueError):
    """The question has no words."""


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    mode: str
    citations: tuple[Citation, ...]
    contexts: tuple[Chunk, ...]
    checks: tuple[SentenceCheck, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)
    model: str | None = None
    gpu_layers: int | None = None
    sources_dropped: int = 0
    cancelled: bool = False

    @property
    def unsupported(self) -> list[str]:
        return [c.sentence for c in self.checks if not c.supported]

    @property
    def grounded(self) -> bool:
        if self.mode == "extractive":
            return bool(self.citations)
        return any(c.supported for c in self.checks)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "question": self.question,
            "answer": self.text,
            "mode": self.mode,
            "grounded": self.grounded,
            "citations": [c.as_json() for c in self.citations],
            "contexts": [
                {"n": i, "source": c.source, "page": c.page,
                 "lines": [c.line_start, c.line_end], "text": c.text}
                for i, c in enumerate(self.contexts, start=1)
            ],
            "unsupported_sentences": self.unsupported,
            "sources_used": len(self.contexts),
            "sources_dropped": self.sources_dropped,
            "cancelled": self.cancelled,
            "timings": self.timings,
        }  # fmt: skip
        if self.mode == "generative":
            data["model"] = self.model
            data["gpu_layers"] = self.gpu_layers
        return data


class Answerer:
    def __init__(
        self,
        settings: Settings,
        index: Index,
        embedder: Embedder,
        model: LocalModel | None = None,
    ) -> None:
        self._settings = settings
        self._embedder = embedder
        self._retriever = Retriever(index, embedder, reranker=settings.reranker_model)
        self.model = model

    def ask(self, question: str, history: Sequence[Turn] = ()) -> Answer:
        result: Answer | None = None
        for piece in self.stream(question, history):
            if isinstance(piece, Answer):
                result = piece
        assert result is not None
        return result

    def stream(
        self,
        question: str,
        history: Sequence[Turn] = (),
        stop: threading.Event | None = None,
    ) -> Iterator[str | Answer]:
        question = question.strip()
        if not any(ch.isalnum() for ch in question):
            raise EmptyQuestion('the question is empty; ask something, e.g. localqa ask "..."')
        retrieved = self._retriever.search(question)
        timings = dict(retrieved.timings)
        checker = SupportChecker(self._embedder)
        if self.model is None:
            contexts = pack_context(
                retrieved.results, self._settings.top_k, self._settings.context_chars
            )
            started = time.perf_counter()
            extract = extract_answer(question, contexts, checker)
            timings["extract_ms"] = round((time.perf_counter() - started) * 1000, 2)
            yield extract.text
            yield Answer(
                question=question,
                text=extract.text,
                mode="extractive",
                citations=tuple(extract.citations),
                contexts=tuple(c.chunk for c in extract.citations),
                timings=timings,
            )
            return
        yield from self._generate(question, history, retrieved.results, timings, checker, stop)

    def _generate(
        self,
        question: str,
        history: Sequence[Turn],
        results: Sequence[Any],
        timings: dict[str, float],
        checker: SupportChecker,
        stop: threading.Event | None,
    ) -> Iterator[str | Answer]:
        from localqa.llm import Sampling
        from localqa.prompt import pack_prompt

        model = self.model
        assert model is not None
        s = self._settings
        candidates = pack_context(results, s.top_k, s.context_chars)
        packed = pack_prompt(model, question, candidates, history, model.n_ctx, s.answer_tokens)
        sampling = Sampling(temperature=s.temperature, top_p=s.top_p, min_p=s.min_p)
        pieces: list[str] = []
        for piece in model.stream(packed.tokens, s.answer_tokens, sampling, stop):
            pieces.append(piece)
            yield piece
        sources = [r.chunk for r in packed.sources]
        text = clean_markers("".join(pieces).strip(), len(sources))
        checks, citations = check_answer(text, sources, checker)
        stats = model.last_stats
        timings.update(
            prompt_tokens=float(stats.prompt_tokens),
            generated_tokens=float(stats.generated_tokens),
            first_token_ms=round(stats.first_token_s * 1000, 2),
            tokens_per_s=round(stats.tokens_per_s, 2),
        )
        answer = Answer(
            question=question,
            text=text,
            mode="generative",
            citations=tuple(citations),
            contexts=tuple(sources),
            checks=tuple(checks),
            timings=timings,
            model=str(model.path),
            gpu_layers=model.gpu_layers,
            sources_dropped=packed.dropped_sources,
            cancelled=bool(stop and stop.is_set()),
        )
        yield answer
