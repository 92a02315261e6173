"""The embedding model's tokenizer set up one way everywhere: counting chunk sizes in the
reader process and inline, and encoding texts for ONNX Runtime.

A model folder's tokenizer.json may carry padding and truncation settings; left on, they
would pad short texts and cap the counts of long ones, so chunks would be split wrongly.
`tokenizers` is imported inside the functions: importing this module stays cheap.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tokenizers import Tokenizer

# Distinct lines whose counts LineSums keeps: a page has tens, a chunk is made of a page's.
LINE_CACHE = 4096
# Distinct words whose counts LineSums keeps (forgotten all at once past this): DA-619p has
# 34,000 in 267,000; a few MB.
WORD_CACHE = 65536


def plain_tokenizer(tokenizer: Tokenizer, truncate_at: int = 0) -> Tokenizer:
    """`tokenizer` without padding, and without truncation unless `truncate_at` > 0 tokens
    ([CLS] and [SEP] counted, as sentence-transformers counts them). Changes it in place."""
    tokenizer.no_padding()
    if truncate_at > 0:
        tokenizer.enable_truncation(truncate_at)
    else:
        tokenizer.no_truncation()
    return tokenizer


def load_tokenizer(file: Path | str, truncate_at: int = 0) -> Tokenizer:
    """A tokenizer.json, set up by `plain_tokenizer`. Raises what `tokenizers` raises for
    a missing or unreadable file (an Exception)."""
    from tokenizers import Tokenizer

    return plain_tokenizer(Tokenizer.from_file(str(file)), truncate_at)


def token_counter(tokenizer: Tokenizer) -> Callable[[str], int]:
    """Counts a text's word pieces, special tokens ([CLS], [SEP]) left out; by its lines
    (`LineSums`) where the tokenizer's counts add up over them."""

    def count(text: str) -> int:
        return len(tokenizer.encode(text, add_special_tokens=False).ids)

    return LineSums(count) if adds_up_by_line(tokenizer) else count


def adds_up_by_line(tokenizer: Tokenizer) -> bool:
    """Whether a text's word pieces are its lines' (and its words') word pieces together:
    a BERT WordPiece tokenizer (all-MiniLM-L6-v2's) normalizes character by character,
    keeping a line break or a space as whitespace, then splits at whitespace before it
    cuts words into pieces, so no piece spans a line break or a space. Not for others: a
    byte-level BPE may merge a line break or a space into a piece."""
    from tokenizers import models, normalizers, pre_tokenizers

    normalizer = tokenizer.normalizer
    return (
        isinstance(tokenizer.model, models.WordPiece)
        and isinstance(tokenizer.pre_tokenizer, pre_tokenizers.BertPreTokenizer)
        and (normalizer is None or isinstance(normalizer, normalizers.BertNormalizer))
    )


class LineSums:
    """A text's count as the sum of its lines' counts, and a line's as the sum of its
    words' (split at " "), each distinct word counted once (up to WORD_CACHE words, then
    all forgotten at once) and each distinct line summed once (the last LINE_CACHE kept).
    The splitter counts every line of a page, then every chunk made of those lines again
    (ingest/splitter.py): by lines a chunk costs a few look-ups, and by words a line does.
    DA-619p: 3.6 M characters were tokenized whole, 1.6 M by lines, 0.3 M by words
    (34,000 distinct words); counting took 1.8-2.2 CPU-s, 1.0-1.2 by lines, 0.5-0.6 by
    words (docs/BENCHMARKS-LOG.md). Only "\n" and " " split: Python's other line ends and
    spaces include characters BERT drops rather than splits at (a form feed, U+001C)."""

    def __init__(self, count: Callable[[str], int]) -> None:
        self._count = count
        self._words: dict[str, int] = {}
        self._line = functools.lru_cache(maxsize=LINE_CACHE)(self._line_count)

    def __call__(self, text: str) -> int:
        if "\n" not in text:
            return self._line(text)
        return sum(self._line(line) for line in text.split("\n") if line)

    def _line_count(self, line: str) -> int:
        words = self._words
        if len(words) > WORD_CACHE:
            words.clear()
        total = 0
        for word in line.split(" "):
            if word:
                count = words.get(word)
                if count is None:
                    count = words[word] = self._count(word)
                total += count
        return total
