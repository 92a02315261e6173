"""A language model on an OpenAI-compatible server (`llm_url`): a `LanguageModel`
(generation/base.py) that packs like the in-process one and streams over HTTP.

The prompt is laid out and packed here, token-exactly when a tokenizer of the model is
known (`llm_tokenizer`: generation/server_tokenizer.py), and sent to /completions as text,
its documents defused so that the server's special-token parsing finds nothing in them;
the text is parsed again before it goes, so the server sees the ids that were packed.
Without a tokenizer of the model, pieces are counted by the server's tokenize endpoint,
else estimated, and the window keeps a margin. Tried with llama-cpp-python's server
(tests/test_server_model.py); the README says what else.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from localqa.errors import LocalqaError
from localqa.generation.base import Sampling
from localqa.generation.server_http import ModelServerError, ServerClient
from localqa.generation.server_vocab import CountingVocabulary, ServerVocabulary, TokenizerError
from localqa.generation.stats import GenerationStats, TokenRun

if TYPE_CHECKING:
    from localqa.generation.base import Counting, LanguageModel, TemplateVocabulary

__all__ = ["ModelServerError", "ServerModel", "TokenizerError"]

log = logging.getLogger("localqa")
FINISH = {"length": "length", "stop": "eos", "eos": "eos"}
GREEDY = Sampling(temperature=0.0, top_p=1.0, min_p=0.0)


class PromptMismatch(LocalqaError):
    """The prompt's text would not reach the server as the ids that were packed."""


