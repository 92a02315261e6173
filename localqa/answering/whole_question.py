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

from localqa.retrieval.naming import named_documents
from localqa.text import content_words, has_cjk, words

Kind = Literal["summary", "list", "compare"]

_SUMMARY = re.compile(
    r"^\s*(?:please\s+)?(?:summari[sz]e|sum\s+up|outline)\b"
    r"|\b(?:summary|overview|gist|main\s+points|key\s+points)\s+of\b"
    r"|^\s*what\s+(?:is|are)\s+(?:the\s+)?.+\s+about\s*\??\s*$"
    r"|总结|概括|摘要|归纳|概述|主要内容",  # Chinese: summarise, sum up, abstract, main points
    re.IGNORECASE,
)
_LIST = re.compile(
    r"^\s*(?:please\s+)?(?:list|enumerate)\b"
    r"|^\s*(?:what|which)\s+are\s+(?:all|every)\b"
    r"|^\s*(?:give|show)\s+(?:me\s+)?(?:all|every)\b"
    # Chinese: list, enumerate; not 有哪些 ("which ... are there"), which asks most
    # ordinary questions ("出差住酒店有哪些规定？" would read a whole handbook)
    r"|列出|列举",
    re.IGNORECASE,
)
# Chinese words of asking, taken out before the question's words are read (CJK text is
# read as bigrams, text.py: "总结一下员工手册" would hold "下员"); "中"/"里" only before
# "所有"/"全部"/"的" ("员工手册中所有的假期").
_CJK_ASKING = re.compile(
    r"请|总结一下|总结|概括一下|概括|摘要|归纳一下|归纳|概述|主要内容|列出|列举|"
    r"[中里](?=所有|全部|的)|所有的?|全部的?|有哪些|哪些|一下|是什么|什么|的"
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

    @property
    def title(self) -> str: ...


@dataclass(frozen=True, slots=True)
class WholeQuestion:
    """`kind` of whole-document question; `documents`: absolute paths of those it names,
    in the order it names them (empty: the best-matching document's is meant); `target`:
    for a list, the words of what is listed ("deadline"); `also`: absolute paths of other
    documents whose name or title the question matches too, less well, best first (the
    answer names them: "Summarise the employee handbook" with a Chinese handbook beside
    the English one)."""

    kind: Kind
    documents: tuple[str, ...] = ()
    target: frozenset[str] = frozenset()
    also: tuple[str, ...] = ()


def looks_whole(question: str) -> bool:
    """Whether `question` is worded as a summary, a list or a comparison (cheap: the
    catalog is read only for such a question)."""
    return any(p.search(question) for p in (_COMPARE, _SUMMARY, _LIST))


def whole_question(question: str, documents: Sequence[NamedDocument]) -> WholeQuestion | None:
    """The whole-document question `question` is, or None for a question about a fact.
    A comparison needs two documents named; a list needs something to list."""
    named = [m.path for m in matching_documents(question, documents)]
    exact = named_documents(question, documents)  # its file name itself: "handbook-zh"
    if named and named[0] in exact:  # none other is meant, however many words it shares
        named = [path for path in named if path in exact]
    if _COMPARE.search(question):
        if len(named) < 2:
            return None
        order = {path: n for n, path in enumerate(named)}
        pair = sorted(named[:2], key=lambda p: _position(question, documents, p, order))
        return WholeQuestion("compare", tuple(pair), also=tuple(named[2:]))
    if _SUMMARY.search(question):
        return WholeQuestion("summary", tuple(named[:1]), also=tuple(named[1:]))
    if _LIST.search(question):
        matched = matching_documents(question, documents)[:1]
        names = {w for m in matched for w in m.words}
        asked = content_words(_CJK_ASKING.sub(" ", question))
        target = frozenset(asked) - _ASKING - _WHOLE_WORDS - names
        if not target:
            return None
        return WholeQuestion("list", tuple(named[:1]), target, tuple(named[1:]))
    return None


# Words that say what kind of answer is asked for, never which document.
_WHOLE_WORDS = frozenset(
    "summarise summarize summary sum up outline overview gist main key points about compare "
    "changed change changes differ differs difference differences between".split()
)
# Language tags of file names ("handbook-zh", "policy_de") and the words that ask for a
# language; a CJK question, a CJK title or one of these marks a document as CJK.
_CJK_TAGS = frozenset("zh cn chs cht tw hk ja jp ko kr chinese japanese korean mandarin".split())
# ("it" and "no" are left out: "it-policy" is the IT department's, "no-smoking" English.)
_OTHER_TAGS = frozenset(
    "de fr es nl pt ru nb nn sv da fi pl cs german french spanish italian dutch "
    "portuguese russian norwegian swedish danish finnish polish".split()
)


def _long(word: str) -> bool:
    """A word long enough to name a document: three letters or more, or a CJK bigram
    (text.py reads CJK text as bigrams: "员工手册" is 员工, 工手, 手册)."""
    return len(word) >= 3 or (len(word) == 2 and has_cjk(word))


@dataclass(frozen=True, slots=True)
class Match:
    """A document the question names: its absolute `path`, the words of its file name
    and title the question holds (`words`), whether it spells the whole name or title
    (`whole`), and whether it is in the language the question asks in (`language`)."""

    path: str
    words: frozenset[str]
    whole: bool
    language: bool
    position: int  # where in the question its first matched word stands


def matching_documents(question: str, documents: Sequence[NamedDocument]) -> list[Match]:
    """Documents whose file name or title the question names, best first: the most of
    their words in the question, then in the question's language (an English question
    prefers `northwind-handbook.pdf`, titled "Employee Handbook", to `handbook-zh.md`;
    "the Chinese handbook" or a question in Chinese the other way round), then the one
    whose whole name or title is spelt, then the first named. A document is named when the
    question spells its whole file name (a year too: "budget-2024"), or holds one of its
    name's or title's words (three letters or more) that is not a word of asking."""
    asked = words(_CJK_ASKING.sub(" ", question))
    distinctive = {w for w in asked if w.isalpha() and _long(w)} - _ASKING - _WHOLE_WORDS
    wanted = "cjk" if has_cjk(question) or _CJK_TAGS & set(asked) else "latin"
    found: list[Match] = []
    for doc in documents:
        stem = [w for w in words(PurePath(doc.source).stem) if len(w) >= 3 or w.isdigit()]
        tags = set(words(PurePath(doc.source).stem)) & (_CJK_TAGS | _OTHER_TAGS)
        title = [w for w in content_words(doc.title) if _long(w)]
        spelt = any(
            part and any(w.isalpha() for w in part) and all(w in asked for w in part)
            for part in (stem, title)
        )
        held = frozenset(w for w in (*stem, *title, *tags) if w in asked)
        if not spelt and not held & distinctive:
            continue
        script = "cjk" if has_cjk(doc.title) or tags & _CJK_TAGS else "latin"
        same = (script == wanted and not tags & _OTHER_TAGS) or bool(tags & set(asked))
        first = min(asked.index(w) for w in held) if held else len(asked)
        found.append(Match(doc.abs_path, held, spelt, same, first))
    return sorted(found, key=lambda m: (-len(m.words), not m.language, not m.whole, m.position))


def _position(
    question: str, documents: Sequence[NamedDocument], path: str, order: dict[str, int]
) -> tuple[int, int]:
    """Where the question names the document at `path` (by its first number, else its
    first word): "between the 2024 and 2023 budget" compares 2024 with 2023."""
    asked = words(question)
    for doc in documents:
        if doc.abs_path == path:
            stem = [w for w in words(PurePath(doc.source).stem) if len(w) >= 3 or w.isdigit()]
            numbers = [w for w in stem if w.isdigit() and w in asked]
            held = numbers or [w for w in stem if w in asked]
            if held:
                return min(asked.index(w) for w in held), order[path]
    return len(asked), order[path]
