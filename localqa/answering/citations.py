"""Citations a person can check: markers mapped to chunks, every sentence tested
against what it cites (each test of one claim against one chunk: support.py)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from localqa.answering.claims import added_words, claim_text, only_preamble
from localqa.answering.facts import facts_of, in_asked_unit, without
from localqa.answering.support import (
    LEXICAL_SUPPORTED,
    SEMANTIC_SUPPORTED,
    SupportChecker,
    held_back,
)
from localqa.schema import Chunk
from localqa.sentences import split_sentences
from localqa.text import content_words, has_cjk, unlisted

# The support check of one claim against one chunk is localqa/answering/support.py's;
# importable from here as before.
__all__ = [
    "ABOUT_THE_SOURCES",
    "LEXICAL_SUPPORTED",
    "MARKER",
    "MIN_CLAIM_WORDS",
    "SEMANTIC_SUPPORTED",
    "Citation",
    "SentenceCheck",
    "SupportChecker",
    "check_answer",
    "cited_numbers",
    "clean_markers",
    "held_back",
]

MARKER = re.compile(r"\s?\[(\d+(?:\s*,\s*\d+)*)\]")
MIN_CLAIM_WORDS = 3
# A sentence about the sources rather than the world ("The source you provided is a
# reference to the Normans.txt file", SmolLM2-135M): it makes no claim to check, and its
# words are all in the sources. Not "Based on the sources, X is Y": that claims X is Y.
ABOUT_THE_SOURCES = re.compile(
    r"\s*(?:the|this|these|your|each)\s+(?:provided\s+)?(?:source|sources|document|documents|"
    r"passage|passages|file|files)\b(?:\s+(?:you|that\s+you)\s+(?:provided|gave|shared))?\s+"
    r"(?:is|are|was|contains?|says?|provides?|mentions?|refers?|includes?|lists?|has|have)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Citation:
    number: int
    chunk: Chunk
    quote: str
    score: float

    def as_json(self) -> dict[str, Any]:
        c = self.chunk
        return {
            "n": self.number,
            "source": c.source,
            "page": c.page,
            "page_label": c.page_label,  # a sheet's name ("" elsewhere): lines are its rows
            "location": c.location(c.quote_lines(self.quote)),  # as the terminal cites it
            "lines": [c.line_start, c.line_end],  # the passage's
            "quote": self.quote,
            "quote_lines": list(c.quote_lines(self.quote)),  # the quote's own
            "score": round(self.score, 4),
            "abs_path": c.abs_path,
            "ocr_confidence": c.ocr_confidence,
        }


@dataclass(frozen=True, slots=True)
class SentenceCheck:
    sentence: str
    cited: tuple[int, ...]
    support: float
    supported: bool
    evidence: str = ""  # the source sentence that supports it best
    # that sentence is in a source that addresses the model (localqa/injection.py)
    from_instructions: bool = False


def cited_numbers(sentence: str) -> tuple[int, ...]:
    found: list[int] = []
    for group in MARKER.findall(sentence):
        found += [int(n) for n in group.split(",")]
    return tuple(dict.fromkeys(found))


def clean_markers(text: str, n_sources: int) -> str:
    """Remove markers that point at no source; keep the valid numbers of a group."""

    def keep_valid(match: re.Match[str]) -> str:
        valid = [n for n in match.group(1).split(",") if 1 <= int(n) <= n_sources]
        lead = match.group(0)[: len(match.group(0)) - len(match.group(0).lstrip())]
        return f"{lead}[{', '.join(n.strip() for n in valid)}]" if valid else ""

    return MARKER.sub(keep_valid, text)


def check_answer(
    text: str,
    sources: Sequence[Chunk],
    checker: SupportChecker,
    question: str = "",
    instructions: frozenset[int] = frozenset(),
    headers: Sequence[str] = (),
) -> tuple[list[SentenceCheck], list[Citation]]:
    """Check every sentence against the sources it cites (all sources when it cites none).
    A short answer ("18 weeks.") is checked together with the `question` it answers. The
    facts that must be in the evidence are those the sentence adds to the question (its
    numbers, names and units: facts.py): the question's own words may sit in the sentence
    before. `instructions`: the numbers (1-based) of the sources that address the model
    (localqa/injection.py); a sentence resting on one of them says so (`SentenceCheck`).
    `headers[i]`: the header of the table the (i+1)-th source starts inside ("" or missing:
    none), which that source's rows are read under (`sentence_scores`).
    Citations: every cited source with its best quote, and for a supported sentence that
    cites nothing, the source that supports it best."""
    checks: list[SentenceCheck] = []
    best_quote: dict[int, tuple[str, float]] = {}
    head = {n: headers[n - 1] if n <= len(headers) else "" for n in range(1, len(sources) + 1)}
    for sentence in split_sentences(text):
        cited = tuple(n for n in cited_numbers(sentence) if 1 <= n <= len(sources))
        claim = MARKER.sub("", sentence).strip()
        judged = unlisted(claim)  # a list item's "2." is no number it states
        if ABOUT_THE_SOURCES.match(judged) or only_preamble(judged):
            continue  # "The source you provided is a reference to ...": no claim to check
        judged = claim_text(judged)  # "The answer is: 50,000" claims "50,000"
        added = added_words(judged, question) if question else frozenset()
        facts = facts_of(judged)
        short = len(content_words(judged)) < MIN_CLAIM_WORDS
        # what a bare answer is about: the names its question asks about
        subject = facts_of(question).words if short and question else frozenset()
        if short:
            facts = facts_of(judged, first_is_name=True)
            if not (question and (facts or (has_cjk(judged) and content_words(judged)))):
                continue  # "Yes." or a heading: nothing to check; "林晓" names someone
            judged = f"{question.strip()} {judged}"  # "18 weeks." says what it answers
            facts = in_asked_unit(facts, question)  # "3." to "How many weeks": 3 weeks
        if question:
            facts = without(facts, question)
        evidence = {
            n: checker.best_evidence(
                judged, sources[n - 1], facts, claim, not short, subject, added, question, head[n]
            )
            for n in cited or range(1, len(sources) + 1)
        }
        best = max(evidence, key=lambda n: (evidence[n][1], n not in instructions), default=0)
        support = evidence[best][1] if best else 0.0
        # what it cites; a supported sentence that cites nothing points at its best source
        shown = cited or ((best,) if support >= LEXICAL_SUPPORTED else ())
        for n in shown:
            if evidence[n][1] > best_quote.get(n, ("", -1.0))[1]:
                best_quote[n] = evidence[n]
        quote = evidence[best][0] if best else ""
        # only from instructions: no other source supports it
        hostile = best in instructions and not any(
            evidence[n][1] >= LEXICAL_SUPPORTED for n in evidence if n not in instructions
        )
        supported = support >= LEXICAL_SUPPORTED
        checks.append(SentenceCheck(claim, cited, support, supported, quote, hostile))
    citations = [
        Citation(n, sources[n - 1], quote, score)
        for n, (quote, score) in sorted(best_quote.items())
    ]
    return checks, citations
