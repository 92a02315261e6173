"""Token-measured splitting that keeps where each piece came from.

Sizes are counted in the embedding model's own word pieces, so no chunk is ever
truncated at embedding time; the final check re-splits any piece that still overflows.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

# Regular expressions, tried in order. The CJK ones (after a sentence's 。！？, a clause's ；
# or a phrase's ，、) match no characters, so the punctuation ends the piece before: CJK text
# has no space after it to split at. The full stops of other scripts (Devanagari's danda,
# Arabic's question mark and full stop, Armenian's, Ethiopic's, Myanmar's) end one the
# same way. A separator is kept at the end of the piece it closes (`keep_separator`), so
# a piece ends with its sentence's full stop rather than the next one starting with it
# (". Курить ..."; PIPELINE_VERSION 4).
SEPARATORS = [
    re.escape("\n\n"),
    re.escape("\n"),
    "(?<=[。！？｡\u0964\u061f\u06d4\u0589\u1362\u104b])",
    re.escape(". "),
    "(?<=[；])",
    re.escape("; "),
    "(?<=[，、､])",
    re.escape(", "),
    re.escape(" "),
    "",
]
# Token counts kept per splitter: langchain measures the same pieces again at each level of
# its recursion and merge (74,632 counts for DA-619p.pdf's 2,838 chunks, 25,361 distinct;
# 5.4 s -> 3.1 s of the reader's CPU). Pieces are at most a chunk long, so 8,192 of them
# hold a few MB.
COUNT_CACHE = 8192
_LINE_BREAK = re.compile("\n")


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of a page: its text and where it sits (1-based lines, 0-based chars)."""

    text: str
    char_start: int
    char_end: int
    line_start: int
    line_end: int


class TokenSplitter:
    def __init__(
        self, count_tokens: Callable[[str], int], chunk_tokens: int, overlap_tokens: int
    ) -> None:
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        self._count = functools.lru_cache(maxsize=COUNT_CACHE)(count_tokens)
        self.chunk_tokens = chunk_tokens
        self._splitter = RecursiveCharacterTextSplitter(
            chunk_size=chunk_tokens,
            chunk_overlap=min(overlap_tokens, chunk_tokens // 2),
            length_function=self._count,
            separators=SEPARATORS,
            is_separator_regex=True,
            keep_separator="end",
            strip_whitespace=True,
        )

    def split(self, text: str) -> list[Span]:
        if not text.strip():
            return []
        line_breaks = [found.start() for found in _LINE_BREAK.finditer(text)]
        spans: list[Span] = []
        cursor = 0
        for piece in self._pieces(text):
            start = text.find(piece, cursor)
            if start < 0:  # overlap moved back further than the cursor: search from the top
                start = text.find(piece)
            end = start + len(piece)
            spans.append(
                Span(
                    text=piece,
                    char_start=start,
                    char_end=end,
                    line_start=bisect_right(line_breaks, start - 1) + 1,
                    line_end=bisect_right(line_breaks, end - 1) + 1,
                )
            )
            cursor = start + 1
        return spans

    def _pieces(self, text: str) -> list[str]:
        pieces: list[str] = []
        for piece in self._splitter.split_text(text):
            pieces.extend(self._enforce_limit(piece))
        return pieces

    def _enforce_limit(self, piece: str) -> list[str]:
        """Halve at whitespace until every part fits: the guarantee langchain does not give."""
        if self._count(piece) <= self.chunk_tokens or len(piece) < 2:
            return [piece]
        middle = len(piece) // 2
        cut = piece.rfind(" ", 0, middle)
        cut = cut if cut > 0 else middle
        left, right = piece[:cut].strip(), piece[cut:].strip()
        return [p for half in (left, right) if half for p in self._enforce_limit(half)]
