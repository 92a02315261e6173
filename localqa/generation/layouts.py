"""Chat layouts: token ids for a system prompt, past turns and a user message.

Llama-2's layout is built by hand, as Meta's reference code does; a GGUF that carries a
different `tokenizer.chat_template` is rendered with jinja2 (sandboxed). Either way template
text and user text are tokenized apart (`_Joiner`), so that only the template can produce
control tokens.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from localqa.generation.base import TemplateVocabulary, Vocabulary

if TYPE_CHECKING:
    import jinja2

    from localqa.schema import Turn

# Private-use characters: they survive jinja filters such as `trim` and never occur in a
# rendered template, so they mark where user-supplied text goes.
_SLOT = re.compile("\ue000(\\d+)\ue001")


class _Joiner:
    """Tokenizes a prompt piece by piece so the ids equal those of the whole text.

    Tokenizing a concatenation can differ from concatenating tokenizations at the seams:
    SentencePiece (Llama-2) puts a word-boundary space before the first word of every
    tokenize call, and BPE merges can span a seam. So pieces meet only before a space or
    after a newline (a piece carries its own leading space), and each piece but the first
    of a turn is tokenized behind a newline that is then cut off: Llama-2's vocabulary has
    no token containing a newline, so nothing merges across it and the cut is exact.
    """

    def __init__(self, tokenize: Callable[[str], list[int]]) -> None:
        self.tokenize = tokenize
        self._newline = tokenize("\n")

    def first(self, text: str) -> list[int]:
        """The first piece after BOS (or at the start): as the reference tokenizes a turn."""
        return self.tokenize(text) if text else []

    def glued(self, text: str) -> list[int]:
        """A piece that continues the text before it."""
        if not text:
            return []
        ids = self.tokenize("\n" + text)
        cut = len(self._newline)
        if ids[:cut] == self._newline:
            return ids[cut:]
        return self.tokenize(text)  # the vocabulary merges the newline: best effort


def _llama2(tok: Vocabulary, system: str, history: Sequence[Turn], user: str) -> list[int]:
    """Meta's Llama-2 chat layout; every seam is a space before a piece or a newline."""
    join = _Joiner(tok.tokenize)
    turns: list[tuple[str, str | None]] = [(t.question, t.answer) for t in history]
    turns.append((user, None))
    out: list[int] = []
    for i, (question, answer) in enumerate(turns):
        out.append(tok.bos)
        if i == 0 and system:
            out += join.first(f"[INST] <<SYS>>\n{system.strip()}\n<</SYS>>\n\n")
            out += join.glued(question)
        else:
            out += join.first("[INST]")
            out += join.glued(" " + question)
        out += join.glued(" [/INST]")
        if answer is not None:
            out += join.glued(f" {answer} ")
            out.append(tok.eos)
    return out


def _is_llama2(template: str) -> bool:
    return "<<SYS>>" in template


def _templated(
    tok: TemplateVocabulary, system: str, history: Sequence[Turn], user: str
) -> list[int]:
    """Render the GGUF's jinja chat template with placeholder contents, then tokenize the
    template text with special parsing on and the contents (system, history, sources,
    question) with it off. Seams follow the same rules as the Llama-2 path."""
    contents = [system] + [text for t in history for text in (t.question, t.answer)] + [user]
    text = _render(tok, contents)
    parts = _SLOT.split(text)
    pieces: list[tuple[str, bool]] = []  # (text, is template text)
    for i, part in enumerate(parts):
        pieces.append((contents[int(part)], False) if i % 2 else (part, True))
    for i in range(len(pieces) - 1):  # move trailing spaces onto the next piece
        body, trusted = pieces[i]
        kept = body.rstrip(" ")
        if kept != body:
            pieces[i] = (kept, trusted)
            pieces[i + 1] = (body[len(kept) :] + pieces[i + 1][0], pieces[i + 1][1])
    template, plain = _Joiner(tok.tokenize_template), _Joiner(tok.tokenize)
    out: list[int] = []
    for body, trusted in pieces:
        join = template if trusted else plain
        out += join.glued(body) if out else join.first(body)
    return out


@functools.lru_cache(maxsize=4)
def _compile(source: str) -> jinja2.Template:
    from jinja2 import TemplateError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def fail(message: str) -> None:
        raise TemplateError(message)

    def strftime_now(fmt: str) -> str:
        return datetime.datetime.now().strftime(fmt)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.globals.update(raise_exception=fail, strftime_now=strftime_now)
    return env.from_string(source)


