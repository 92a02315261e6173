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

The layouts themselves (Llama-2, the GGUF's own jinja chat template, or plain completion
text for base models) are in localqa/generation/layouts.py; this module decides what goes
into them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from localqa.errors import LocalqaError
from localqa.generation.base import Vocabulary
from localqa.generation.layouts import Layout, Renderer, choose_layout
from localqa.injection import QUOTED_NOTE, addresses_model, as_quoted
from localqa.schema import ScoredChunk, Turn

SYSTEM_PROMPT = (
    "You answer questions using only the numbered sources in the user's message. "
    "Cite the sources that support each statement by their numbers in square brackets, "
    "like [1] or [2][3]. If the sources do not contain the answer, say plainly that the "
    "documents do not say, and do not guess or use outside knowledge. Be concise."
)
NO_SOURCES = "(no sources were found)"
# Opens the line a source that starts inside a table is shown under: its table's header,
# from a passage before it, marked as naming the columns (no row of the source), so the
# model reads "19,984,378" as 2021's. SmolLM2-135M answered 'What was total revenue in
# 2021?' from the five formats' statement with 2021's figure under "Columns: " and under
# the bare line; under "(table header, from above) " or "Table header: " with 2020's for
# the PDF (tests/test_statement_prompt.py).
HEADER_MARK = "Columns: "

_MARKER = re.compile(
    r"\[\s*(/?)\s*(INST)\s*\]|<<\s*(/?)\s*(SYS)\s*>>|<\s*(/?)\s*(s)\s*>", re.IGNORECASE
)
_BRACKETS = {"INST": ("[", "]"), "SYS": ("<<", ">>"), "S": ("<", ">")}


class ContextTooSmall(LocalqaError):
    """Not even the system prompt, the question and one source fit in n_ctx."""


@dataclass(frozen=True)
class PackedPrompt:
    tokens: list[int]
    sources: list[ScoredChunk]  # the ones kept, in order; the model sees them as [1], [2]...
    dropped_sources: int
    history_turns: int
    prompt_tokens: int
    layout: Layout
    # leading tokens every prompt of this layout and system prompt shares, up to where the
    # sources begin: no document or question text (generation/prefix_cache.py)
    fixed_prefix: int = 0
    # per kept source, the header it is shown under ("" for none: PromptRequest.headers)
    headers: tuple[str, ...] = ()


def neutralise(text: str) -> str:
    """Rewrite chat-template look-alikes (see the module docstring) to a spaced form."""

    def spaced(match: re.Match[str]) -> str:
        groups = match.groups()
        i = next(i for i in (1, 3, 5) if groups[i])
        opening, closing = _BRACKETS[groups[i].upper()]
        return f"{opening} {groups[i - 1]}{groups[i]} {closing}"

    return _MARKER.sub(spaced, text)


def user_message(sources: Sequence[ScoredChunk], question: str, headers: Sequence[str] = ()) -> str:
    """The last user message: the numbered sources, each under its file's name, then the
    question. No page or lines: a small model copied them into its answer (SmolLM2-135M in
    40 of 600 SQuAD answers, docs/BENCHMARKS-LOG.md); the citations give them.
    `headers[i]` ("" for none; missing ones are ""): the header line of the table the i-th
    source starts inside (answering/tables.py `header_above`), shown at its top marked as
    the header (HEADER_MARK), so a statement's rows are read under their years."""
    heads = [*headers[: len(sources)], *[""] * (len(sources) - len(headers))]
    blocks = [_block(n, s, h) for n, (s, h) in enumerate(zip(sources, heads, strict=True), 1)]
    body = "\n\n".join(blocks) if blocks else NO_SOURCES
    return f"Sources:\n{body}\n\nQuestion: {neutralise(question.strip())}"


def _block(n: int, source: ScoredChunk, header: str = "") -> str:
    """One numbered source, under `header` (a table's header line, marked as such: it is
    no row of the source) when it has one. One that addresses the model
    (localqa/injection.py) is marked as quoted material, its every line opened with "> "
    so that none passes for a turn of the layout; the others are as they are (a prompt
    without such a source is unchanged)."""
    text = source.chunk.text.strip()
    text = neutralise(f"{HEADER_MARK}{header}\n{text}" if header else text)
    name = neutralise(source.chunk.source)
    if addresses_model(text):
        return f"[{n}] {name} ({QUOTED_NOTE})\n{as_quoted(text)}"
    return f"[{n}] {name}\n{text}"


