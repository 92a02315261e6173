"""Abstaining: saying the documents do not answer, rather than quoting or writing an answer.

The rule reads what the extractive step already computed for every answer, so it holds for
the extractive answer and a generated one alike, and a generated answer that abstains costs
no generation: the relevance of the best context sentence to the question (MiniLM and word
agreement, 0..1, `Extract.relevance`). Below the `abstain_below` setting the answer abstains
and shows the nearest passages as sources, so the reader can check.

The default was tuned on a development sample of SQuAD 2.0 dev questions disjoint from the
sample reported in docs/BENCHMARKS-LOG.md (`benchmarks/tune_abstention.py`).
"""

from __future__ import annotations

from localqa.answering.extractive import Extract

ABSTAINED = (
    "The indexed documents do not answer this question. "
    "The nearest passages are listed below; they do not say it."
)


def abstains(extract: Extract, abstain_below: float) -> bool:
    """True when the best sentence's relevance (0..1) is below `abstain_below` (0: never)."""
    return extract.relevance < abstain_below or not extract.nearest
