"""Which cached prompt tokens a prefill may keep, so that a warm process answers as a cold one.

llama.cpp's results for a token depend on the batch it was evaluated in: its kernels add in
another order for another batch shape. A prompt evaluated from a reused prefix therefore gets
slightly different logits than the same prompt evaluated from scratch, and greedy decoding
can turn that into another answer: `localqa serve` answered "1 April." after a chat request
to a question that a fresh server, and `localqa ask`, answered "1 November." (note 13).

So every prefill follows one layout, its *batch ends*: the prompt's fixed prefix in batches
of `n_batch` from token 0 (llama_cpp's eval() splits it so), then the rest in batches of
`n_batch` from the prefix's end. A later prompt keeps cached tokens only up to a batch end
that both layouts share, with every batch before it the same: what it keeps is exactly what
it would have computed, batch by batch. Tokens past the last prompt (the answer, decoded one
at a time) are never kept.
"""

from __future__ import annotations

from collections.abc import Sequence


def batch_ends(length: int, head: int, step: int) -> list[int]:
    """Where a prefill of `length` tokens ends its batches (token counts, increasing): the
    first `head` tokens (the fixed prefix, `head <= length`) in batches of `step` from 0,
    then the rest in batches of `step` from `head`. Raises ValueError when `step < 1`."""
    if step < 1:
        raise ValueError(f"batch size {step} is not positive")
    ends = list(range(step, head, step)) + ([head] if head > 0 else [])
    ends += list(range(head + step, length, step))
    if length > head:
        ends.append(length)
    return ends


def kept_tokens(cached: int, previous: Sequence[int], ends: Sequence[int]) -> int:
    """How many of the `cached` leading tokens (those equal to the new prompt's) a prefill
    laid out as `ends` may keep from one laid out as `previous`: the last batch end the two
    share, with all batch ends before it equal, at most `cached`; 0 when none."""
    kept = 0
    for old, new in zip(previous, ends, strict=False):
        if old != new or new > cached:
            break
        kept = new
    return kept
