"""The tokenizer of a model on a server, as the prompt packer needs it, and the prompt as
the text the server is sent.

An OpenAI-compatible completions endpoint takes the prompt as text (llama-cpp-python's
takes nothing else) and tokenizes it with special-token parsing on, so `<|im_start|>` in a
document would become the control token there. Two things follow:

- Text that is not the template's (documents, questions, history) is defused before it is
  tokenized: every special-token string of the vocabulary, and the well-known ones, is
  broken by a zero-width space after its first character (`defuse`). It still reads the
  same, but it cannot match a special token on any server.
- The packed token ids are turned back into text (`render`) and that text is parsed again
  as the server will parse it (`parse`), which proves the server sees the same ids (and
  control tokens only where the layout put them) before anything is sent.

Vocabularies: `CountingVocabulary` here (none of the model's: text is counted by the
server's tokenize endpoint, or estimated, and sent as it was written); a local copy of the
model's own tokenizer, `GgufVocabulary` (a GGUF's) or `JsonVocabulary` (a tokenizer.json),
in generation/server_tokenizer.py.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable, Iterable
from typing import Protocol

from localqa.errors import LocalqaError
from localqa.generation.base import Counting, TemplateVocabulary

# Breaks a special-token string; not part of any vocabulary's special strings.
BREAK = "\u200b"
# Control strings of common chat formats, defused whatever the vocabulary says: a server's
# tokenizer may know them when the one named here does not. Not `[INST]`, `<<SYS>>` and
# their closing forms: Llama-2's layout writes them as text, and prompt.py's `neutralise`
# already spaces them out of documents, questions and history (`<s>` and `</s>` too).
WELL_KNOWN = (
    "<s>",
    "</s>",
    "<unk>",
    "<pad>",
    "<bos>",
    "<eos>",
    "<mask>",
    "<start_of_turn>",
    "<end_of_turn>",
    "<start_of_image>",
    "<end_of_image>",
    "[SYSTEM_PROMPT]",
    "[/SYSTEM_PROMPT]",
    "[AVAILABLE_TOOLS]",
    "[TOOL_CALLS]",
    "[TOOL_RESULTS]",
    "<think>",
    "</think>",
    "<tool_call>",
    "</tool_call>",
)
# <|im_start|>, <|eot_id|>, <|begin_of_text|>, <|endoftext|>: nearly always control tokens
_PIPES = r"<\|[^<>|\s]{1,48}\|>"


class TokenizerError(LocalqaError):
    """The tokenizer named in `llm_tokenizer` cannot be read or does not fit the model."""


class Defuser:
    """Breaks every occurrence of the given special strings (and WELL_KNOWN, and any
    `<|...|>`) with BREAK after its first character, until none is left."""

    def __init__(self, specials: Iterable[str] = ()) -> None:
        strings = {s for s in (*specials, *WELL_KNOWN) if len(s) > 1 and BREAK not in s}
        ordered = sorted(strings, key=len, reverse=True)  # the longest match wins
        self._pattern = re.compile("|".join([_PIPES, *map(re.escape, ordered)]))

    def __call__(self, text: str) -> str:
        while self._pattern.search(text):
            text = self._pattern.sub(lambda m: m[0][0] + BREAK + m[0][1:], text)
        return text


class ServerVocabulary(TemplateVocabulary, Protocol):
    """A Vocabulary whose ids can be sent to a server as text. `counting` says how exact
    its counts are; `n_params` is 0 when unknown."""

    @property
    def counting(self) -> Counting: ...

    @property
    def add_bos(self) -> bool:
        """The server puts BOS before a text prompt itself (the tokenizer's own flag)."""
        ...

    @property
    def n_params(self) -> int: ...

    def render(self, tokens: list[int]) -> str:
        """The text that the server, parsing special tokens, makes `tokens` of (a leading
        BOS left to the server when it adds one)."""
        ...

    def parse(self, text: str) -> list[int] | None:
        """The ids a server with this tokenizer makes of `text` (special tokens parsed, BOS
        as the server adds it); None when this vocabulary cannot tell."""
        ...

    def close(self) -> None: ...


# Estimated tokens: UTF-8 bytes / 3 over-counts English for every common tokenizer (4-5
# bytes a token) and about matches CJK (one 3-byte character a token).
BYTES_PER_TOKEN = 3
# Token ids of a CountingVocabulary that stand for no text: BOS, EOS, and the rest of a
# piece's tokens after the first, which carries the piece's text.
_BOS, _EOS, _MORE = 0, 1, 2


class CountingVocabulary:
    """No tokenizer of the model: the ids are handles of the text pieces the packer
    tokenized, as many as `count` says the piece takes (the server's tokenize endpoint,
    exact per piece; else an estimate), so packing still fits the window. BOS and EOS
    render as nothing (a server adds its own BOS); there is no chat template."""

    bos, eos = _BOS, _EOS
    add_bos = False
    n_params = 0
    chat_template: str | None = None

    def __init__(
        self,
        count: Callable[[str], int] | None = None,
        server_parse: Callable[[str], list[int]] | None = None,
    ) -> None:
        self.counting: Counting = "estimate" if count is None else "server"
        self._count = count or (lambda text: -(-len(text.encode()) // BYTES_PER_TOKEN))
        self._server_parse = server_parse
        # each thread's pieces (`localqa serve` packs and sends on several at once, and
        # `forget` after one prompt must not drop another's); handles unique to all
        self._pieces = threading.local()
        self._next = itertools.count(_MORE + 1)
        self._defuse = Defuser()

    @property
    def _texts(self) -> dict[int, str]:
        texts: dict[int, str] | None = getattr(self._pieces, "texts", None)
        if texts is None:
            texts = self._pieces.texts = {}
        return texts

    @property
    def _handles(self) -> dict[str, int]:
        handles: dict[str, int] | None = getattr(self._pieces, "handles", None)
        if handles is None:
            handles = self._pieces.handles = {}
        return handles

    def tokenize(self, text: str) -> list[int]:
        return self._piece(self._defuse(text))

    def tokenize_template(self, text: str) -> list[int]:
        return self._piece(text)

    def _piece(self, text: str) -> list[int]:
        if not text:
            return []
        handle = self._handles.get(text)
        if handle is None:
            handle = self._handles[text] = next(self._next)
            self._texts[handle] = text
        return [handle] + [_MORE] * (max(1, self._count(text)) - 1)

    def forget(self) -> None:
        """Drop the pieces of prompts already sent (a long chat would keep every source);
        handles are never reused, so an old prompt cannot render another's text."""
        self._texts.clear()
        self._handles.clear()

    def token_text(self, token: int) -> str:
        return self._texts.get(token, "")

    def count_tokens(self, text: str) -> int:
        return len(self.tokenize(text))

    def render(self, tokens: list[int]) -> str:
        return "".join(self.token_text(t) for t in tokens)

    def parse(self, text: str) -> list[int] | None:
        """The server's own ids of `text` (its tokenize endpoint), when it has one: not
        these handles, but as many as the server will compute."""
        return self._server_parse(text) if self._server_parse else None

    def close(self) -> None:
        pass
