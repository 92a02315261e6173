"""Citations a person can check: markers mapped to chunks, every sentence tested
against what it cites."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from localqa.answering.claims import (
    MIN_ADDED_SHARE,
    added_words,
    claim_text,
    only_preamble,
    share_added,
    wrong_life_date,
)
from localqa.answering.columns import column_headings, row_headers, wrong_column
from localqa.answering.facts import (
    Facts,
    evidence_facts,
    facts_of,
    in_asked_unit,
    numerals_as_digits,
    share_held,
    without,
)
from localqa.answering.polarity import contradicts
from localqa.answering.roles import kept_share
from localqa.answering.rows import wrong_row
from localqa.embedding.coverage import dense_weight
from localqa.schema import Chunk
from localqa.sentences import split_sentences
from localqa.text import content_words, has_cjk, lexical_support, unlisted

if TYPE_CHECKING:
    from localqa.embedding.embedder import Embedder

MARKER = re.compile(r"\s?\[(\d+(?:\s*,\s*\d+)*)\]")
LEXICAL_SUPPORTED = 0.5
SEMANTIC_SUPPORTED = 0.65
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


def held_back(score: float, facts: Facts, claim: str, evidence: str, around: str = "") -> float:
    """`score`, unless the evidence (with the sentences `around` it: a claim may join two
    neighbouring sentences) lacks some of the claim's stated `facts` (then at most
    LEXICAL_SUPPORTED times the share it holds, which is below the threshold) or the
    evidence contradicts the claim (a negation or an antonym: facts.py `contradicts`; then
    at most half the threshold)."""
    if facts:
        present = share_held(facts, evidence_facts(f"{around} {evidence}" if around else evidence))
        if present < 1:
            score = min(score, LEXICAL_SUPPORTED * present)
    if score >= LEXICAL_SUPPORTED / 2 and contradicts(claim, evidence):
        score = min(score, LEXICAL_SUPPORTED / 2)
    return score


class SupportChecker:
    """Scores how well a sentence is backed by a chunk (lexical and embedding agreement).

    Vectors are cached per sentence and per claim: one answer checks each against several."""

    def __init__(self, embedder: Embedder | None) -> None:
        self._embedder = embedder
        self._vectors: dict[str, Any] = {}

    def _vectors_of(self, texts: Sequence[str]) -> list[Any]:
        assert self._embedder is not None
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            self._vectors.update(zip(missing, self._embedder.embed(missing), strict=True))
        return [self._vectors[t] for t in texts]

    def agreement(
        self, claim: str, sentences: Sequence[str], lexical: Sequence[float] | None = None
    ) -> list[float]:
        """How well each sentence agrees with the claim (0..1): lexically or in meaning.
        `lexical`: each sentence's lexical score, when the caller weighs words its own way
        (default: `lexical_support`, every content word alike)."""
        if lexical is None:  # numbers compared as digits: "thirteenth" holds "13th"
            said = numerals_as_digits(claim)
            lexical = [lexical_support(said, numerals_as_digits(s)) for s in sentences]
        scores = np.array(lexical, dtype=np.float64)
        # meaning counts as far as the model understands the claim's script (coverage.py)
        coverage = self._embedder.coverage if self._embedder else None
        weight = dense_weight(claim, coverage.cjk, coverage.uncovered) if coverage else 0.0
        if self._embedder is not None and sentences and weight > 0.0:
            claim_vector, *vectors = self._vectors_of([claim, *sentences])
            semantic = np.stack(vectors) @ claim_vector
            # either kind of agreement counts; scale semantic so its threshold maps to lexical's
            scale = weight * LEXICAL_SUPPORTED / SEMANTIC_SUPPORTED
            scores = np.maximum(scores, semantic * scale)
        return [float(min(v, 1.0)) for v in scores]

    def sentence_scores(
        self,
        claim: str,
        chunk: Chunk,
        facts: Facts | None = None,
        said: str = "",
        window: bool = True,
        subject: frozenset[str] = frozenset(),
        added: frozenset[str] = frozenset(),
        question: str = "",
        header: str = "",
    ) -> list[tuple[str, float]]:
        """Each sentence of the chunk with how well it supports the claim (0..1): its
        agreement, held back when it lacks a number or name the claim states (`facts`;
        default: all the claim states) or contradicts what is `said` (default: the claim),
        and when neither it nor a sentence beside it names any of `subject` (the names a
        short answer's question asks about: "10 years." to "How long is a Senator's
        term?" is not stated by a census clause's "ten Years"), and when it (with the
        sentences beside it) holds less than MIN_ADDED_SHARE of the words the claim adds to
        its question (`added`: claims.py), or states them only in a table row other than
        the one the `question` picks out (rows.py), or states the claim's year as the
        other end of a life's dates ("(1641-1679)", asked when he died: claims.py).
        A table row's evidence holds its header's cells over the claim's numbers ("2021"
        over "19,984,378"), the header in `chunk` or `header` (in force where `chunk`
        starts); a row whose figure the claim gives another year is held (columns.py)."""
        sentences = split_sentences(chunk.text) or [chunk.text]
        facts = facts_of(claim) if facts is None else facts
        agreement = self.agreement(claim, sentences)
        heads = row_headers(chunk.text, header, chunk.char_start > 0)
        stated = facts_of(f"{said or claim} {question}", 0.0)
        scores: list[tuple[str, float]] = []
        for i, (s, a) in enumerate(zip(sentences, agreement, strict=True)):
            over = column_headings(heads.get(s, ""), s, facts.numbers | facts.unscaled)
            own, around = f"{over} {s}".lstrip(), f"{over} {_around(sentences, i)}".lstrip()
            score = held_back(a, facts, said or claim, own, around if window else "")
            if subject and not subject & evidence_facts(around).words:
                score = min(score, LEXICAL_SUPPORTED / 2)  # about something else
            share = share_added(added, around if window else own)
            if share < MIN_ADDED_SHARE:  # it says what the question says, not the answer
                score = min(score, LEXICAL_SUPPORTED * share)
            if wrong_row(s, chunk.text, question, added):  # another row's value
                score = min(score, LEXICAL_SUPPORTED / 2)
            if wrong_column(heads.get(s, ""), s, stated.numbers | stated.unscaled):
                score = min(score, LEXICAL_SUPPORTED / 2)  # another year's figure
            if wrong_life_date(facts.numbers, question, around):  # born, asked when died
                score = min(score, LEXICAL_SUPPORTED / 2)
            # a CJK claim's added characters; a relation turned round (roles.py)
            kept = kept_share(said or claim, question, own, around if window else own)
            score = min(score, LEXICAL_SUPPORTED * kept) if kept < 1 else score
            scores.append((s, score))
        return scores

    def best_evidence(
        self,
        claim: str,
        chunk: Chunk,
        facts: Facts | None = None,
        said: str = "",
        window: bool = True,
        subject: frozenset[str] = frozenset(),
        added: frozenset[str] = frozenset(),
        question: str = "",
        header: str = "",
    ) -> tuple[str, float]:
        """The chunk sentence that supports the claim best, and the score. `window`: the
        claim's facts may be in the sentences beside it too (a claim may join two); a
        bare answer ("3.") states one fact, which its own sentence must hold. `header`:
        `sentence_scores`'."""
        scores = self.sentence_scores(
            claim, chunk, facts, said, window, subject, added, question, header
        )
        return max(scores, key=lambda pair: pair[1])


def _around(sentences: Sequence[str], i: int) -> str:
    return " ".join(sentences[max(0, i - 1) : i + 2])


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
