"""The answer without a language model: the best-supported sentences of the retrieved
chunks, quoted verbatim with the same citations a generated answer gets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from localqa.answering.asked import asked_kind
from localqa.answering.citations import Citation, SupportChecker
from localqa.answering.continuing import continued, gives_kind
from localqa.answering.facts import numerals_as_digits
from localqa.answering.header_rows import with_rows
from localqa.answering.quoting import (
    Neighbours,
    Quoted,
    cite_each,
    completed,
    quote_lines,
    unlabelled,
    without_repeats,
)
from localqa.answering.tables import (
    OFF_COLUMN,
    ROW_LABEL_BONUS,
    column_share,
    headed_units,
    label_share,
    off_column,
)
from localqa.answering.wanted import (
    asking_words,
    counting,
    gives_wanted,
    says_nothing,
    stem_support,
    unheld_names,
    wanted,
    without_asking,
)
from localqa.injection import in_instructions
from localqa.retrieval.scoring import term_weights, weighted_support, word_set
from localqa.schema import Chunk, ScoredChunk
from localqa.sentences import is_title
from localqa.text import cjk_share, content_words

LABEL = "Extracted passages (no language model loaded; these are quotes, not a written answer):"
# The same quotes under a generated answer, where a model was loaded.
QUOTED_LABEL = "Quoted from the sources, best match first:"
NOTHING_FOUND = "The indexed documents contain nothing that answers this question."
MIN_RELEVANCE = 0.25
RANK_STEP = 0.01
# Sentences scored with embeddings per question; the rest share too few of its words.
SHORTLIST = 12
# Added to a sentence's rank when it states the kind of fact the question asks for (a
# number for "how many", a name for "who": asked.py), tuned on SQuAD 2.0 dev
# (docs/BENCHMARKS-LOG.md, "Extractive quotes").
KIND_BONUS = 0.1
# Added instead where the question says which fact it wants (wanted.py: a year, a day, a
# count of what it names), which a sentence's number may not be ("four offices" to "In what
# year ..."); such sentences join the shortlist up to WANTED_EXTRA of them, though they
# share no word with the question ("Today we employ 214 people."). 0.7: a sentence stating
# the fact at agreement 0.3 or more outranks one holding every word of the question but not
# the fact ("About half of us work in ... the company" at 1.0, for "How many people work at
# the company?"); SQuAD scores 0.4, 0.6 and 1.0 alike (docs/BENCHMARKS-LOG.md, round 2).
WANTED_BONUS = 0.7
WANTED_EXTRA = 4
# A sentence after the first quote, in its paragraph, that starts so goes on with it:
# "If the 20th falls on a weekend ..., it is paid on the last working day before."
# A quote from another document than the best quote's is kept only when it is at least this
# close in meaning to the question as the closest quote (MiniLM cosine, as a share): on the
# fixed SQuAD sample 1 of 80 such quotes held the answer, and over sample_docs they were
# the off-topic ones ("Reimbursement is paid with the next salary run" for "When is salary
# paid?"). Quotes of the best quote's document stay: they hold the answer 14% of the time.
OTHER_DOCUMENT = 0.85
CONTINUES = frozenset("if unless otherwise except however but when where".split())


@dataclass(frozen=True, slots=True)
class Extract:
    text: str
    citations: list[Citation]
    found: bool
    quotes: tuple[str, ...] = ()  # the sentences quoted, best first
    # how well the best sentence matches the question (0..1, before the rank step): what
    # the abstention rule reads (localqa/answering/abstain.py)
    relevance: float = 0.0
    # the best sentences whatever their score, cited: shown when the answer abstains
    nearest: tuple[Citation, ...] = ()
    # the sentences scored (the shortlist), best first: what abstention looks through for
    # the fact the question asks for (abstain.py)
    candidates: tuple[str, ...] = ()
    # the question is in another script than the best sentences (English over Chinese): the
    # scores cannot say they do not answer it (abstain.py)
    cross_script: bool = False
    # names the question asks about that no retrieved passage holds (wanted.py
    # `unheld_names`): the passages are about something else (abstain.py)
    unheld: tuple[str, ...] = ()


def extract_answer(
    question: str,
    contexts: Sequence[ScoredChunk],
    checker: SupportChecker,
    sentences: int = 3,
    weights: dict[str, float] | None = None,
    neighbours: Neighbours | None = None,
) -> Extract:
    """Rank the context sentences by how well they match the question; quote the best.
    Words count by their rarity, `weights` (word -> weight; default: rarity among the
    contexts, `term_weights`): a sentence holding the question's specific words ("technical
    services") outranks one holding its common ones ("provides services"). Only a
    shortlist, by those words, is embedded: embedding every sentence of 4,000 characters
    took a second of a cold `ask` (docs/BENCHMARKS-LOG.md). Each quote is cited on its
    own (quoting.py); `neighbours(chunk)` (the chunks beside it on its page, from the
    index) completes a quote cut at a chunk's edge."""
    if weights is None:
        weights = term_weights(question, [result.chunk for result in contexts])
    # "many" of "how many" asks; it says nothing of what the answer is about (wanted.py)
    weights = {w: v for w, v in weights.items() if w not in asking_words(question)}
    # a row of figures comes with its table's header of years, also from the chunks
    # before its own (tables.py), and is cited from there
    cited_in: dict[tuple[int, str], Chunk] = {}
    units = []
    for number, result in enumerate(contexts, start=1):
        # a header alone answers nothing: quoted with its row, also from the next chunk
        found = with_rows(headed_units(result.chunk, neighbours), result.chunk, neighbours)
        for sentence, record, chunk in found or [(result.chunk.text, False, result.chunk)]:
            units.append((number, unlabelled(sentence), record))  # a FAQ's "A:" is no answer
            if chunk is not result.chunk:
                cited_in[(number, units[-1][1])] = chunk
    # a word of the question that a document's name or title holds counts for its sentences
    named = [word_set(result.chunk.naming()) for result in contexts]
    # a line addressed to the model is no answer, and not shown even as a nearest passage
    # (localqa/injection.py): quoted, it reads as what the document says
    units = [u for u in units if not in_instructions(u[1], contexts[u[0] - 1].chunk.text)]
    quotable = [
        (number, sentence, weighted_support(sentence, weights, named[number - 1]))
        for number, sentence, record in units
        # titles say nothing; a record (a table row) is no title however it is capitalised
        if len(content_words(sentence)) >= 3
        and (record or not is_title(sentence))
        and not sentence.endswith("?")  # a question (a FAQ's) answers nothing
        and (record or not says_nothing(sentence, question))  # nor a heading, a label
    ]
    # none qualifies: the answer says so, with the best passages all the same
    candidates = quotable or [
        (n, s, weighted_support(s, weights, named[n - 1])) for n, s, _ in units
    ]
    # earlier-ranked sources win ties: retrieval already judged them closer
    candidates.sort(key=lambda c: c[2] - RANK_STEP * c[0], reverse=True)
    scored, relevance = _score(question, _shortlist(question, candidates), checker)
    nearest = cite_each(_quoted(scored[:sentences], contexts, cited_in))
    if not quotable:  # titles and fragments answer nothing: abstain, showing them
        relevance = 0.0
    picked = [s for s in scored[:sentences] if s[0] >= MIN_RELEVANCE] if quotable else []
    shortlisted = tuple(sentence for _, _, sentence in scored)
    # only where nothing found is in the question's script: an English sentence scored
    # low says the English documents do not answer ("What is the capital of Australia?"
    # over sample_docs quoted its Chinese handbook's heading at 0.12)
    crossed = bool(scored) and all(crosses_script(question, s) for _, _, s in scored)
    if not picked and quotable and crossed:  # low scores across scripts say nothing: quote
        picked = scored[:sentences]
    unheld = unheld_names(question, [f"{c.chunk.naming()} {c.chunk.text}" for c in contexts])
    if not picked:
        return Extract(
            NOTHING_FOUND,
            [],
            False,
            relevance=relevance,
            nearest=nearest,
            candidates=shortlisted,
            unheld=unheld,
        )
    picked = _on_topic(question, picked, contexts, checker)
    quoted = [completed(q, neighbours) for q in _quoted(picked, contexts, cited_in)]
    quoted = without_repeats(quoted)
    # the sentence the first quote goes on with is no quote of its own as well
    quoted = without_repeats([continued(quoted[0], question), *quoted[1:]])
    text = "\n".join([LABEL, *quote_lines(quoted)])
    quotes = tuple(q.text for q in quoted)
    citations = list(cite_each(quoted))
    return Extract(text, citations, True, quotes, relevance, nearest, shortlisted, crossed, unheld)


