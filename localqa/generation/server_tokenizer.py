"""A local copy of the server model's own tokenizer (`llm_tokenizer`) as a
ServerVocabulary (generation/server_vocab.py): `GgufVocabulary` (a GGUF's, through
llama.cpp vocab-only: the tokenizer a llama.cpp server runs) or `JsonVocabulary` (a
Hugging Face tokenizer.json, with the tokenizer_config.json beside it), chosen by the file
(`local_vocabulary`). Both count exactly, defuse special-token strings in plain text, and
render packed ids as the text the server parses back into them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from localqa.generation.base import Counting
from localqa.generation.server_vocab import Defuser, ServerVocabulary, TokenizerError


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
