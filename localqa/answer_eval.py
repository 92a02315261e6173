"""Answer quality as a user sees it: is the right answer in what `ask` shows, is it in a
cited source, does the answer abstain when the documents do not answer, and how long it
took. Used by `localqa eval --answers`.

"Shown" is what the reader reads of the answer as every front end shows it: the
`Presentation` of localqa/answering/presentation.py (its `reader_text()`), so the figure
follows what users see, quotes under or instead of a model answer included.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Sequence
from typing import Any

from localqa.answering.answer import Answer
from localqa.answering.extractive import NOTHING_FOUND
from localqa.answering.presentation import Presentation
from localqa.evaluation.matching import contains_answer, normalise
from localqa.evaluation.questions import EvalQuestion
from localqa.text import words

# Ways an answer says the documents do not answer the question.
ABSTAINS = re.compile(
    r"\b(?:do(?:es)? not (?:say|mention|contain|specify|state|provide|answer)|"
    r"(?:is|are) not (?:mentioned|stated|specified|provided|given)|no (?:information|mention)|"
    r"cannot (?:find|answer|be determined)|can't (?:find|answer)|(?:do not|don't) know|"
    r"not (?:in|found in) the (?:documents|sources))\b",
    re.IGNORECASE,
)


def abstains(answer: Answer) -> bool:
    """The answer says the documents do not answer: it abstained by the `abstain_below`
    rule, found nothing to quote, or (a model's text) says so in its own words."""
    if answer.abstained:
        return True
    if answer.mode == "extractive":
        return answer.text == NOTHING_FOUND
    return bool(ABSTAINS.search(answer.text))


def token_f1(prediction: str, golds: Sequence[str]) -> float:
    """SQuAD's token F1 of the prediction against the best gold answer (0..1)."""
    predicted = words(normalise(prediction))
    best = 0.0
    for gold in golds:
        expected = words(normalise(gold))
        common = sum((Counter(predicted) & Counter(expected)).values())
        if common:
            precision, recall = common / len(predicted), common / len(expected)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


def judge(shown: Presentation, question: EvalQuestion, seconds: float) -> dict[str, Any]:
    """One question's answer figures, as `shown`; gold-answer figures only for answerable
    questions."""
    answer = shown.answer
    row: dict[str, Any] = {
        "answer": answer.text,
        "mode": answer.mode,
        "grounded": answer.grounded,
        "quotes_because": answer.fallback_reason or None,  # answering/relevance.py
        "abstained": abstains(answer),
        "unanswerable": question.unanswerable,
        "seconds": round(seconds, 3),
        "tokens_per_s": answer.timings.get("tokens_per_s"),
        "checked_sentences": len(answer.checks),
        "supported_sentences": sum(c.supported for c in answer.checks),
    }
    if question.answers:
        cited = answer.citations + (answer.fallback.citations if answer.fallback else ())
        row["shown_has_gold"] = contains_answer(shown.reader_text(), question.answers)
        row["token_f1"] = round(token_f1(answer.text, question.answers), 4)
        row["cited_has_gold"] = any(contains_answer(c.chunk.text, question.answers) for c in cited)
    return row


def _mean(rows: Sequence[dict[str, Any]], key: str) -> float | None:
    values = [float(r[key]) for r in rows if r.get(key) is not None]
    return round(statistics.fmean(values), 4) if values else None


def summarise_answers(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Means over the judged rows: answerable (gold) and unanswerable questions apart."""
    gold = [r for r in rows if "shown_has_gold" in r]
    none = [r for r in rows if r["unanswerable"]]
    checked = sum(r["checked_sentences"] for r in rows)
    return {
        "answered": len(rows),
        "shown_has_gold": _mean(gold, "shown_has_gold"),
        "token_f1": _mean(gold, "token_f1"),
        "cited_has_gold": _mean(gold, "cited_has_gold"),
        "abstained_when_answerable": _mean(gold, "abstained"),
        "abstained_when_unanswerable": _mean(none, "abstained"),
        "supported_sentence_share": (
            round(sum(r["supported_sentences"] for r in rows) / checked, 4) if checked else None
        ),
        "seconds_per_answer": _mean(rows, "seconds"),
        "tokens_per_s": _mean(rows, "tokens_per_s"),
    }