def crosses_script(question: str, sentence: str) -> bool:
    """One of the two is mostly Chinese, Japanese or Korean and the other is not: word
    agreement between them is nil whether or not the sentence answers."""
    return (cjk_share(question) > 0.3) != (cjk_share(sentence) > 0.3)


def _score(
    question: str, shortlist: Sequence[tuple[int, str, float]], checker: SupportChecker
) -> tuple[list[tuple[float, int, str]], float]:
    """(support, context number, sentence) for the shortlist (number, sentence, weighted
    lexical score), best first, and the best support before the rank step (0..1).
    Ordered by agreement with words weighted; scored by agreement with every word alike:
    in a small index the words a document holds are all common, so their weights say
    which sentence is more specific, not whether any answers."""
    texts = [sentence for _, sentence, _ in shortlist]
    said = numerals_as_digits(without_asking(question))  # "many" matches no "many"
    kind, fact = asked_kind(question), wanted(question)
    # a count of the noun asked for says that noun ("we employ 214 people": staff)
    lexical = [stem_support(said, numerals_as_digits(counting(fact, t, question))) for t in texts]
    support = checker.agreement(question, texts, lexical)
    ranking = checker.agreement(question, texts, [weighted for _, _, weighted in shortlist])
    if fact is not None:  # the sentence holding the very fact asked for comes first,
        # unless it is too far from the question to be quoted: first, it would push out
        # the quotes that can be shown (and the answer abstain)
        bonus = [
            WANTED_BONUS * gives_wanted(fact, t, question) * (alike >= MIN_RELEVANCE)
            for t, alike in zip(texts, support, strict=True)
        ]
        ranking = [r + b for r, b in zip(ranking, bonus, strict=True)]
    elif kind is not None:  # the sentence holding the kind of fact asked for comes first
        bonus = [KIND_BONUS * gives_kind(kind, t, question) for t in texts]
        ranking = [r + b for r, b in zip(ranking, bonus, strict=True)]
    # the table row the question names by its label comes first (tables.py), unless none
    # of its columns is what the question asks of the thing named (its hours for its address)
    asking = asking_words(question)
    labels = [
        -OFF_COLUMN
        if off_column(question, t, asking)
        else ROW_LABEL_BONUS * (label_share(question, t) + column_share(question, t))
        for t in texts
    ]
    ranking = [r + b for r, b in zip(ranking, labels, strict=True)]
    scored = [
        (rank - RANK_STEP * number, alike - RANK_STEP * number, number, sentence)
        for (number, sentence, _), alike, rank in zip(shortlist, support, ranking, strict=True)
    ]
    scored.sort(key=lambda item: item[0], reverse=True)
    return [(alike, n, sentence) for _, alike, n, sentence in scored], max(support, default=0.0)


