"""Answering a question: retrieve, then generate with the model or extract without one.

`Answerer.stream` yields a typed event stream: `Token` events as text is produced, then
exactly one `Final` carrying the `Answer`, so the CLI and the TUI print tokens as they
arrive and never sort the stream by type guesses.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from localqa.answering.abstain import decide
from localqa.answering.answer import Answer, AnswerEvent, Final, Token
from localqa.answering.asked import EmptyQuestion as EmptyQuestion  # its importers' name
from localqa.answering.asked import require_words
from localqa.answering.citations import SupportChecker
from localqa.answering.extractive import Extract, extract_answer
from localqa.answering.generated import Generating, Generation, extracted_answer
from localqa.answering.proposed import Proposed, judge_proposed, split_proposed
from localqa.answering.scripts_held import OPENING_CHARS, other_script_line, wants_script_line
from localqa.answering.whole_question import WholeQuestion, looks_whole, whole_question
from localqa.retrieval.retriever import Retriever
from localqa.retrieval.scoring import WordRarity, word_weights
from localqa.schema import Chunk, ScoredChunk

if TYPE_CHECKING:
    from localqa.generation.base import LanguageModel
    from localqa.generation.prompt import PackedPrompt
    from localqa.schema import Turn
    from localqa.sections import AnsweringSettings, GenerationSettings, RetrievalSettings


@dataclass(frozen=True)
class AnswererSettings:
    """The sections of the settings an Answerer reads."""

    retrieval: RetrievalSettings
    answering: AnsweringSettings
    generation: GenerationSettings


class Answerer:
    """Answers questions from one index: retrieval, then the model or extraction.

    `model` None means extractive mode; `rarity` (the index's word statistics) weighs the
    question's words for extraction. `settings` are the three sections it reads:
    retrieval (how many sources), answering (abstention, quotes-only) and generation
    (sampling, budgets, layout). The parts come from `localqa.builder.Builder`.
    """

    def __init__(
        self,
        settings: AnswererSettings,
        retriever: Retriever,
        model: LanguageModel | None = None,
        rarity: WordRarity | None = None,
    ) -> None:
        self._settings = settings
        self._retriever = retriever
        self._rarity = rarity
        self._embedder = retriever.embedder
        self.model = model

    def question_cut(self, question: str) -> bool:
        """Whether `question` is longer than the question encoder's window (its word
        pieces plus [CLS] and [SEP]): then only its first part is embedded for the dense
        search; the lexical search reads it whole."""
        return self._embedder.count_tokens(question) + 2 > self._embedder.max_tokens

    @property
    def retriever(self) -> Retriever:
        """The hybrid retrieval this answerer's sources come from (the MCP `search` tool
        shows its ranking)."""
        return self._retriever

    @property
    def quotes_only(self) -> bool:
        """Setting `unsupported_answer = "quotes-only"`, with a model: a model answer that
        does not stand alone is replaced by the extractive quotes (presentation.py). Every
        front end and `eval` read it here; without a model there is no answer to replace."""
        return self.model is not None and self._settings.answering.quotes_only

    def ask(
        self, question: str, history: Sequence[Turn] = (), documents: Sequence[str] = ()
    ) -> Answer:
        """The whole answer at once (`stream` without the tokens)."""
        for event in self.stream(question, history, documents=documents):
            if isinstance(event, Final):
                return event.answer
        raise AssertionError("an answer stream always ends with Final")

    def stream(
        self,
        question: str,
        history: Sequence[Turn] = (),
        stop: threading.Event | None = None,
        documents: Sequence[str] = (),
    ) -> Iterator[AnswerEvent]:
        """Token events, then one Final. Raises EmptyQuestion for a question without words,
        ContextTooSmall when not even one source fits the model's window. Setting `stop`
        ends generation at the next token; the Final then says `cancelled`. `documents`
        (absolute paths) restricts the sources to those documents. An answer written into
        the question ("... Answer: Monday.") is split off first (answering/proposed.py):
        the question alone is searched and answered, and the Final says whether its
        sources support that answer."""
        proposed = split_proposed(require_words(question))
        question = proposed.question
        asked = (
            whole_question(question, self._retriever.index.catalog.documents())
            if looks_whole(question)
            else None
        )
        if asked is not None:
            whole = self._whole(question, asked, history, stop, documents)
            yield from self._judged(whole, proposed, None)
            return
        retrieved = self._retriever.search(question, documents)
        timings = dict(retrieved.timings)
        checker = SupportChecker(self._embedder)
        contexts = self._retriever.context(
            retrieved.results,
            self._settings.retrieval.top_k,
            self._settings.retrieval.context_chars,
        )
        extract = self._extract(question, contexts, checker, timings)
        passages = [c.chunk for c in contexts]
        texts = [c.text for c in passages]
        decision = decide(extract, self._settings.answering.abstain_below, question, texts)
        if decision.declined:
            abstained = self._abstained(question, extract, timings, decision.declined)
            yield Token(abstained.text)
            finished = iter([Final(self._finish(abstained, proposed, passages, checker))])
            yield from self._searched(finished, retrieved.dense_skipped)
        elif self.model is None:
            extracted = extracted_answer(question, extract, timings)
            extracted = replace(extracted, may_not_answer=decision.doubt)
            yield Token(extracted.text)
            finished = iter([Final(self._finish(extracted, proposed, passages, checker))])
            yield from self._searched(finished, retrieved.dense_skipped)
        else:
            job = Generation(question, history, retrieved.results, extract, checker, timings, stop)
            judged = self._judged(self._generate(job), proposed, passages, checker)
            doubted = _doubted(judged, decision.doubt)
            yield from self._searched(doubted, retrieved.dense_skipped)

    def _searched(self, events: Iterator[AnswerEvent], skipped: str) -> Iterator[AnswerEvent]:
        """`events`, the Final's answer saying the vector search was `skipped` (if it was)."""
        for event in events:
            if skipped and isinstance(event, Final):
                event = Final(replace(event.answer, dense_skipped=skipped))
            yield event

    def _judged(
        self,
        events: Iterator[AnswerEvent],
        proposed: Proposed,
        sources: Sequence[Chunk] | None,
        checker: SupportChecker | None = None,
    ) -> Iterator[AnswerEvent]:
        """`events`, the Final's answer `_finish`ed (`sources` default: its contexts)."""
        for event in events:
            if isinstance(event, Final):
                passages = event.answer.contexts if sources is None else sources
                checker = checker or SupportChecker(self._embedder)
                event = Final(self._finish(event.answer, proposed, passages, checker))
            yield event

    def _finish(
        self, answer: Answer, proposed: Proposed, sources: Sequence[Chunk], checker: SupportChecker
    ) -> Answer:
        """`answer` with what `sources` say of the answer proposed with its question (if
        any), and, when it abstains, the line on documents written in another script than
        the question (answering/scripts_held.py `wants_script_line`)."""
        if proposed.answer:
            answer = replace(answer, proposed=judge_proposed(proposed, sources, checker))
        if not wants_script_line(answer.verdict):
            return answer
        index = self._retriever.index
        openings = index.chunks.openings(OPENING_CHARS)  # one query, this answer only
        names = {d.abs_path: d.source for d in index.catalog.documents()}
        line = other_script_line(answer.question, openings, names, self._embedder.coverage)
        return replace(answer, other_script=line)

    def _extract(
        self,
        question: str,
        contexts: Sequence[ScoredChunk],
        checker: SupportChecker,
        timings: dict[str, float],
    ) -> Extract:
        started = time.perf_counter()
        weights = word_weights(question, [c.chunk for c in contexts], self._rarity)
        neighbours = self._retriever.index.chunks.neighbours
        extract = extract_answer(
            question, contexts, checker, weights=weights, neighbours=neighbours
        )
        timings["extract_ms"] = round((time.perf_counter() - started) * 1000, 2)
        return extract

    def _abstained(
        self, question: str, extract: Extract, timings: dict[str, float], text: str
    ) -> Answer:
        """The answer that says the documents do not answer (`text`, abstain.py), in the
        mode asked for (a model's answer that abstains was never generated), the nearest
        passages cited."""
        return Answer(
            question=question,
            text=text,
            mode="extractive" if self.model is None else "generative",
            citations=extract.nearest,
            contexts=tuple(c.chunk for c in extract.nearest),
            timings=timings,
            model=None if self.model is None else self.model.location,
            abstained=True,
        )

    def _whole(
        self,
        question: str,
        asked: WholeQuestion,
        history: Sequence[Turn],
        stop: threading.Event | None,
        documents: Sequence[str],
    ) -> Iterator[AnswerEvent]:
        """A whole-document question (answering/whole.py): every chunk of the documents
        it names (else of the best-matching one) read; quoted, or, with a model, the
        chunks of those quotes are its sources."""
        from localqa.answering.whole import quoted_passages, read_whole

        started = time.perf_counter()
        budget = self._settings.answering.whole_document_seconds
        paths = asked.documents or tuple(documents[:1]) or self._best_document(question)
        found = read_whole(asked, self._retriever.index, paths, budget)
        timings = {"whole_ms": round((time.perf_counter() - started) * 1000, 2)}
        # the documents read, and those the question matched too (named in one line)
        read, also = self._names(paths), self._names(asked.also) if asked.documents else ()
        # a context per citation: [n] is the n-th quote's passage (one may hold several)
        contexts = tuple(c.chunk for c in found.citations)
        if self.model is None or not found.found:
            answer = Answer(
                question, found.text, "extractive", found.citations, contexts, timings=timings
            )
            yield Token(answer.text)
            yield Final(replace(answer, documents_read=read, also_matched=also))
            return
        quotes = tuple(c.quote for c in found.citations)
        extract = Extract(found.text, list(found.citations), True, quotes, 1.0)
        results = [ScoredChunk(chunk, 1.0) for chunk in quoted_passages(found.citations)]
        checker = SupportChecker(self._embedder)
        job = Generation(question, history, results, extract, checker, timings, stop)
        for event in self._generate(job):
            if isinstance(event, Final):
                event = Final(replace(event.answer, documents_read=read, also_matched=also))
            yield event

    def _names(self, paths: Sequence[str]) -> tuple[str, ...]:
        """The documents at `paths` (absolute) as citations name them."""
        catalog = self._retriever.index.catalog
        return tuple(d.source if (d := catalog.document(p)) else p for p in paths)

    def _best_document(self, question: str) -> tuple[str, ...]:
        results = self._retriever.search(question).results
        return (results[0].chunk.abs_path,) if results else ()

    def _generate(self, job: Generation) -> Iterator[AnswerEvent]:
        model = self.model
        assert model is not None
        return self._generating(model).stream(job)

    def _generating(self, model: LanguageModel) -> Generating:
        s = self._settings
        return Generating(model, self._retriever, s.retrieval, s.generation)

    def prompt(
        self,
        model: LanguageModel,
        question: str,
        results: Sequence[ScoredChunk],
        history: Sequence[Turn] = (),
    ) -> tuple[PackedPrompt, int]:
        """The prompt for `question` over `results` (ranked) within `model`'s budget, and
        the answer tokens that budget allows (generated.py `Generating.prompt`)."""
        return self._generating(model).prompt(question, results, history)


def _doubted(events: Iterator[AnswerEvent], line: str) -> Iterator[AnswerEvent]:
    """`events`, the Final's answer with `line` (abstain.py `Decision.doubt`) under it."""
    for event in events:
        yield (
            Final(replace(event.answer, may_not_answer=line)) if isinstance(event, Final) else event
        )
