"""Saying so when a question finds nothing and the index holds documents written in another
script than the question: an English question over a Chinese handbook ("Who is the contact
for the China business?" while handbook-zh.md names her), or the reverse.

Neither search can bridge them: the lexical one matches words, and an English-only
embedding model (the packaged MiniLM) gives Chinese text vectors that mean little
(localqa/embedding/coverage.py). So an answer that abstains ends with one line
naming those documents and saying to ask in their language. A document's script is judged
by its opening (`ChunkReader.openings`: the first characters of its first chunk, one query
for the whole index), read once per version of the index and only for such an answer, so
an answer that stands alone costs nothing more.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from localqa.embedding.coverage import Coverage, script_name
from localqa.embedding.scripts import MAIN_SCRIPT, SCRIPTS, main_scripts
from localqa.text import CJK_RANGES, CJK_RUN

# How much of a document's first chunk says its script.
OPENING_CHARS = 160
LATIN = "Latin"
# A character of CJK or of another script of SCRIPTS: a text without one is LATIN.
NOT_LATIN = re.compile(f"[{CJK_RANGES}{''.join(SCRIPTS.values())}]")
LETTERS = re.compile(r"[^\W_]+")
# Named in the line, at most; the rest counted.
NAMED = 3


def wants_script_line(verdict: str) -> bool:
    """Whether an answer of this `verdict` (answer.py `Answer.verdict`) gets the line: only
    one that abstains. Under an answer that quotes or writes something the line was noise:
    a new user saw it under nearly every flagged English answer over sample_docs, whose one
    Chinese document is about trips to China, and under a Chinese question's right quote."""
    return verdict == "abstained"


def written_in(text: str) -> str:
    """The script most of `text` is written in: "Chinese", "Japanese" or "Korean" (CJK,
    coverage.script_name), another of scripts.SCRIPTS ("Cyrillic"), else LATIN."""
    if not NOT_LATIN.search(text):  # most documents: nothing to count (10,000: 0.3 s -> 30 ms)
        return LATIN
    # text.cjk_share, counted in runs (a Python loop over every character, or a list of
    # every one, took 0.5-1.2 s for 10,000 Chinese openings)
    if _length(CJK_RUN, text) >= MAIN_SCRIPT * _length(LETTERS, text):
        return script_name(text)
    return next(iter(main_scripts(text)), LATIN)


def _length(runs: re.Pattern[str], text: str) -> int:
    """How many characters of `text` the runs of `runs` hold."""
    return sum(map(len, runs.findall(text)))


def covered(script: str, coverage: Coverage) -> bool:
    """Whether the embedding model's vectors are trusted for `script`."""
    if script in ("Chinese", "Japanese", "Korean"):
        return coverage.cjk
    return script not in coverage.uncovered


def other_script_line(
    question: str, openings: Mapping[str, str], names: Mapping[str, str], coverage: Coverage
) -> str:
    """The line for an answer that abstains when documents (`openings`: path
    -> opening) are written in another script than the question and the embedding model
    does not cover both (then dense search bridges them); "" otherwise. `names`: path ->
    the document's name as citations show it."""
    asked = written_in(question)
    others: dict[str, list[str]] = {}
    for path, opening in openings.items():
        script = written_in(opening)
        if script != asked:
            others.setdefault(script, []).append(names.get(path, path))
    bridged = {s for s in others if covered(s, coverage) and covered(asked, coverage)}
    for script in bridged:
        del others[script]
    if not others:
        return ""
    script, paths = max(others.items(), key=lambda item: len(item[1]))
    listed = ", ".join(sorted(paths)[:NAMED]) + (
        f" and {len(paths) - NAMED} more" if len(paths) > NAMED else ""
    )
    one = len(paths) == 1
    language = "English or another Latin-script language" if script == LATIN else script
    return (
        f"{len(paths)} indexed document{'' if one else 's'} {'is' if one else 'are'} written "
        f"in {'Latin script' if script == LATIN else script} ({listed}), and this question "
        f"is not: the search cannot match across them. Ask in {language} to search "
        f"{'it' if one else 'them'}."
    )