def _shortlist(
    question: str, candidates: Sequence[tuple[int, str, float]]
) -> list[tuple[int, str, float]]:
    """The first SHORTLIST candidates (number, sentence, weighted lexical score), best
    first, and after them up to WANTED_EXTRA later ones that state the fact the question
    wants (wanted.py), in their order."""
    fact = wanted(question)
    later = candidates[SHORTLIST:]
    extra = [c for c in later if fact and gives_wanted(fact, c[1], question)] if fact else []
    return [*candidates[:SHORTLIST], *extra[:WANTED_EXTRA]]


def _quoted(
    picked: Sequence[tuple[float, int, str]],
    contexts: Sequence[ScoredChunk],
    cited_in: dict[tuple[int, str], Chunk],
) -> list[Quoted]:
    """The picked (score, context number, sentence), each with the chunk it is in (or
    is cited from: `cited_in`, a table's row with the chunks from its header's on)."""
    return [
        Quoted(cited_in.get((number, sentence), contexts[number - 1].chunk), sentence, False, score)
        for score, number, sentence in picked
    ]


def _on_topic(
    question: str,
    picked: Sequence[tuple[float, int, str]],
    contexts: Sequence[ScoredChunk],
    checker: SupportChecker,
) -> list[tuple[float, int, str]]:
    """The picked (score, context number, sentence), best first, less those of another
    document than the first's that are further in meaning from the question than
    OTHER_DOCUMENT times the closest of them (word agreement says nothing here: each holds
    the question's words). Without an embedder every one is kept."""
    meaning = checker.agreement(question, [s for _, _, s in picked], [0.0] * len(picked))
    first = contexts[picked[0][1] - 1].chunk.abs_path
    return [
        p
        for p, close in zip(picked, meaning, strict=True)
        if contexts[p[1] - 1].chunk.abs_path == first or close >= OTHER_DOCUMENT * max(meaning)
    ]