def _clean_turn(turn: Turn) -> Turn:
    return Turn(neutralise(turn.question.strip()), neutralise(turn.answer.strip()))


@dataclass(frozen=True)
class PromptRequest:
    """What to pack: `sources` best-first, `history` oldest first, into a window of `n_ctx`
    tokens that must leave `answer_tokens` for the answer; `prompt_format` a layout name or
    "auto" (generation/layouts.py `choose_layout`)."""

    question: str
    sources: Sequence[ScoredChunk]
    history: Sequence[Turn]
    n_ctx: int
    answer_tokens: int
    system: str = SYSTEM_PROMPT
    prompt_format: str = "auto"
    # per source, the header line of the table it starts inside, "" for none (user_message)
    headers: Sequence[str] = ()


def pack_prompt(vocab: Vocabulary, request: PromptRequest) -> PackedPrompt:
    """Build the prompt's token ids so that prompt + answer_tokens <= n_ctx, exactly.

    What is given up to fit: first the oldest history turns (the sources are what the
    answer must rest on), then sources from the end (lowest-ranked). Raises
    ContextTooSmall when the system prompt, question and best source do not fit, and
    ValueError for an empty question.
    """
    if not request.question.strip():
        raise ValueError("the question is empty")
    render, layout = choose_layout(vocab, request.system, request.prompt_format)
    renders = _Renders(render, request)
    kept_turns, kept_sources = _fit(renders, request)
    tokens = renders.tokens(kept_turns, kept_sources)
    # what two prompts with different questions share, and this one shares with them
    system = request.system
    fixed = _shared(
        render(system, [], user_message([], "a")), render(system, [], user_message([], "b"))
    )
    return PackedPrompt(
        tokens=tokens,
        sources=list(request.sources[:kept_sources]),
        dropped_sources=len(request.sources) - kept_sources,
        history_turns=kept_turns,
        prompt_tokens=len(tokens),
        layout=layout,
        fixed_prefix=len(_shared(tokens, fixed)),
        headers=tuple(request.headers[:kept_sources]),
    )


class _Renders:
    """The prompt's token ids with the newest `kept_turns` turns and the first
    `kept_sources` sources, each rendered once."""

    def __init__(self, render: Renderer, request: PromptRequest) -> None:
        self._render = render
        self._request = request
        self._turns = [_clean_turn(t) for t in request.history]
        self._built: dict[tuple[int, int], list[int]] = {}

    def tokens(self, kept_turns: int, kept_sources: int) -> list[int]:
        key = (kept_turns, kept_sources)
        if key not in self._built:
            r = self._request
            past = self._turns[len(self._turns) - kept_turns :]
            user = user_message(r.sources[:kept_sources], r.question, r.headers)
            self._built[key] = self._render(r.system, past, user)
        return self._built[key]

    def size(self, kept_turns: int, kept_sources: int) -> int:
        return len(self.tokens(kept_turns, kept_sources))


def _fit(renders: _Renders, request: PromptRequest) -> tuple[int, int]:
    """(history turns, sources) kept: the most turns with every source, else no turn and
    the most sources, at least one when there is one. Sizes grow with turns and sources,
    so binary searches find them in a few renders (a hundred sources would otherwise mean
    a hundred tokenizations)."""
    limit, n_sources = request.n_ctx - request.answer_tokens, len(request.sources)
    kept_turns = _most(lambda h: renders.size(h, n_sources), len(request.history), limit)
    if kept_turns >= 0:
        return kept_turns, n_sources
    kept_sources = _most(lambda k: renders.size(0, k), n_sources, limit, lowest=1)
    if kept_sources < 1:
        least = min(1, n_sources)
        need = renders.size(0, least)
        raise _too_small(request.n_ctx, need, request.answer_tokens, least)
    return 0, kept_sources


def _shared(a: list[int], b: list[int]) -> list[int]:
    """The longest common prefix of two token lists."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return a[:n]


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
