"""Questions about a whole document: "Summarise the remote-work memo", "List every
deadline in the lease", "What changed between the 2023 and 2024 budget?".

Their answer is spread over a document, so the ten best-matching chunks miss most of it:
such a question is answered from every chunk of the documents it names
(localqa/answering/whole.py). This module only recognises one, and the documents meant.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Literal, Protocol

from localqa.text import content_words, words

Kind = Literal["summary", "list", "compare"]

_SUMMARY = re.compile(
    r"^\s*(?:please\s+)?(?:summari[sz]e|sum\s+up|outline)\b"
    r"|\b(?:summary|overview|gist|main\s+points|key\s+points)\s+of\b"
    r"|^\s*what\s+(?:is|are)\s+(?:the\s+)?.+\s+about\s*\??\s*$",
    re.IGNORECASE,
)
_LIST = re.compile(
    r"^\s*(?:please\s+)?(?:list|enumerate)\b"
    r"|^\s*(?:what|which)\s+are\s+(?:all|every)\b"
    r"|^\s*(?:give|show)\s+(?:me\s+)?(?:all|every)\b",
    re.IGNORECASE,
)
_COMPARE = re.compile(
    r"\b(?:what|which)\b.*\b(?:changed?|differs?|differences?)\b.*\bbetween\b"
    r"|\bdifferences?\s+between\b|^\s*compare\b",
    re.IGNORECASE,
)
# Words of a list question that say how to list, not what
_ASKING = frozenset(
    "list enumerate every all each give show please document documents file mentioned "
    "named stated found contained listed".split()
)


class NamedDocument(Protocol):
    @property
    def source(self) -> str: ...

    @property
    def abs_path(self) -> str: ...


@dataclass(frozen=True, slots=True)
class WholeQuestion:
    """`kind` of whole-document question; `documents`: absolute paths of those it names,
    in the order it names them (empty: the best-matching document's is meant); `target`:
    for a list, the words of what is listed ("deadline")."""

    kind: Kind
    documents: tuple[str, ...] = ()
    target: frozenset[str] = frozenset()


def looks_whole(question: str) -> bool:
    """Whether `question` is worded as a summary, a list or a comparison (cheap: the
    catalog is read only for such a question)."""
    return any(p.search(question) for p in (_COMPARE, _SUMMARY, _LIST))


def whole_question(question: str, documents: Sequence[NamedDocument]) -> WholeQuestion | None:
    """The whole-document question `question` is, or None for a question about a fact.
    A comparison needs two documents named; a list needs something to list."""
    named = _named(question, documents)
    if _COMPARE.search(question):
        return WholeQuestion("compare", tuple(named)) if len(named) >= 2 else None
    if _SUMMARY.search(question):
        return WholeQuestion("summary", tuple(named[:1]))
    if _LIST.search(question):
        names = {w for path in named for w in words(PurePath(path).stem)}
        target = frozenset(content_words(question)) - _ASKING - names
        return WholeQuestion("list", tuple(named[:1]), target) if target else None
    return None


def _named(question: str, documents: Sequence[NamedDocument]) -> list[str]:
    """Documents whose file name's words all stand in the question (numbers too: the
    year of "budget-2024"), at least one of them a word of three letters or more; in the
    order the question names them (by where its first distinctive word stands)."""
    asked = words(question)
    found: list[tuple[int, str]] = []
    for doc in documents:
        stem = [w for w in words(PurePath(doc.source).stem) if len(w) >= 3 or w.isdigit()]
        if not stem or not any(w.isalpha() for w in stem):
            continue
        if all(w in asked for w in stem):
            numbers = [w for w in stem if w.isdigit()] or stem
            found.append((min(asked.index(w) for w in numbers), doc.abs_path))
    return [path for _, path in sorted(found)]
