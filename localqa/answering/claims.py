"""What an answer's sentence claims beyond the question it answers.

A sentence that repeats its question agrees with any passage on the question's subject,
word for word and in MiniLM's meaning, whatever it adds. On the labelled set
(tests/data/labelled_answers.json), Gemma-3-270M's "The part that was consumed during
combustion was the part that was burned." was shown as supported by "a portion of air is
consumed during combustion": every word but "burned" is the question's. So the check
reads two things besides the whole sentence:

- `claim_text`: the sentence less the model's preamble ("The answer is:", "The answer to
  this question is that", "Answer:"), which is no claim and whose words ("answer",
  "question") are in no source; a sentence that is only a preamble ("The document that
  most directly answers the question is:") or only a file's name ("Sky (United
  Kingdom).txt", "release-plan.pptx": the models repeat their sources' names) claims
  nothing (`only_preamble`);
- `added_words`: the content words the claim adds to the question (stemmed, numbers as
  digits): what it says the answer is. `share_added` is the share of them a piece of
  evidence holds; support.py holds back evidence that holds too few of them;
- `wrong_life_date`: a year the evidence states, but as the other end of a life's dates:
  asked "John Mayow died in what year?", Gemma-3-270M answered "1641" from "John Mayow
  (1641-1679)", and the year is there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from localqa.answering.facts import numerals_as_digits, stem, without_pronoun_one
from localqa.text import content_words, expansions

# "The answer is:", "The correct answer to this question is that", "Answer:", "A:"
PREAMBLE = re.compile(
    r"^\s*(?:(?:so|thus|therefore|in\s+short)\s*,?\s+)?(?:(?:the|my)\s+)?"
    r"(?:(?:correct|short|final|best)\s+)?answer(?:\s+to\s+(?:this|the|your)\s+question)?"
    r"(?:\s+(?:is|would\s+be)(?:\s*:\s*|\s+that\s+|\s+)|\s*:\s*)"
    r"|^\s*A\s*:\s+",
    re.IGNORECASE,
)
# A sentence that only introduces what follows ("The document that most directly answers
# the question is:", "Here is the answer:", "The answer to your question is as follows:").
ONLY_PREAMBLE = re.compile(
    r"^\s*(?:(?:the|this|that)\s+(?:document|source|passage|file|text)s?\b[^.:]*\b"
    r"(?:answers?|says?|states?)\b[^.:]*|here\s+is\s+(?:the|my|an)\s+answer|"
    r"(?:the\s+)?answer(?:\s+to\s+(?:this|the|your)\s+question)?(?:\s+is)?(?:\s+as\s+follows)?)"
    r"\s*:?\s*$",
    re.IGNORECASE,
)
# A life's dates after a name: "John Mayow (1641-1679)", "(b. 1902 - 1987)".
LIFE_DATES = re.compile(r"\((?:b\.\s*|born\s+)?(\d{3,4})\s*[-\u2013\u2014]\s*(\d{3,4})\s*\)")
DEATH = re.compile(r"\b(?:die[ds]?|death|dead|passed\s+away)\b", re.IGNORECASE)
BIRTH = re.compile(r"\b(?:born|birth)\b", re.IGNORECASE)
# A file's name alone on its line: "Huguenot.txt", "Sky (United Kingdom).txt".
FILE_NAME = re.compile(
    r"^\s*[\w()\[\] .,'&-]{1,120}\.(?:txt|md|markdown|pdf|docx?|pptx?|xlsx?|html?|csv|json|"
    r"rtf|odt|epub|eml|xml)\s*$",
    re.IGNORECASE,
)
# Evidence holding less than this share of the words a claim adds to its question
# does not state what the claim says the answer is. 0.4 on the 300-question
# labelled set's development half: one wrong answer fewer shown as supported than 0.3, no
# right one flagged more; 0.5 flags one more right answer (docs/BENCHMARKS-LOG.md).
MIN_ADDED_SHARE = 0.4
# Words about the answering rather than the world.
META_WORDS = frozenset("answer answers question questions".split())


def claim_text(sentence: str) -> str:
    """The sentence without the model's preamble ("The answer is: 50,000" -> "50,000");
    the sentence itself when it has none, or when the preamble is all it is."""
    rest = PREAMBLE.sub("", sentence, count=1).strip()
    return rest or sentence


def only_preamble(sentence: str) -> bool:
    """The sentence only introduces what follows, or only names a file: it claims
    nothing."""
    return bool(ONLY_PREAMBLE.match(sentence) or FILE_NAME.match(sentence))


def stems(words: Iterable[str]) -> frozenset[str]:
    return frozenset(stem(w) for w in words)


def added_words(claim: str, question: str) -> frozenset[str]:
    """The claim's content words (stemmed, number words as digits) that its question
    lacks, words about answering aside ("answer", "question")."""
    said = stems(content_words(numerals_as_digits(claim)))
    asked = stems(content_words(numerals_as_digits(question)))
    return said - asked - META_WORDS


def share_added(added: frozenset[str], evidence: str) -> float:
    """Share (0..1) of the `added` words the evidence holds (an abbreviation counting as
    its word); 1 when there are none."""
    if not added:
        return 1.0
    digits = numerals_as_digits(without_pronoun_one(evidence))
    held = stems(content_words(digits) | expansions(evidence))
    return len(added & held) / len(added)


def wrong_life_date(numbers: frozenset[float], question: str, evidence: str) -> bool:
    """The claim's `numbers` hold the birth year of a life's dates in the evidence and not
    its death year, to a question about a death, or the other way round."""
    end = 2 if DEATH.search(question) else 1 if BIRTH.search(question) else 0
    if not end or not numbers:
        return False
    for dates in LIFE_DATES.finditer(evidence):
        asked, other = float(dates.group(end)), float(dates.group(3 - end))
        if other in numbers and asked not in numbers:
            return True
    return False
