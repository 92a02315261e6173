"""How well a sentence of an answer is backed by one chunk: `SupportChecker` scores each
of the chunk's sentences (lexical and embedding agreement), held back where the evidence
lacks a stated number or name, contradicts the claim, is about something else, or states
the value in another table row or column. Apart from citations.py because this judges one
claim against one chunk; citations.py splits an answer into claims, picks the sources each
is checked against and the quote each citation shows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from localqa.answering.claims import MIN_ADDED_SHARE, share_added, wrong_life_date
from localqa.answering.columns import column_headings, row_headers, wrong_column
from localqa.answering.facts import (
    Facts,
    evidence_facts,
    facts_of,
    numerals_as_digits,
    share_held,
)
from localqa.answering.polarity import contradicts
from localqa.answering.roles import kept_share
from localqa.answering.rows import wrong_row
from localqa.embedding.coverage import dense_weight
from localqa.schema import Chunk
from localqa.sentences import split_sentences
from localqa.text import lexical_support

if TYPE_CHECKING:
    from localqa.embedding.embedder import Embedder

# A sentence is supported from this score (0..1) up; embedding agreement counts from
# SEMANTIC_SUPPORTED, scaled to meet it.
LEXICAL_SUPPORTED = 0.5
SEMANTIC_SUPPORTED = 0.65


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