class ServerModel:
    """A model served at `client.url` under `model_id`, seen through `vocab`; made by
    generation/server_connect.py's `connect`. `counting` says how its token counts are
    known: "exact" (a tokenizer of the model), "server" (the server's tokenize endpoint,
    piece by piece) or "estimate"."""

    def __init__(
        self,
        client: ServerClient,
        model_id: str,
        vocab: ServerVocabulary,
        window: int,
        warnings: list[str],
        n_params: int = 0,
        in_steps: bool = False,
    ) -> None:
        self._client = client
        self.model_id = model_id
        self._vocab = vocab
        self.window = window  # the server's context, as far as it is known
        self.warnings = warnings
        self.n_params = vocab.n_params or n_params
        self._runs = threading.local()  # each thread's last run: a server answers several
        # the text last sent, for the tests that prove the server parses it as packed
        self.last_prompt = ""
        # prefill in LocalModel's steps (`_prefill`): for llama-cpp-python's server
        self.in_steps = in_steps
        # where the window and the tokenizer came from, for `doctor`
        self.window_source = ""
        self.tokenizer_source = ""
        self._cached: list[int] = []  # the prompt the server last computed

    # --- what the answer path reads ----------------------------------------------------

    @property
    def counting(self) -> Counting:
        return self._vocab.counting

    @property
    def margin(self) -> int:
        """Tokens the packer leaves unused because counts are not exact."""
        if self.counting == "exact":
            return 0
        return max(16, self.window // 32) if self.counting == "server" else self.window // 8

    @property
    def n_ctx(self) -> int:
        """The window the packer fills: the server's, less the margin."""
        return self.window - self.margin

    @property
    def location(self) -> str:
        return f"{self.model_id} at {self._client.url}"

    @property
    def name(self) -> str:
        return Path(self.model_id).name or self.model_id

    @property
    def model_name(self) -> str:
        """The model's own name where its tokenizer says it (layouts.py reads it)."""
        return str(getattr(self._vocab, "model_name", "")) or self.model_id

    @property
    def last_stats(self) -> GenerationStats:
        """The figures of the last `stream` run on this thread (`localqa serve` runs
        several at once, one a thread)."""
        stats: GenerationStats = getattr(self._runs, "stats", GenerationStats())
        return stats

    @last_stats.setter
    def last_stats(self, stats: GenerationStats) -> None:
        self._runs.stats = stats

    gpu_layers = 0  # the server's business: not known here
    n_layers = 0

    @property
    def bos(self) -> int:
        return self._vocab.bos

    @property
    def eos(self) -> int:
        return self._vocab.eos

    @property
    def chat_template(self) -> str | None:
        return self._vocab.chat_template

    def tokenize(self, text: str) -> list[int]:
        return self._vocab.tokenize(text)

    def tokenize_template(self, text: str) -> list[int]:
        return self._vocab.tokenize_template(text)

    def token_text(self, token: int) -> str:
        return self._vocab.token_text(token)

    def count_tokens(self, text: str) -> int:
        return len(self._vocab.tokenize(text))

    def close(self) -> None:
        self._client.close()
        self._vocab.close()

    # --- generation ----------------------------------------------------------------

    def stream(
        self,
        prompt_tokens: list[int],
        max_tokens: int,
        sampling: Sampling,
        stop: threading.Event | None = None,
        fixed_prefix: int = 0,
    ) -> Generator[str]:
        """As LanguageModel.stream, over HTTP; `fixed_prefix` marks the first of the
        steps the prompt is computed in (`_prefill`). Raises ModelServerError when the
        server fails, PromptMismatch when the text would not reach it as packed."""
        if not prompt_tokens or self.n_ctx - len(prompt_tokens) <= 0:
            raise ValueError(f"a prompt of {len(prompt_tokens)} tokens leaves no room in n_ctx")
        run = TokenRun(len(prompt_tokens))
        try:
            text, size = self._prompt(prompt_tokens)
            run.prompt_tokens = size
            limit = min(max_tokens, self.window - size)
            if limit <= 0:
                raise ValueError(f"a prompt of {size} tokens leaves no room in the window")
            if self.in_steps:
                run.reused = self._prefill(prompt_tokens, fixed_prefix, stop)
            self._cached = list(prompt_tokens)
            yield from self._answer(text, limit, sampling, stop, run)
        finally:
            self.last_stats = run.stats()
            if isinstance(self._vocab, CountingVocabulary):
                self._vocab.forget()

    def _prefill(self, tokens: list[int], fixed_prefix: int, stop: threading.Event | None) -> int:
        """Have the server compute the prompt in the steps LocalModel does (model.py
        `_prefill`): the fixed prefix as a batch of its own, then all but the last token,
        then the last alone. llama-cpp-python's server would compute whatever it does not
        hold in one go, and other batches change the sums, so a small model's greedy answer
        could change: asking for one token of each step first makes it compute the same
        (one generated token each, about a decode step). Returns the prompt tokens the
        server held already, as far as this client knows."""
        body = tokens[:-1]
        cached = held = len(_shared(self._cached, body))
        head = min(fixed_prefix, len(body))
        for step in (body[:head], body):
            if cached >= len(step) or (stop is not None and stop.is_set()):
                continue
            text = self._vocab.render(step)
            if self._vocab.parse(text) == step:  # else the server would hold other ids
                self._client.post("/completions", self._body(text, 1, GREEDY) | {"stream": False})
                self._cached = list(step)
            cached = len(step)
        return held

    def _prompt(self, tokens: list[int]) -> tuple[str, int]:
        """The text to send and how many tokens the server will make of it: `tokens`
        themselves when parsing the text again gives them back (always, but for a seam
        the layout could not tokenize exactly), else what it gives, provided it holds the
        same special tokens; the server's own count where only it can tell."""
        text = self._vocab.render(tokens)
        parsed = self._vocab.parse(text)
        if parsed is not None and parsed != tokens:
            if _specials(self._vocab, parsed) != _specials(self._vocab, tokens):
                raise PromptMismatch(
                    "the prompt's text would reach the model server with other control "
                    "tokens than were packed; not sent. Please report this with the question"
                )
            log.debug("prompt re-parsed to %d tokens, packed as %d", len(parsed), len(tokens))
        self.last_prompt = text
        size = len(parsed) if parsed is not None else len(tokens)
        return text, size

    def _answer(
        self,
        text: str,
        limit: int,
        sampling: Sampling,
        stop: threading.Event | None,
        run: TokenRun,
    ) -> Generator[str]:
        started = False
        run.reason = "none"
        events = self._client.stream(self._body(text, limit, sampling), stop)
        with contextlib.closing(events) as chunks:
            for chunk in chunks:
                if chunk.finish_reason is not None:
                    run.reason = FINISH.get(chunk.finish_reason, "eos")  # type: ignore[assignment]
                if not chunk.text:
                    continue
                run.tick()
                run.generated += 1
                piece = chunk.text if started else chunk.text.lstrip(" ")
                started = started or bool(piece)
                if piece:
                    yield piece
        if stop is not None and stop.is_set():
            run.reason = "cancelled"

    def _body(self, text: str, limit: int, sampling: Sampling) -> dict[str, Any]:
        greedy = sampling.temperature <= 0.0
        body: dict[str, Any] = {
            "model": self.model_id,
            "prompt": text,
            "max_tokens": limit,
            "stream": True,
            "temperature": 0.0 if greedy else sampling.temperature,
            "top_p": 1.0 if greedy else sampling.top_p,
            "top_k": 1 if greedy else sampling.top_k,
            "min_p": 0.0 if greedy else sampling.min_p,
            # llama.cpp's servers call it repeat_penalty (default 1.1 there), vLLM
            # repetition_penalty; each ignores the other's
            "repeat_penalty": sampling.repeat_penalty,
            "repetition_penalty": sampling.repeat_penalty,
        }
        if sampling.seed is not None:
            body["seed"] = sampling.seed
        return body


def _shared(a: Sequence[int], b: Sequence[int]) -> list[int]:
    """The longest common prefix of two token lists."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return list(a[:n])


def _specials(vocab: ServerVocabulary, tokens: Sequence[int]) -> list[int]:
    """The ids in `tokens` that text cannot spell unless special tokens are parsed."""
    control = getattr(vocab, "control", None)
    if control is None:
        return []
    return [t for t in tokens if t in control or t in (vocab.bos, vocab.eos)]


if TYPE_CHECKING:  # mypy proves here that ServerModel is each kind of model the code asks for

    def _is_a_language_model(model: ServerModel) -> tuple[LanguageModel, TemplateVocabulary]:
        return model, model
