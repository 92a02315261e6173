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

Vocabularies: `GgufVocabulary` (a GGUF's, through llama.cpp vocab-only: the tokenizer a
llama.cpp server runs), `JsonVocabulary` (a Hugging Face tokenizer.json, with the
tokenizer_config.json beside it), `CountingVocabulary` (none of the model's: text is
counted by the server's tokenize endpoint, or estimated, and sent as it was written).
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

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


class GgufVocabulary:
    """A GGUF's tokenizer, loaded vocab-only through llama.cpp (no weights), as a
    ServerVocabulary: exact counts, the model's chat template and parameter count."""

    counting: Counting = "exact"

    def __init__(self, path: Path) -> None:
        import llama_cpp

        from localqa.generation.llama_setup import route_llama_log
        from localqa.generation.model import check_gguf

        check_gguf(path)
        route_llama_log()
        try:
            self._llama = llama_cpp.Llama(
                model_path=str(path), vocab_only=True, n_ctx=64, verbose=False
            )
        except (ValueError, RuntimeError, OSError) as err:
            raise TokenizerError(f"llama.cpp cannot read the vocabulary of {path} ({err})") from err
        vocab = llama_cpp.llama_model_get_vocab(self._llama.model)
        self._lib, self._vocab = llama_cpp, vocab
        self.path = path
        self.bos, self.eos = int(self._llama.token_bos()), int(self._llama.token_eos())
        self.add_bos = bool(llama_cpp.llama_vocab_get_add_bos(vocab))
        meta: dict[str, str] = dict(self._llama.metadata)
        self.chat_template: str | None = meta.get("tokenizer.chat_template")
        self.model_name = meta.get("general.name", "") or path.stem
        self.n_params = int(llama_cpp.llama_model_n_params(self._llama.model))
        # what llama.cpp parses only with special parsing on: control and unknown tokens
        parsed = llama_cpp.LLAMA_TOKEN_ATTR_CONTROL | llama_cpp.LLAMA_TOKEN_ATTR_UNKNOWN
        n_tokens = llama_cpp.llama_vocab_n_tokens(vocab)
        self.control = {
            t for t in range(n_tokens) if llama_cpp.llama_vocab_get_attr(vocab, t) & parsed
        }
        self._defuse = Defuser(self.token_text(t) for t in self.control)
        # SentencePiece vocabularies put a space before the text at the start and after
        # every special token; rendering takes it off again ("<s>" " [INST]" -> "<s>[INST]")
        self._space_prefix = self._bytes(self._ids("a", False)) == b" a"

    def _ids(self, text: str, special: bool, bos: bool = False) -> list[int]:
        data = text.encode("utf-8", errors="replace")
        return [int(t) for t in self._llama.tokenize(data, bos, special)]

    def _bytes(self, tokens: list[int]) -> bytes:
        return bytes(self._llama.detokenize(tokens))

    def tokenize(self, text: str) -> list[int]:
        """Plain text's ids, defused first, so that the server cannot parse it either."""
        return self._ids(self._defuse(text), False)

    def tokenize_template(self, text: str) -> list[int]:
        return self._ids(text, True)

    def token_text(self, token: int) -> str:
        return bytes(self._lib.llama_vocab_get_text(self._vocab, token)).decode(errors="replace")

    def count_tokens(self, text: str) -> int:
        return len(self.tokenize(text))

    def render(self, tokens: list[int]) -> str:
        if self.add_bos and tokens[:1] == [self.bos]:
            tokens = tokens[1:]
        out: list[bytes] = []
        run: list[int] = []
        for token in [*tokens, -1]:  # -1 ends the last run
            if token >= 0 and token not in self.control:
                run.append(token)
                continue
            if run:
                piece = self._bytes(run)
                if self._space_prefix and piece.startswith(b" "):
                    piece = piece[1:]
                out.append(piece)
                run = []
            if token >= 0:
                out.append(self.token_text(token).encode())
        return b"".join(out).decode("utf-8", errors="replace")

    def parse(self, text: str) -> list[int] | None:
        return self._ids(text, True, bos=self.add_bos)

    def close(self) -> None:
        self._llama.close()


class JsonVocabulary:
    """A Hugging Face tokenizer.json (the `tokenizers` library), with BOS, EOS and the
    chat template from the tokenizer_config.json beside it."""

    counting: Counting = "exact"
    n_params = 0

    def __init__(self, path: Path) -> None:
        from tokenizers import Tokenizer

        try:
            self._plain = Tokenizer.from_file(str(path))
            self._template = Tokenizer.from_file(str(path))
        except Exception as err:  # tokenizers raises a bare Exception
            raise TokenizerError(f"{path} is not a readable tokenizer.json ({err})") from err
        self._plain.encode_special_tokens = True  # added special tokens stay text
        config = _tokenizer_config(path.with_name("tokenizer_config.json"))
        added = {t.content: i for i, t in self._template.get_added_tokens_decoder().items()}
        self.path = path
        self.model_name = path.parent.name
        template = config.get("chat_template")
        jinja = path.with_name("chat_template.jinja")  # where newer transformers save it
        if not isinstance(template, str) and jinja.is_file():
            template = jinja.read_text(encoding="utf-8")
        self.chat_template: str | None = template if isinstance(template, str) else None
        self.bos = _token_id(config.get("bos_token"), added, ("<s>", "<|begin_of_text|>", "<bos>"))
        self.eos = _token_id(config.get("eos_token"), added, ("</s>", "<|endoftext|>", "<eos>"))
        self.add_bos = bool(config.get("add_bos_token", False)) and self.bos >= 0
        specials = self._template.get_added_tokens_decoder().values()
        self.control = {
            i for i, t in self._template.get_added_tokens_decoder().items() if t.special
        }
        self._defuse = Defuser(t.content for t in specials if t.special)

    def tokenize(self, text: str) -> list[int]:
        return list(self._plain.encode(self._defuse(text), add_special_tokens=False).ids)

    def tokenize_template(self, text: str) -> list[int]:
        return list(self._template.encode(text, add_special_tokens=False).ids)

    def token_text(self, token: int) -> str:
        return self._template.id_to_token(token) or ""

    def count_tokens(self, text: str) -> int:
        return len(self.tokenize(text))

    def render(self, tokens: list[int]) -> str:
        if self.add_bos and tokens[:1] == [self.bos]:
            tokens = tokens[1:]
        known = [t for t in tokens if t >= 0]  # a BOS or EOS the tokenizer does not name
        return str(self._template.decode(known, skip_special_tokens=False))

    def parse(self, text: str) -> list[int] | None:
        ids = self.tokenize_template(text)
        return [self.bos, *ids] if self.add_bos else ids

    def close(self) -> None:
        pass


def _tokenizer_config(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise TokenizerError(f"cannot read {path} ({err})") from err
    return data if isinstance(data, dict) else {}


def _token_id(named: Any, added: dict[str, int], usual: tuple[str, ...]) -> int:
    """The id of a config's bos/eos token (a string or {"content": ...}), else of the first
    usual name the tokenizer has; -1 when there is none."""
    if isinstance(named, dict):
        named = named.get("content")
    for name in (named, *usual):
        if isinstance(name, str) and name in added:
            return added[name]
    return -1


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


def local_vocabulary(path: Path) -> ServerVocabulary:
    """The tokenizer in `path`: a .gguf or a tokenizer.json (or a folder holding one).
    Raises TokenizerError."""
    path = path.expanduser()
    if path.is_dir():
        path = path / "tokenizer.json"
    if not path.is_file():
        raise TokenizerError(
            f"llm_tokenizer {path} does not exist; name the model's .gguf or tokenizer.json"
        )
    if path.suffix == ".json":
        return JsonVocabulary(path)
    return GgufVocabulary(path)
