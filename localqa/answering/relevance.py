"""Answer relevance: does a generated answer answer the question, or only say something true?

Grounding alone is not enough. A 135M model asked "What town is surrounded by
Jacksonville?" wrote "The answer is: Jacksonville.", which its sources support (a sentence
on the city's area) but which is not the town; asked "The Rhine is the longest river in
what country?" it repeated the question, which its sources support word for word. On a
SQuAD 2.0 sample, 20 of its 100 answers were supported but lacked the gold answer the
extractive quotes held, and were shown without those quotes (docs/BENCHMARKS-LOG.md).

So an answer is shown alone only when every sentence it checks is supported, none rests
only on a source that addresses the model (localqa/injection.py: then the answer is
replaced by the quotes, whatever the setting), it says more than the question, it states
the kind of fact the question asks for (a number for "how many", a name for "who":
asked.py), and its first claim (the answer; what follows may add detail from
around it; the second claim when the first only leads in to it: `answering_claim`)
rests on the sentence the extractive answer quotes first: the passages' sentence that
best matches the question. Otherwise the extractive quotes are shown with
it (setting `unsupported_answer`), under one line saying why (`QUOTES_BECAUSE`). Resting
on any of the three quoted sentences was tried first: Gemma 3 270M's answers then showed
the gold answer for 0.84 of the sample's answerable questions, against the extractive
answer's 0.863; resting on the first gives 0.90 (docs/BENCHMARKS-LOG.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from localqa.answering.asked import UNIT_NEEDED, Kind, asked_kind, gives, states_unit, unit_asked
from localqa.answering.claims import (
    META_WORDS,
    MIN_ADDED_SHARE,
    added_words,
    claim_text,
    share_added,
    stems,
)
from localqa.answering.clauses import gives_other_value, moved_value
from localqa.answering.facts import evidence_facts, facts_of, share_held, without
from localqa.answering.picks import (
    adds_one_word,
    cut_expansion,
    cut_name,
    names_the_asked,
    one_of_list,
    qualifies_asked,
    unnamed,
)
from localqa.answering.reasons import QUOTES_BECAUSE, REPLACED_BECAUSE, SHORT_REASON, Reason
from localqa.answering.roles import added_title, other_name
from localqa.text import content_words

# The reasons and their lines (reasons.py), importable from here as before.
__all__ = [
    "QUOTES_BECAUSE",
    "REPLACED_BECAUSE",
    "SHORT_REASON",
    "Reason",
    "answering_claim",
    "answers_alone",
    "just_before",
    "next_to",
    "other_value",
    "picked_wrong",
    "restates",
    "rests_on_best",
    "says_what_best_says",
    "why_quotes",
]

if TYPE_CHECKING:  # citations imports numpy; `localqa --help` should not
    from localqa.answering.citations import SentenceCheck


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def restates(sentence: str, question: str) -> bool:
    """True when the sentence has no content word the question lacks, its preamble and
    words about answering aside ("The answer to this question is that the input is a
    graph." restates "What kind of graph is an input?"), plurals and possessives too
    ("The Normans." restates "What came after Norman architecture?")."""
    said = stems(content_words(claim_text(sentence))) - META_WORDS
    return said <= stems(content_words(question))


def next_to(a: str, b: str, passages: Sequence[str]) -> bool:
    """`a` and `b` are neighbouring sentences of one of the `passages` (whitespace aside)."""
    a, b = " ".join(a.split()), " ".join(b.split())
    for passage in passages:
        flat = " ".join(passage.split())
        i, j = flat.find(a), flat.find(b)
        if (
            i >= 0
            and j >= 0
            and (not flat[i + len(a) : j].strip() or not flat[j + len(b) : i].strip())
        ):
            return True
    return False


def just_before(a: str, b: str, passages: Sequence[str]) -> bool:
    """`a` is the sentence just before `b` in one of the `passages` (whitespace aside)."""
    a, b = " ".join(a.split()), " ".join(b.split())
    for passage in passages:
        flat = " ".join(passage.split())
        i, j = flat.find(a), flat.find(b)
        if i >= 0 and i + len(a) <= j and not flat[i + len(a) : j].strip():
            return True
    return False


def answering_claim(
    checks: Sequence[SentenceCheck], quotes: Sequence[str], passages: Sequence[str]
) -> SentenceCheck:
    """The claim that answers: the first, unless it only leads in to the best match
    (`quotes[0]`): it rests on the sentence just before the best match in its passage and
    the second claim rests on the best match itself. The model then copied the passage's
    two sentences in their order, the second the one that answers: "A Turing machine is a
    mathematical model of a general computing machine. It is a theoretical device that
    manipulates symbols contained on a strip of tape." to "What does a Turing machine
    handle on a strip of tape?" (SmolLM2-135M and Gemma-3-270M, labelled set)."""
    first = checks[0]
    if (
        len(checks) > 1
        and quotes
        and _same(checks[1].evidence, quotes[0])
        and just_before(first.evidence, quotes[0], passages)
    ):
        return checks[1]
    return first


def rests_on_best(
    check: SentenceCheck, quotes: Sequence[str], question: str, passages: Sequence[str]
) -> bool:
    """The first claim rests on the best-matching sentence (`quotes[0]`), or, when the
    question says what kind of fact it asks for (asked.py; a "what" question does not), on
    the sentence beside it in its passage while stating a name or number the question does
    not (the question's words in one sentence, the answer in the next: "... nominating
    someone to serve on the United States Supreme Court. And I did that 4 days ago, when I
    nominated ... Ketanji Brown Jackson."). No leeway when the best match answers the
    question by itself: it holds every content word of the question and states a fact of
    the kind asked ("Robert Boyle proved that air is necessary for combustion."; the
    sentence beside it names John Mayow)."""
    if _same(check.evidence, quotes[0]):
        return True
    kind = asked_kind(question)
    if says_what_best_says(check.sentence, quotes[0], question, kind):
        return True
    if kind is None:  # what it must state is not known: no leeway
        return False
    if answers_alone(quotes[0], question, kind):
        return False
    if kind != "person" and gives(kind, quotes[0], question):
        return False  # the best match states a number or time itself: the answer is that one
    added = without(facts_of(check.sentence, first_is_name=True), question)
    return bool(added) and next_to(check.evidence, quotes[0], passages)


def says_what_best_says(sentence: str, best: str, question: str, kind: Kind | None) -> bool:
    """Two readers agree: the claim rests on another sentence than the best match, but
    what it adds to its question is what the best match says: every fact of the kind asked
    (a "who", "how many" question: `kind`), or MIN_ADDED_SHARE of the words it adds (any
    other question). "Steam turbines are the most efficient type of steam engine." adds
    "turbines" to "What type of steam engine produces most electricity?", which the best
    match ("Today most electric power is provided by steam turbines.") says."""
    claim = claim_text(sentence)
    if kind is not None:
        facts = without(facts_of(claim, first_is_name=True), question)
        return bool(facts) and share_held(facts, evidence_facts(best)) == 1
    added = added_words(claim, question)
    return bool(added) and share_added(added, best) >= MIN_ADDED_SHARE


def answers_alone(sentence: str, question: str, kind: Kind) -> bool:
    """The sentence holds every content word of the question (stemmed) and states a fact
    of the `kind` asked that the question does not."""
    asked = stems(content_words(question))
    return asked <= stems(content_words(sentence)) and gives(kind, sentence, question)


def why_quotes(
    checks: Sequence[SentenceCheck],
    quotes: Sequence[str],
    question: str,
    passages: Sequence[str] = (),
) -> Reason | None:
    """Why the extractive quotes (`quotes`, best first) must be shown with the answer whose
    sentences were `checks`ed, or None when the answer stands alone (module docstring).
    With no quotes (nothing matched well enough to quote) there is nothing to rest on.
    `passages`: the texts the quotes come from (`rests_on_best`)."""
    if not checks:
        return "no-claim"
    if any(c.from_instructions for c in checks):
        return "instructions"
    supported = [c for c in checks if c.supported]
    if not supported:
        return "unsupported"
    if len(supported) < len(checks):
        return "partly-unsupported"
    if all(restates(c.sentence, question) for c in checks):
        return "echo"
    kind = asked_kind(question)
    if kind is not None and not any(gives(kind, c.sentence, question) for c in checks):
        return "not-answered"
    unit = unit_asked(question)
    if unit in UNIT_NEEDED and not any(states_unit(unit, c.sentence) for c in checks):
        return "not-answered"
    answer = answering_claim(checks, quotes, passages)
    if quotes and not rests_on_best(answer, quotes, question, passages):
        return "off-question"
    return picked_wrong(answer, question, kind)


def picked_wrong(check: SentenceCheck, question: str, kind: Kind | None) -> Reason | None:
    """Why the first claim, though supported, may not pick out what the question asks
    for (picks.py), or None. `kind`: what the question asks for (asked.py); the one-word
    and unnamed checks read only questions that do not say ("what", "which")."""
    sentence, evidence = check.sentence, check.evidence
    if kind is None and (
        (adds_one_word(sentence, question) and not names_the_asked(sentence, evidence, question))
        or qualifies_asked(sentence, question)
    ):
        return "thin"
    if cut_name(sentence, evidence, question) or cut_expansion(sentence, evidence, question):
        return "not-named"
    if kind is None and unnamed(sentence, evidence, question):
        return "not-named"
    if one_of_list(sentence, evidence):
        return "one-of-list"
    if kind in ("number", "time") and other_value(sentence, evidence, question):
        return "other-value"
    if moved_value(without(facts_of(claim_text(sentence)), question).numbers, sentence, evidence):
        return "other-value"
    if other_name(sentence, evidence, question):
        return "other-name"
    if added_title(sentence, evidence, question):
        return "added-word"
    return None


def other_value(sentence: str, evidence: str, question: str) -> bool:
    """The claim's numbers (those its question lacks) are not stated by its evidence
    sentence, which states another, but only beside it ("... was 4,222,000." over "the
    BBC reported that 17,000 customers had yet to receive the service", the next
    sentence's figure), or are another clause's than the one the question points to
    (clauses.py)."""
    claimed = without(facts_of(claim_text(sentence), first_is_name=True), question)
    values = claimed.numbers | claimed.unscaled
    if not values:
        return False
    stated = evidence_facts(evidence)
    if not values & (stated.numbers | stated.unscaled):
        own = without(facts_of(evidence), question)  # "no one" is no number here
        return bool(own.numbers)
    return gives_other_value(values, evidence, question)
