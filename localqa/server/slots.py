"""The model's slots: how many answers it writes at once while the server's threads
retrieve, extract and check for every question in hand.

A GGUF in this process has one context: one answer at a time (`slots` 1). A model server
(`llm_url`) runs several requests at once (llama.cpp's server has 4 slots by default,
vLLM batches): `llm_parallel`. A question that needs the model waits for a slot on its
own thread; an answer that needs none (extractive, abstained) never waits behind one.
"""

from __future__ import annotations

import threading
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from localqa.generation.base import LanguageModel, Sampling
    from localqa.generation.stats import GenerationStats


class SlottedModel:
    """`model` with at most `slots` of its `stream`s running at once; everything else is
    the model's own. `last_stats` is the figures of the last `stream` run on the calling
    thread (taken inside the slot, before another run on it could replace them)."""

    def __init__(self, model: LanguageModel, slots: int) -> None:
        self._model = model
        self.slots = slots
        self._free = threading.BoundedSemaphore(slots)
        self._mine = threading.local()
        self._counts = threading.Lock()
        self.writing = 0  # answers being written now (slots taken)
        self.waiting = 0  # questions waiting for a slot

    def _count(self, writing: int = 0, waiting: int = 0) -> None:
        with self._counts:
            self.writing += writing
            self.waiting += waiting

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)

    @property
    def last_stats(self) -> GenerationStats:
        stats: GenerationStats | None = getattr(self._mine, "stats", None)
        return self._model.last_stats if stats is None else stats

    def stream(
        self,
        prompt_tokens: list[int],
        max_tokens: int,
        sampling: Sampling,
        stop: threading.Event | None = None,
        fixed_prefix: int = 0,
    ) -> Generator[str]:
        """`LanguageModel.stream`, once a slot is free (waiting ends early when `stop` is
        set: then nothing is generated, and the run says cancelled)."""
        self._count(waiting=1)
        try:
            while not self._free.acquire(timeout=0.1):
                if stop is not None and stop.is_set():
                    from localqa.generation.stats import GenerationStats

                    cancelled = GenerationStats(len(prompt_tokens), finish_reason="cancelled")
                    self._mine.stats = cancelled
                    return
        finally:
            self._count(waiting=-1)
        self._count(writing=1)
        try:
            pieces = self._model.stream(prompt_tokens, max_tokens, sampling, stop, fixed_prefix)
            try:
                yield from pieces
            finally:
                pieces.close()
                self._mine.stats = self._model.last_stats
        finally:
            self._count(writing=-1)
            self._free.release()
