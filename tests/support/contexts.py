"""Retrieved contexts made by hand, for unit tests of extraction and citations."""

from __future__ import annotations

from localqa.schema import Chunk, ScoredChunk


def context(cid: str, text: str) -> ScoredChunk:
    """One whole-page chunk `cid` of `<cid>.txt` holding `text`, scored 1.0."""
    chunk = Chunk(cid, text, f"{cid}.txt", f"/d/{cid}.txt", 1, 1, 1, 0, len(text), "d")
    return ScoredChunk(chunk, 1.0)
