"""Why the extractive quotes are shown with a generated answer: the reasons
`why_quotes` (relevance.py) gives, the line shown above the quotes for each
(`QUOTES_BECAUSE`), its short form for the chat (`SHORT_REASON`), and those whose answer
is replaced by the quotes (`REPLACED_BECAUSE`).
"""

from __future__ import annotations

from typing import Literal

Reason = Literal[
    "no-claim",
    "unsupported",
    "partly-unsupported",
    "echo",
    "off-question",
    "not-answered",
    "instructions",
    "thin",
    "not-named",
    "one-of-list",
    "other-value",
    "other-name",
    "added-word",
]

# The line shown above the extractive quotes, by reason.
QUOTES_BECAUSE: dict[str, str] = {
    "no-claim": "The answer makes no claim to check; here is what the sources say:",
    "unsupported": "The sources do not support this answer; here is what they say:",
    "partly-unsupported": "Not every sentence is supported by the sources; here is what they say:",
    "echo": "The answer only restates the question; here is what the sources say:",
    "off-question": (
        "The answer rests on another sentence than the one that best matches the "
        "question; check it against these:"
    ),
    "not-answered": (
        "The answer does not state the number or name the question asks for; here is what "
        "the sources say:"
    ),
    "instructions": (
        "A source contains instructions addressed to the model, and the answer rests only on "
        "it; here is what the sources say:"
    ),
    "thin": (
        "The answer adds only one word to the question, which the sources cannot confirm "
        "as the answer; here is what they say:"
    ),
    "not-named": "The answer names only part of what the sources name; here is what they say:",
    "one-of-list": (
        "The sources list several names and the answer picks one of them; check it against these:"
    ),
    "other-value": (
        "The answer gives another number than the one the sources state beside the "
        "question's words; check it against these:"
    ),
    "other-name": (
        "The answer names another thing than the one the sources relate to the question's "
        "words; check it against these:"
    ),
    "added-word": (
        "The answer puts a word before a name that the sources do not; here is what they say:"
    ),
}
# The same, short: the chat's line under an answer.
SHORT_REASON: dict[str, str] = {
    "no-claim": "no claim to check",
    "unsupported": "the sources do not support this answer",
    "partly-unsupported": "not every sentence is supported",
    "echo": "it restates the question",
    "off-question": "it rests on another sentence than the best match",
    "not-answered": "it does not state what the question asks for",
    "instructions": "a source contains instructions to the model",
    "thin": "it adds one word to the question",
    "not-named": "it names only part of what the sources name",
    "one-of-list": "it picks one name of a list",
    "other-value": "it gives another number than the one the question points to",
    "other-name": "it names another thing than the one the question points to",
    "added-word": "it adds a word to a name",
}
# Reasons whose answer is never shown, whatever `unsupported_answer` says: the quotes
# replace it (presentation.py).
REPLACED_BECAUSE = frozenset({"instructions"})
