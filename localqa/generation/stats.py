"""Bookkeeping of one generation: whole characters out of token bytes, and its figures."""

from __future__ import annotations

import codecs
import time
from dataclasses import dataclass, field
from typing import Literal

FinishReason = Literal["eos", "length", "cancelled", "none"]


@dataclass(frozen=True)
class GenerationStats:
    """Figures for the last `stream` call. tokens_per_s counts decode steps after the first
    token, so prompt processing (in first_token_s) does not dilute it."""

    prompt_tokens: int = 0
    generated_tokens: int = 0
    first_token_s: float = 0.0
    tokens_per_s: float = 0.0
    finish_reason: FinishReason = "none"
    # prompt tokens not computed: kept from the previous prompt or loaded (prefix cache)
    reused_tokens: int = 0

    def timings(self) -> dict[str, float]:
        """The figures as an answer's `timings` report them (`ask --json`): counts stay
        ints, times in ms."""
        return dict(
            prompt_tokens=self.prompt_tokens,
            prompt_tokens_reused=self.reused_tokens,
            generated_tokens=self.generated_tokens,
            first_token_ms=round(self.first_token_s * 1000, 2),
            tokens_per_s=round(self.tokens_per_s, 2),
        )


class TextPieces:
    """Turns the bytes of successive tokens into text pieces of whole characters: a
    character split over byte-fallback tokens (an emoji is four) waits for its last byte."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._started = False

    def feed(self, data: bytes, final: bool = False) -> str:
        text: str = self._decoder.decode(data, final)
        if not self._started:
            # SentencePiece marks a word start with a space; the answer's first word
            # carries one that is not part of the answer.
            text = text.lstrip(" ")
            self._started = bool(text)
        return text

    def finish(self) -> str:
        """What is left; an unfinished character becomes U+FFFD."""
        return self.feed(b"", final=True)


@dataclass
class TokenRun:
    """Mutable bookkeeping of one `stream` call, frozen into GenerationStats at the end."""

    prompt_tokens: int
    generated: int = 0
    reason: FinishReason = "none"
    start: float = field(default_factory=time.perf_counter)
    first: float | None = None
    last: float = 0.0
    steps: int = 0
    reused: int = 0

    def tick(self) -> None:
        self.last = time.perf_counter()
        self.steps += 1
        if self.first is None:
            self.first = self.last

    def stats(self) -> GenerationStats:
        first = self.first
        ttft = 0.0 if first is None else first - self.start
        span = 0.0 if first is None else self.last - first
        rate = (self.steps - 1) / span if self.steps > 1 and span > 0 else 0.0
        return GenerationStats(
            self.prompt_tokens, self.generated, ttft, rate, self.reason, self.reused
        )
