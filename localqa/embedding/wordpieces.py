"""The embedding model's tokenizer set up one way everywhere: counting chunk sizes in the
reader process and inline, and encoding texts for ONNX Runtime.

A model folder's tokenizer.json may carry padding and truncation settings; left on, they
would pad short texts and cap the counts of long ones, so chunks would be split wrongly.
`tokenizers` is imported inside the functions: importing this module stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tokenizers import Tokenizer


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
    """Counts a text's word pieces, special tokens ([CLS], [SEP]) left out."""
    return lambda text: len(tokenizer.encode(text, add_special_tokens=False).ids)
