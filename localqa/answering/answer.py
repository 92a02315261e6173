"""An answer as the Answerer gives it, and the events of its stream: `Token` pieces of
text as they are produced, then exactly one `Final` carrying the `Answer` (its text,
citations, the passages it was given, each sentence's check, timings), whose `as_json` is
what `ask --json` prints."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from localqa.answering.citations import Citation, SentenceCheck
from localqa.answering.proposed import ProposedCheck
from localqa.answering.reasons import QUOTES_BECAUSE
from localqa.injection import addresses_model, instruction_lines
from localqa.schema import Chunk

# Said under quotes from a passage that addresses the model (localqa/injection.py): its
# lines to the model are never quoted, but whoever planted them wrote the rest too.
INSTRUCTIONS_LINE = (
    "{names} also holds text addressed to an AI assistant (instructions planted in the "
    "document); that text is not quoted. Check these quotes against the document."
)
# Said under a model's answer that stands alone over such a passage: the model read it.
ANSWER_INSTRUCTIONS_LINE = (
    "{names} also holds text addressed to an AI assistant (instructions planted in the "
    "document), which the model was given as quoted text. Check this answer against the "
    "document."
)

ESTIMATED = {
    "server": "estimate: the prompt was counted by the model server's tokenizer piece by piece",
    "estimate": "estimate: the prompt's tokens were estimated from its length",
}


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    mode: str
    citations: tuple[Citation, ...]
    contexts: tuple[Chunk, ...]
    checks: tuple[SentenceCheck, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)
    model: str | None = None
    gpu_layers: int | None = None
    sources_dropped: int = 0
    cancelled: bool = False
    layout: str = ""  # generative: the prompt layout, and why (localqa/generation/layouts.py)
    layout_reason: str = ""
    finish_reason: str = ""  # eos, length, stop, repetition, cancelled
    # generative, when it does not stand alone: the extractive answer, shown with it or
    # instead of it, and why (localqa/answering/relevance.py)
    fallback: Answer | None = None
    fallback_reason: str = ""
    # the documents do not answer it (localqa/answering/abstain.py): `text` says so and
    # `citations` are the nearest passages, shown so the reader can check
    abstained: bool = False
    # generative: how the prompt's tokens were counted (generation/base.py `Counting`);
    # other than "exact" only for a model on a server without a tokenizer of it
    token_counts: str = "exact"
    # a whole-document answer (answering/whole.py): the documents it read, and the others
    # whose name or title the question matches too, as citations name them
    documents_read: tuple[str, ...] = ()
    also_matched: tuple[str, ...] = ()
    # an answer the asker wrote into the question ("... Answer: Monday."), split off before
    # anything was searched, and whether the sources support it (answering/proposed.py)
    proposed: ProposedCheck | None = None
    # an answer that does not stand alone, over an index holding documents written in
    # another script than the question: the line saying so (answering/scripts_held.py)
    other_script: str = ""
    # shown though a check doubts the passages give it: the line saying what was checked
    # (localqa/answering/abstain.py `Decision.doubt`)
    may_not_answer: str = ""
    # why the vector search was skipped (a Chroma server down): the answer comes from
    # keyword (BM25) search alone; "" when both searches ran
    dense_skipped: str = ""

    @property
    def lines_after(self) -> tuple[str, ...]:
        """The lines every front end shows right after the answer's text: the other
        documents a whole-document question matched, what the sources say of the answer
        given with the question, the documents in another script than the question, and
        what a check found that the passages may not say."""
        proposed = self.proposed.line if self.proposed else ""
        lines = (
            self.also_matched_line,
            proposed,
            self.other_script,
            self.instructions_line,
            self.may_not_answer,
        )
        return tuple(line for line in lines if line)

    @property
    def also_matched_line(self) -> str:
        """The one line naming the other documents a whole-document question matched, ""
        when it matched one: "Read northwind-handbook.pdf; the question also matches
        handbook-zh.md (name it to read it instead)." """
        if not self.also_matched:
            return ""
        one = len(self.also_matched) == 1
        return (
            f"Read {', '.join(self.documents_read)}; the question also matches "
            f"{', '.join(self.also_matched)} (name {'it' if one else 'one'} to read it instead)."
        )

    @property
    def instructions_line(self) -> str:
        """The line naming the documents of the quotes shown (this extractive answer's, or
        those under a model's answer) whose passages address the model, or of the passages
        a model's answer standing alone was given; "" when none does, or when the quotes
        replaced the answer for that reason (their `because` says so)."""
        if self.fallback_reason == "instructions":
            return ""
        alone = self.mode == "generative" and self.fallback is None and not self.abstained
        quotes = self if self.mode == "extractive" or alone else self.fallback
        if quotes is None:
            return ""
        names = dict.fromkeys(quotes.contexts[n - 1].source for n in quotes.instruction_sources)
        line = ANSWER_INSTRUCTIONS_LINE if alone else INSTRUCTIONS_LINE
        return line.format(names=", ".join(names)) if names else ""

    @property
    def instruction_sources(self) -> tuple[int, ...]:
        """The numbers (1-based, as `contexts` counts them) of the passages that address the
        model (localqa/injection.py), each passage once: two quotes of one passage are two
        contexts (quoting.py), the first one counted."""
        first = {c.id: n for n, c in reversed(list(enumerate(self.contexts, 1)))}
        return tuple(
            n
            for n, c in enumerate(self.contexts, 1)
            if first[c.id] == n and addresses_model(c.text)
        )

    @property
    def unsupported(self) -> list[str]:
        return [c.sentence for c in self.checks if not c.supported]

    @property
    def grounded(self) -> bool:
        """Extractive: something was quoted. Generative: every checked sentence is
        supported by a source it cites (or by any source, when it cites none). An answer
        that abstains makes no claim: not grounded."""
        if self.abstained:
            return False
        if self.mode == "extractive":
            return bool(self.citations)
        return bool(self.checks) and all(c.supported for c in self.checks)

    @property
    def verdict(self) -> str:
        """What the reader was shown, in one word for scripts (`--json`: `verdict`):
        "supported": an answer standing alone (extractive: quotes found; generative: every
        sentence supported and nothing else against it); "shown-with-quotes": a model's
        answer that does not stand alone, shown with the extractive quotes under it or
        replaced by them (`extractive_shown_because` says why), or extractive quotes of a
        passage that addresses the model (`instructions_line`): read the quotes;
        "unsupported": a model's answer with a sentence the sources do not support and no
        quotes to show, or one cut short by a cancel (unchecked); "abstained": the reader
        was told the documents do not answer (the `abstain_below` rule, nothing found to
        quote, or a model's answer whose quotes found nothing)."""
        if self.abstained or (self.mode == "extractive" and not self.citations):
            return "abstained"
        if self.mode == "extractive":  # quotes of a passage that addresses the model: read
            return "shown-with-quotes" if self.instruction_sources else "supported"
        if self.cancelled:
            return "unsupported"
        if self.fallback is not None:
            if self.fallback.verdict == "abstained":
                return "abstained"
            return "shown-with-quotes"
        return "supported" if self.grounded else "unsupported"

    def contexts_json(self) -> tuple[list[dict[str, Any]], dict[int, int]]:
        """The passages of `contexts` for JSON, each once (two quotes of one passage cite
        one context), in the order first cited: its `id` (the chunk's; a passage cut to a
        quote's lines shares it with the chunk), `n` (the first [n] that cites it: all of
        them in `numbers`), where it is and its text. With them, the position (1-based)
        in that list of the context each number [n] refers to."""
        listed: dict[tuple[str, int, int, str], dict[str, Any]] = {}
        place: dict[tuple[str, int, int, str], int] = {}
        position: dict[int, int] = {}
        for n, c in enumerate(self.contexts, start=1):
            key = (c.id, c.line_start, c.line_end, c.text)
            if key not in listed:
                place[key] = len(listed) + 1
                listed[key] = {
                    "n": n,
                    "numbers": [],
                    "id": c.id,
                    "source": c.source,
                    "abs_path": c.abs_path,
                    "page": c.page,
                    "lines": [c.line_start, c.line_end],
                    "text": c.text,
                    "page_kind": c.page_kind,  # page, slide or sheet, and any OCR mark
                }
            listed[key]["numbers"].append(n)
            position[n] = place[key]
        return list(listed.values()), position

    def as_json(self) -> dict[str, Any]:
        contexts, position = self.contexts_json()
        citations = [
            c.as_json() | ({"context": position[c.number]} if c.number in position else {})
            for c in self.citations
        ]
        data: dict[str, Any] = {
            "question": self.question,
            "answer": self.text,
            "mode": self.mode,
            "verdict": self.verdict,  # what the reader was shown: see `verdict`
            "grounded": self.grounded,
            "abstained": self.abstained,
            "citations": citations,
            "contexts": contexts,
            "unsupported_sentences": self.unsupported,
            # passages that address the model: shown to it as quoted material, never
            # enough to support an answer alone (localqa/injection.py)
            "instruction_sources": [
                {
                    "n": position[n],
                    "source": self.contexts[n - 1].source,
                    "page": self.contexts[n - 1].page,
                    "lines": [self.contexts[n - 1].line_start, self.contexts[n - 1].line_end],
                    "instructions": list(instruction_lines(self.contexts[n - 1].text)),
                }
                for n in self.instruction_sources
            ],
            "sources_used": len(self.contexts),
            "sources_dropped": self.sources_dropped,
            "cancelled": self.cancelled,
            "timings": self.timings,
            "documents_read": list(self.documents_read),
            "also_matched": list(self.also_matched),
            "also_matched_line": self.also_matched_line or None,
            "proposed_answer": self.proposed.as_json() if self.proposed else None,
            "other_script_line": self.other_script or None,
            # "hybrid" (vectors and keywords), or "keyword-only" when the vector search
            # could not run (`dense_skipped` says why)
            "search": "keyword-only" if self.dense_skipped else "hybrid",
            "dense_skipped": self.dense_skipped or None,
            "instructions_line": self.instructions_line or None,
            # why quotes are shown with or instead of a model's answer: null in every mode
            # where no model's answer was judged (extractive, abstained before writing)
            "extractive": self.fallback.as_json() if self.fallback else None,
            "extractive_shown_because": self.fallback_reason or None,
            "extractive_shown_why": QUOTES_BECAUSE.get(self.fallback_reason),
            "may_not_answer_line": self.may_not_answer or None,
        }
        if self.mode == "generative":
            data["model"] = self.model
            data["gpu_layers"] = self.gpu_layers
            data["layout"] = {"name": self.layout, "reason": self.layout_reason}
            data["finish_reason"] = self.finish_reason
            data["sentences"] = [
                {
                    "text": c.sentence,
                    "supported": c.supported,
                    "support": round(c.support, 4),
                    "cited": list(c.cited),
                    "evidence": c.evidence,
                    "from_instructions": c.from_instructions,
                }
                for c in self.checks
            ]
            if self.token_counts != "exact":  # said only where it is so: see token_counts
                data["token_budget"] = ESTIMATED[self.token_counts]
        return data


@dataclass(frozen=True)
class Token:
    """A piece of the answer's text, as the model (or the extractor) produced it."""

    text: str


@dataclass(frozen=True)
class Final:
    """The last event of every stream: the whole answer, checked and cited."""

    answer: Answer


AnswerEvent = Token | Final
