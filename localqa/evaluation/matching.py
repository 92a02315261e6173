"""Whether a text holds a gold answer (case- and whitespace-insensitive) and whether a
retrieved chunk is an expected evidence page, its file named however the question set
names it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from localqa.evaluation.questions import Evidence
from localqa.schema import Chunk

if TYPE_CHECKING:
    from localqa.store.roots import PathMap


def normalise(text: str) -> str:
    return " ".join(text.lower().split())


def contains_answer(text: str, answers: Sequence[str]) -> bool:
    """Case-insensitive, whitespace-normalised substring match of any gold answer."""
    haystack = normalise(text)
    return any(normalise(a) in haystack for a in answers)


def matches_evidence(
    chunk: Chunk, evidence: Sequence[Evidence], paths: PathMap | None = None
) -> bool:
    """Same page of the same file, the file named as listed, by its path on this machine
    (`paths`: where this machine mounts the index's roots, localqa/store/roots.py) or as
    stored, by its root's name and path under it, or by the end of any of those (its path
    under its root, its file name)."""
    return any(e.page == chunk.page and _same_source(chunk, e.source, paths) for e in evidence)


def _names(chunk: Chunk, paths: PathMap | None) -> list[str]:
    """The names a chunk's file goes by on this machine (see `matches_evidence`)."""
    names = [chunk.source, chunk.abs_path]
    if paths is not None:
        names.append(paths.local(chunk.abs_path))
        if rooted := paths.relative(chunk.abs_path):
            names += ["/".join(rooted), rooted[1]]
    return names


def _same_source(chunk: Chunk, wanted: str, paths: PathMap | None = None) -> bool:
    wanted = wanted.replace("\\", "/")
    for have in _names(chunk, paths):
        have = have.replace("\\", "/")
        if have == wanted or have.endswith("/" + wanted):
            return True
    return False


def gold_share(text: str, golds: Sequence[str]) -> float:
    """The largest share (0..1) of one gold answer's content words (stemmed, numbers as
    digits) that `text` holds; 0 when no gold answer has a content word. 1: `text` holds
    every word of one, in any order ("the border between the United States and Mexico"
    for "Mexico-United States border")."""
    from localqa.answering.claims import stems
    from localqa.answering.facts import numerals_as_digits
    from localqa.text import content_words

    said = stems(content_words(numerals_as_digits(text)))
    shares = [
        len(wanted & said) / len(wanted)
        for wanted in (stems(content_words(numerals_as_digits(g))) for g in golds)
        if wanted
    ]
    return max(shares, default=0.0)
