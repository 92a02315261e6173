"""The chat prompt: numbered sources and a question, token-exact and within n_ctx.

The Llama-2 chat format, as Meta's reference code builds it (one `<s>[INST] ... [/INST]`
block per turn, the system prompt inside the first, `</s>` after each answer):

    <s>[INST] <<SYS>>\\n{system}\\n<</SYS>>\\n\\n{user1} [/INST] {answer1} </s>
    <s>[INST] {user2} [/INST]       (no newline between </s> and <s>: both are token ids)

Safety: BOS/EOS are inserted as token ids, never as text, and every text piece is tokenized
with special-token parsing off, so no document can produce a control token. Text that merely
looks like the template (`[INST]`, `[/INST]`, `<<SYS>>`, `<</SYS>>`, `<s>`, `</s>`, any case,
any inner spacing) is rewritten in documents, history and questions to a spaced form,
`[ INST ]`, `[ /INST ]`, `<< SYS >>`, `<< /SYS >>`, `< s >`, `< /s >`: still readable, but it
tokenizes differently from the template's own markers.

Models whose GGUF carries a non-Llama-2 `tokenizer.chat_template` are rendered with jinja2
(see `_templated`).
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from localqa.schema import ScoredChunk

if TYPE_CHECKING:
    import jinja2

SYSTEM_PROMPT = (
    "You answer questions using only the numbered sources in the user's message. "
    "Cite the sources that support each statement by their numbers in square brackets, "
    "like [1] or [2][3]. If the sources do not contain the answer, say plainly that the "
    "documents do not say, and do not guess or use outside knowledge. Be concise."
)
NO_SOURCES = "(no sources were found)"

_MARKER = re.compile(
    r"\[\s*(/?)\s*(INST)\s*\]|<<\s*(/?)\s*(SYS)\s*>>|<\s*(/?)\s*(s)\s*>", re.IGNORECASE
)
_BRACKETS = {"INST": ("[", "]"), "SYS": ("<<", ">>"), "S": ("<", ">")}
# Private-use characters: they survive jinja filters such as `trim` and never occur in a
# rendered template, so they mark where user-supplied text goes.
_SLOT = re.compile("\ue000(\\d+)\ue001")


class ContextTooSmall(Exception):
    """Not even the system prompt, the question and one source fit in n_ctx."""


class Tokenizer(Protocol):
    """What prompt packing needs of a model; `tokenize` must never parse special tokens."""

    def tokenize(self, text: str) -> list[int]: ...

    @property
    def bos(self) -> int: ...

    @property
    def eos(self) -> int: ...


@runtime_checkable
class TemplateTokenizer(Tokenizer, Protocol):
    """A tokenizer that can also render the model's own chat template (LocalModel is one)."""

    @property
    def chat_template(self) -> str | None: ...

    def tokenize_template(self, text: str) -> list[int]: ...

    def token_text(self, token: int) -> str: ...


@dataclass(frozen=True)
class Turn:
    question: str
    answer: str


@dataclass(frozen=True)
class PackedPrompt:
    tokens: list[int]
    sources: list[ScoredChunk]  # the ones kept, in order; the model sees them as [1], [2]...
    dropped_sources: int
    history_turns: int
    prompt_tokens: int
    format: str = "llama-2"  # or "gguf-template"


def neutralise(text: str) -> str:
    """Rewrite chat-template look-alikes (see the module docstring) to a spaced form."""

    def spaced(match: re.Match[str]) -> str:
        groups = match.groups()
        i = next(i for i in (1, 3, 5) if groups[i])
        opening, closing = _BRACKETS[groups[i].upper()]
        return f"{opening} {groups[i - 1]}{groups[i]} {closing}"

    return _MARKER.sub(spaced, text)


def user_message(sources: Sequence[ScoredChunk], question: str) -> str:
    """The last user message: the numbered sources, then the question."""
    blocks = [
        f"[{n}] {neutralise(s.chunk.location())}\n{neutralise(s.chunk.text.strip())}"
        for n, s in enumerate(sources, 1)
    ]
    body = "\n\n".join(blocks) if blocks else NO_SOURCES
    return f"Sources:\n{body}\n\nQuestion: {neutralise(question.strip())}"


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


