"""What the answer path needs of a language model, as protocols a second implementation can
satisfy (the GGUF model in process, generation/model.py `LocalModel`, is the first).

- `Vocabulary`: BOS/EOS and plain-text tokenizing: what a prompt layout needs.
- `TemplateVocabulary`: a vocabulary that can also render the model's own chat template
  (generation/layouts.py uses it when a model has one, checked at run time).
- `LanguageModel`: the whole model as answering, follow-up rewriting, prompt packing, the
  builder and the chat see it: the window, counting, streaming, the last run's figures,
  what `--json` and the status bar name it by, and `close`.

Everything here is cheap to import: no model library is loaded.
"""

from __future__ import annotations

import threading
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    from localqa.generation.stats import GenerationStats


# How a model's token counts are known: its own tokenizer ("exact"), a server's tokenizer
# piece by piece ("server"), or the text's length ("estimate").
Counting = Literal["exact", "server", "estimate"]


@dataclass(frozen=True)
class Sampling:
    """Sampling settings. temperature <= 0 means greedy (the most likely token each step);
    `seed` None: a random one per run."""

    temperature: float
    top_p: float
    min_p: float
    top_k: int = 40
    repeat_penalty: float = 1.0
    seed: int | None = None


class Vocabulary(Protocol):
    """Token ids of text, and the ids that begin and end a sequence."""

    @property
    def bos(self) -> int: ...

    @property
    def eos(self) -> int: ...

    def tokenize(self, text: str) -> list[int]:
        """Token ids of plain text, no BOS. Never parses special tokens: document, question
        and history text such as '</s>' or '<|im_start|>' must stay text, never become a
        control token."""
        ...


@runtime_checkable
class TemplateVocabulary(Vocabulary, Protocol):
    """A vocabulary that can also render the model's own chat template."""

    @property
    def chat_template(self) -> str | None:
        """The model's jinja chat template (a GGUF's `tokenizer.chat_template`), if any."""
        ...

    def tokenize_template(self, text: str) -> list[int]:
        """Token ids of trusted template text, control tokens parsed ('<|im_start|>').
        Never given document, question or history text."""
        ...

    def token_text(self, token: int) -> str:
        """A token's vocabulary text (e.g. '<s>'), for the template's variables."""
        ...


@runtime_checkable
class LanguageModel(Vocabulary, Protocol):
    """A loaded language model, as everything above generation/ uses it."""

    @property
    def n_ctx(self) -> int:
        """The context window in tokens: prompt and answer together."""
        ...

    @property
    def n_params(self) -> int:
        """Parameters, for the answer budget (generation/budget.py); 0 when unknown."""
        ...

    @property
    def counting(self) -> Counting:
        """How exact `tokenize` is: "exact" but for a model on a server without a
        tokenizer of it, whose `n_ctx` then keeps a margin (generation/server.py)."""
        ...

    @property
    def location(self) -> str:
        """Where the model is, as `--json` reports it in `model`: the GGUF file's path, or
        the model's name at its server's address."""
        ...

    @property
    def name(self) -> str:
        """A short name for status lines: the GGUF's file name."""
        ...

    @property
    def gpu_layers(self) -> int:
        """Layers actually offloaded to a GPU."""
        ...

    @property
    def n_layers(self) -> int:
        """Layers in all (0 when unknown)."""
        ...

    @property
    def warnings(self) -> Sequence[str]:
        """What loading found worth telling (one line each), e.g. a window beyond training."""
        ...

    @property
    def last_stats(self) -> GenerationStats:
        """Figures of the last `stream` run, once it has ended."""
        ...

    def count_tokens(self, text: str) -> int:
        """How many tokens `tokenize` gives for `text`; never fewer than it gives."""
        ...

    def stream(
        self,
        prompt_tokens: list[int],
        max_tokens: int,
        sampling: Sampling,
        stop: threading.Event | None = None,
        fixed_prefix: int = 0,
    ) -> Generator[str]:
        """The answer's text in pieces of whole characters as it is produced, until the
        model ends it, `max_tokens` (capped by the window left) or `stop` is set (checked
        before every step); closing the generator ends generation. `fixed_prefix`: leading
        prompt tokens every prompt shares (`PackedPrompt.fixed_prefix`), which a model may
        keep. Raises ValueError when the prompt leaves no room in the window."""
        ...

    def close(self) -> None:
        """Release the model; it is not used after."""
        ...