def _render(tok: TemplateVocabulary, contents: list[str]) -> str:
    from jinja2 import TemplateError

    template = _compile(tok.chat_template or "")
    slots = [f"\ue000{i}\ue001" for i in range(len(contents))]
    roles = ["user", "assistant"] * ((len(contents) - 1) // 2) + ["user"]
    messages = [{"role": r, "content": s} for r, s in zip(roles, slots[1:], strict=True)]
    if contents[0]:
        messages.insert(0, {"role": "system", "content": slots[0]})
    names = {"bos_token": tok.token_text(tok.bos), "eos_token": tok.token_text(tok.eos)}
    try:
        return template.render(messages=messages, add_generation_prompt=True, **names)
    except TemplateError:
        # Some templates refuse a system role: put the system prompt before the first
        # user message instead, as their model cards suggest.
        if not contents[0]:
            raise
        messages = messages[1:]
        messages[0] = {"role": "user", "content": f"{slots[0]}\n\n{messages[0]['content']}"}
        return template.render(messages=messages, add_generation_prompt=True, **names)


Renderer = Callable[[str, Sequence["Turn"], str], list[int]]
# Completion prompts end in "Answer:"; a base model that goes on writing is stopped where
# it starts the next exchange, a new source block ("\n[4] file.pdf, page 2") or paragraph,
# or another answer (Gemma-3-270M wrote "\nAnswer:" lines to the token cap).
COMPLETION_STOPS = ("\nQuestion:", "\nAnswer:", "\n[", "\n\n")
_LLAMA2_CHAT = re.compile(r"llama[- _]?2.*chat|chat.*llama[- _]?2", re.IGNORECASE)


@dataclass(frozen=True)
class Layout:
    """How a prompt is laid out for a model: `name` (a `prompt_format` value but "auto"), why it was
    chosen (one line for the user), and text that ends an answer when the model writes it."""

    name: str
    reason: str
    stops: tuple[str, ...] = ()


def _completion(tok: Vocabulary, system: str, history: Sequence[Turn], user: str) -> list[int]:
    """Plain text for base models, which continue text rather than follow chat turns:
    the instruction, past exchanges as Question/Answer pairs, then the sources and question
    (`user` ends with "Question: ...") and "Answer:"."""
    join = _Joiner(tok.tokenize)
    out = [tok.bos, *join.first(system.strip())]
    for turn in history:
        out += join.glued(f"\n\nQuestion: {turn.question}")
        out += join.glued(f"\nAnswer: {turn.answer}")
    out += join.glued("\n\n" + user)
    return out + join.glued("\nAnswer:")


def _named_llama2(tok: Vocabulary) -> bool:
    """A Llama-2 chat model by its GGUF name or file name (older Llama-2 GGUFs carry no
    chat template: "llama-2-7b-chat.Q4_K_M.gguf")."""
    names = f"{getattr(tok, 'model_name', '')} {getattr(tok, 'name', '')}"
    return bool(_LLAMA2_CHAT.search(names))


def choose_layout(tok: Vocabulary, system: str, wanted: str = "auto") -> tuple[Renderer, Layout]:
    """The layout for this model: `wanted` when it names one; else the GGUF's own chat
    template, Llama-2's for a Llama-2 chat model, plain completion for a base model.
    A vocabulary that cannot render a chat template (no TemplateVocabulary) gets
    Llama-2's."""
    llama2: Renderer = functools.partial(_llama2, tok)
    completion: Renderer = functools.partial(_completion, tok)
    if wanted == "llama-2":
        return llama2, Layout("llama-2", "set by prompt_format")
    if wanted == "completion":
        return completion, Layout("completion", "set by prompt_format", COMPLETION_STOPS)
    if not isinstance(tok, TemplateVocabulary):
        return llama2, Layout("llama-2", "the tokenizer has no chat template to read")
    template = tok.chat_template
    if template and _is_llama2(template) and wanted == "auto":
        return llama2, Layout("llama-2", "the GGUF's chat template is Llama-2's")
    if template:
        from jinja2 import TemplateError

        try:
            _render(tok, [system, "?"])
            return functools.partial(_templated, tok), Layout(
                "gguf-template", "the GGUF's own chat template"
            )
        except TemplateError as err:  # a template we cannot run: fall back as if absent
            failed = f"the GGUF's chat template failed ({err}); "
    else:
        failed = "no chat template in the GGUF; "
    if _named_llama2(tok):
        return llama2, Layout("llama-2", failed + "a Llama-2 chat model by its name")
    return completion, Layout(
        "completion", failed + "prompted as a base model (plain text)", COMPLETION_STOPS
    )
