"""What goes with the first quote of an extractive answer: the sentence after it, where
that sentence goes on with it or holds what the question asks for and the quote does not.

"If the 20th falls on a weekend ..., it is paid on the last working day before." is part
of the FAQ's answer "Salary is paid on the 20th of each month."; "And I did that 4 days
ago, when I nominated ... Judge Ketanji Brown Jackson." is the answer to "Who did the
President nominate to the Supreme Court?" that the sentence before it only leads to.
"""

from __future__ import annotations

import re

from localqa.answering.asked import Kind, asked_kind, gives
from localqa.answering.facts import NOT_NAMES
from localqa.answering.quoting import Quoted
from localqa.injection import in_instructions
from localqa.schema import Chunk
from localqa.sentences import sentence_units
from localqa.text import STOPWORDS, words

# A sentence after the first quote, in its paragraph, that starts so goes on with it.
CONTINUES = frozenset("if unless otherwise except however but when where".split())
_PARAGRAPH_END = re.compile(r"\n\s*\n")
_TITLES = frozenset("mr mrs ms dr st jr sr prof".split())  # "Mr. Cravens" is one name
_EDGES = "\"'()[]{},.;:!?\u201c\u201d\u2018\u2019"


def gives_kind(kind: Kind, sentence: str, question: str) -> bool:
    """The sentence states a fact of `kind` the question does not (asked.py `gives`); for
    a person, a name (`new_names`), not any capitalised word: "One of ... the United
    States Supreme Court" names nobody the question does not."""
    return (
        bool(new_names(sentence, question)) if kind == "person" else gives(kind, sentence, question)
    )


def new_names(sentence: str, question: str) -> list[str]:
    """Runs of capitalised words in `sentence` that share no word with `question`: "Ketanji
    Brown Jackson"; a sentence's first word alone, a pronoun or a run holding a word of the
    question ("United States Supreme Court" to a question about the Supreme Court) is none."""
    asked = set(words(question))
    runs: list[tuple[list[str], bool]] = []  # the words, and whether the sentence starts so
    joined = False  # the word before was capitalised, nothing between
    for position, token in enumerate(sentence.split()):
        word = token.strip(_EDGES)
        capital = word[:1].isupper() and word.lower() not in NOT_NAMES | STOPWORDS
        if capital and joined:
            runs[-1][0].append(word)
        elif capital:
            runs.append(([word], position == 0))
        ends = token[-1:] in ",;:!?" or (token.endswith(".") and word.lower() not in _TITLES)
        joined = capital and not ends
    return [
        " ".join(run)
        for run, initial in runs
        if not (initial and len(run) == 1) and not set(words(" ".join(run))) & asked
    ]


def continued(quoted: Quoted, question: str) -> Quoted:
    """The quote and the sentence after it in its chunk where that sentence goes on with
    it (in its paragraph, starting with a word of CONTINUES: a condition, an exception), or
    states the kind of fact the question asks for (asked.py) that the quote does not (in
    its paragraph or the next)."""
    kind = asked_kind(question)
    following, same_paragraph = next_sentence(quoted.chunk, quoted.text)
    # a sentence addressed to the model goes on with nothing (localqa/injection.py)
    if following is None or in_instructions(following, quoted.chunk.text):
        return quoted
    goes_on = same_paragraph and bool(set(words(following)[:1]) & CONTINUES)
    answers = (
        kind is not None
        and not gives_kind(kind, quoted.text, question)
        and gives_kind(kind, following, question)
    )
    if not (goes_on or answers):
        return quoted
    return Quoted(quoted.chunk, f"{quoted.text} {following}", quoted.record, quoted.score)


def next_sentence(chunk: Chunk, sentence: str) -> tuple[str | None, bool]:
    """The sentence after `sentence` in `chunk`'s text, whole (it ends before the chunk
    does) and no record, and whether it is in the same paragraph; None at the chunk's end."""
    pattern = r"\s+".join(map(re.escape, sentence.split()))
    found = re.search(pattern, chunk.text) if pattern else None
    if found is None:
        return None, False
    rest = chunk.text[found.end() :]
    units = sentence_units(rest)
    if len(units) < 2 or units[0][1]:
        return None, False
    following = units[0][0]
    gap = rest[: rest.find(following.split()[0])] if following.split() else rest
    return following, not _PARAGRAPH_END.search(gap)
