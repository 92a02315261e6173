"""An answer the asker wrote into the question ("Which days must I be in the office?
Answer: Monday and Wednesday."): the asker's claim, not part of what is asked.

Left in the question it steers everything: its words ranked the table row that holds them
above the sentence that answers, and a small model, shown "Answer:" in the question, wrote
"Answer: ..." lines until its token cap. So the claim is split off before anything is
searched (`split_proposed`): retrieval, the extractive quotes and the model see the question
alone, and the answer ends with one line saying whether the passages found for the question
support the claim (`judge_proposed`), as a reader checking a colleague's answer would want.

A claim is a trailing line or sentence that opens with an answer label ("Answer:", "A:",
"My answer:", "答案：", "答：") after the question has ended: with a question mark or a full
stop, or on a line of its own. A label inside the question ("What does section A: Scope
say?") is no claim.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from localqa.answering.citations import check_answer
from localqa.text import content_words

if TYPE_CHECKING:
    from localqa.answering.citations import SupportChecker
    from localqa.schema import Chunk

LABEL = re.compile(
    r"(?:(?:my|suggested|proposed|expected|correct)\s+)?(?:answer|ans|a)\s*[:：]|(?:答案|回答|答)\s*[:：]",
    re.IGNORECASE,
)
# What ends a question before a claim on the same line.
QUESTION_END = "?？.。!！"
SUPPORTED, UNSUPPORTED, UNCHECKED = "supported", "unsupported", "unchecked"


@dataclass(frozen=True, slots=True)
class Proposed:
    """A question split from the answer written into it: `answer` "" when there is none."""

    question: str
    answer: str = ""


@dataclass(frozen=True, slots=True)
class ProposedCheck:
    """The answer given with the question, and whether the passages found for the question
    support it: `verdict` is SUPPORTED, UNSUPPORTED, or UNCHECKED (it states no fact to
    check: "yes"); `evidence` the supporting sentence's place ("memo.docx, page 1, line 7"),
    "" unless supported."""

    answer: str
    verdict: str
    evidence: str = ""

    @property
    def line(self) -> str:
        """The one line shown after the answer."""
        given = f'The answer given with the question, "{self.answer}",'
        if self.verdict == SUPPORTED:
            return f"{given} is supported by {self.evidence}."
        found = "the question was searched and answered without it"
        if self.verdict == UNSUPPORTED:
            return f"{given} is not what the passages found for the question say; {found}."
        return f"{given} states nothing the documents can confirm; {found}."

    def as_json(self) -> dict[str, str | None]:
        return {
            "answer": self.answer,
            "verdict": self.verdict,
            "evidence": self.evidence or None,
            "line": self.line,
        }


def split_proposed(question: str) -> Proposed:
    """The question without the claim that ends it, and the claim (module docstring); the
    question whole, stripped, when it ends in none."""
    text = question.strip()
    for label in reversed(list(LABEL.finditer(text))):
        before = text[: label.start()].rstrip()
        answer = text[label.end() :].strip()
        gap = text[len(before) : label.start()]
        ended = bool(before) and (before[-1] in QUESTION_END or "\n" in gap)
        if ended and answer and content_words(before):
            return Proposed(before, answer.rstrip(".。 "))
    return Proposed(text)


def judge_proposed(
    proposed: Proposed, sources: Sequence[Chunk], checker: SupportChecker
) -> ProposedCheck | None:
    """Whether `sources` (the passages found for the question alone) support the answer
    proposed with it, each of its sentences checked as a model's answer is
    (citations.check_answer: a short answer together with its question, a table row only
    when it is the row the question picks out); None without a proposed answer."""
    if not proposed.answer:
        return None
    checks, citations = check_answer(f"{proposed.answer}.", sources, checker, proposed.question)
    if not checks:
        return ProposedCheck(proposed.answer, UNCHECKED)
    if all(check.supported for check in checks) and citations:
        best = max(citations, key=lambda c: c.score)
        where = best.chunk.location(best.chunk.quote_lines(best.quote))
        return ProposedCheck(proposed.answer, SUPPORTED, where)
    return ProposedCheck(proposed.answer, UNSUPPORTED)