def _clean_turn(turn: Turn) -> Turn:
    return Turn(neutralise(turn.question.strip()), neutralise(turn.answer.strip()))


def _llama2(tok: Tokenizer, system: str, history: Sequence[Turn], user: str) -> list[int]:
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


def _is_llama2(template: str | None) -> bool:
    return template is None or "<<SYS>>" in template


def _templated(
    tok: TemplateTokenizer, system: str, history: Sequence[Turn], user: str
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


def _render(tok: TemplateTokenizer, contents: list[str]) -> str:
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


def pack_prompt(
    model_tokenizer: Tokenizer,
    question: str,
    sources: Sequence[ScoredChunk],
    history: Sequence[Turn],
    n_ctx: int,
    answer_tokens: int,
    system: str = SYSTEM_PROMPT,
) -> PackedPrompt:
    """Build the prompt's token ids so that prompt + answer_tokens <= n_ctx, exactly.

    Sources come best-first. What is given up to fit: first the oldest history turns (the
    sources are what the answer must rest on), then sources from the end (lowest-ranked).
    Raises ContextTooSmall when the system prompt, question and best source do not fit.
    The format is Llama-2 unless the tokenizer has a non-Llama-2 `chat_template`.
    """
    if not question.strip():
        raise ValueError("the question is empty")
    turns = [_clean_turn(t) for t in history]
    render, fmt = _renderer(model_tokenizer, system)
    built: dict[tuple[int, int], list[int]] = {}

    def size(kept_turns: int, kept_sources: int) -> int:
        key = (kept_turns, kept_sources)
        if key not in built:
            past = turns[len(turns) - kept_turns :]
            built[key] = render(system, past, user_message(sources[:kept_sources], question))
        return len(built[key])

    # Sizes grow with turns and sources, so binary searches find the most that fit in a
    # few renders (a hundred sources would otherwise mean a hundred tokenizations).
    limit, n_sources = n_ctx - answer_tokens, len(sources)
    kept_turns = _most(lambda h: size(h, n_sources), len(turns), limit)
    kept_sources = n_sources
    if kept_turns < 0:
        kept_turns = 0
        kept_sources = _most(lambda k: size(0, k), n_sources, limit, lowest=1)
        if kept_sources < 1:
            need = size(0, min(1, n_sources))
            raise _too_small(n_ctx, need, answer_tokens, min(1, n_sources))
    tokens = built[(kept_turns, kept_sources)]
    return PackedPrompt(
        tokens=tokens,
        sources=list(sources[:kept_sources]),
        dropped_sources=n_sources - kept_sources,
        history_turns=kept_turns,
        prompt_tokens=len(tokens),
        format=fmt,
    )


def _most(size: Callable[[int], int], highest: int, limit: int, lowest: int = 0) -> int:
    """The largest n in [lowest, highest] with size(n) <= limit (size grows with n), or
    lowest - 1 when there is none."""
    best = lowest - 1
    while lowest <= highest:
        mid = (lowest + highest) // 2
        if size(mid) <= limit:
            best, lowest = mid, mid + 1
        else:
            highest = mid - 1
    return best


Renderer = Callable[[str, Sequence[Turn], str], list[int]]


def _renderer(tok: Tokenizer, system: str) -> tuple[Renderer, str]:
    """Llama-2 unless the model ships a different chat template that renders."""
    llama2: Renderer = functools.partial(_llama2, tok)
    if not isinstance(tok, TemplateTokenizer) or _is_llama2(tok.chat_template):
        return llama2, "llama-2"
    from jinja2 import TemplateError

    try:
        _render(tok, [system, "?"])
    except TemplateError as err:  # a template we cannot run: Llama-2 beats no answer
        return llama2, f"llama-2 (the GGUF chat template failed: {err})"
    return functools.partial(_templated, tok), "gguf-template"


def _too_small(n_ctx: int, need: int, answer_tokens: int, n_sources: int) -> ContextTooSmall:
    what = (
        "the system prompt, the question and the best source"
        if n_sources
        else ("the system prompt and the question")
    )
    return ContextTooSmall(
        f"n_ctx {n_ctx} is too small: {what} take {need} tokens and the answer "
        f"{answer_tokens} more; raise n_ctx to at least {need + answer_tokens}, "
        "or lower answer_tokens or the chunk size"
    )
