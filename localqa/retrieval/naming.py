"""Questions that name a document ("What does the remote-work memo say about equipment?",
"what does README.md say") are answered from that document."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from pathlib import PurePath
from typing import Protocol

from localqa.text import words

# A stem of one word ("faq", "notes") names a document only with its extension: as a plain
# word it is too often just a word.
MIN_STEM_WORDS = 2


class NamedDocument(Protocol):
    @property
    def abs_path(self) -> str: ...

    @property
    def source(self) -> str: ...


def named_documents(question: str, documents: Sequence[NamedDocument]) -> list[str]:
    """Absolute paths of the documents whose file name the question contains (with its
    extension), or whose name of two or more words it spells out in order."""
    asked = " ".join(words(question))
    lowered = question.lower()
    named = []
    for doc in documents:
        name, spelled = _names(doc.source)
        # the regular expression only where the words are there at all: compiling one per
        # document took ~150 ms a search over 2,000 documents (docs/BENCHMARKS-LOG.md)
        if name in lowered or (
            spelled and spelled in asked and re.search(rf"\b{re.escape(spelled)}\b", asked)
        ):
            named.append(doc.abs_path)
    return named


@functools.lru_cache(maxsize=1 << 16)
def _names(source: str) -> tuple[str, str]:
    """A document's file name, lower case, and its stem's words joined by spaces when
    they are MIN_STEM_WORDS or more (else "")."""
    name = PurePath(source).name.lower()
    stem = words(PurePath(name).stem)
    return name, " ".join(stem) if len(stem) >= MIN_STEM_WORDS else ""
