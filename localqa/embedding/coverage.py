"""Whether an embedding model's vectors mean anything for Chinese, Japanese and Korean text,
and for the other scripts that are not Latin (Cyrillic, Greek, Arabic, ...:
localqa/embedding/scripts.py).

The packaged all-MiniLM-L6-v2 was trained on English: for Chinese it sees one vocabulary
piece per character, and its vectors carry little meaning. Fused with BM25 they pulled
good lexical hits down (CMRC 2018 answer in the top 10: 0.994 lexically, 0.747 fused;
docs/BENCHMARKS-LOG.md), so retrieval weights the dense channel by the share of the question
the model understands (localqa/retrieval/retriever.py).

How a model is judged, first rule that applies:
1. its model card (README.md front matter) declares languages: covered when one is
   Chinese, Japanese, Korean or "multilingual" (tags: "multilingual" counts too);
2. its tokenizer.json: covered unless it cuts a Chinese probe sentence into single
   characters or unknown pieces almost entirely (as an English-only vocabulary does);
3. neither to judge by: covered. A model someone chose for their documents is trusted.
The other scripts are judged the same way: listed by a language of the card (scripts.py
LANGUAGES), or, without a card, by a probe sentence of the script.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from localqa.embedding.scripts import (
    LANGUAGES,
    MAIN_SCRIPT,
    PROBES,
    SCRIPTS,
    main_scripts,
    script_shares,
)
from localqa.text import CJK_CHAR, cjk_share

CJK_LANGUAGES = frozenset(
    "zh zh-cn zh-tw zh-hans zh-hant cmn yue ja ko chinese japanese korean multilingual".split()
)
PROBE = "员工每年享有带薪年假，请假需要提前在人事系统中提交申请并由经理批准。"
# Share of the probe's characters in single-character or unknown pieces above which the
# vocabulary is judged English-only. MiniLM: 1.00; sentencepiece multilingual models ~0.5.
CHARACTER_LEVEL = 0.9
FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Coverage:
    """cjk: whether the model's vectors are trusted for CJK text; why: one clause saying
    what that judgement rests on; uncovered: the other scripts (scripts.SCRIPTS) they are
    not trusted for, judged the same way."""

    cjk: bool
    why: str
    uncovered: frozenset[str] = frozenset()


@lru_cache(maxsize=8)
def cjk_coverage(folder: Path) -> Coverage:
    """Judge the model in `folder` (module docstring); reads two small files, no torch."""
    declared = declared_languages(folder)
    if declared:
        listed = ", ".join(sorted(declared))
        if "multilingual" in declared:
            return Coverage(True, f"its model card lists {listed}")
        written = {LANGUAGES[language] for language in declared if language in LANGUAGES}
        uncovered = frozenset(SCRIPTS) - written
        return Coverage(bool(declared & CJK_LANGUAGES), f"its model card lists {listed}", uncovered)
    share = single_character_share(folder / "tokenizer.json")
    if share is None:
        return Coverage(True, "nothing declares its languages, so it is trusted")
    uncovered = frozenset(
        script
        for script, probe in PROBES.items()
        if (single_character_share(folder / "tokenizer.json", probe) or 0.0) >= CHARACTER_LEVEL
    )
    return Coverage(
        share < CHARACTER_LEVEL,
        f"its tokenizer cuts {share:.0%} of Chinese into single characters or unknown pieces",
        uncovered,
    )


def declared_languages(folder: Path) -> frozenset[str]:
    """Lower-cased `language:` entries of README.md's front matter, plus "multilingual"
    when it is a tag; empty when there is no card or it declares none."""
    try:
        card = (folder / "README.md").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return frozenset()
    match = FRONT_MATTER.match(card)
    if not match:
        return frozenset()
    values = _yaml_list(match.group(1), "language")
    if "multilingual" in _yaml_list(match.group(1), "tags"):
        values.add("multilingual")
    return frozenset(values)


def _yaml_list(front_matter: str, key: str) -> set[str]:
    """The values of a top-level key written as `key: a`, `key: [a, b]` or a `- a` list:
    the forms model cards use (no YAML library needed for that)."""
    lines = front_matter.splitlines()
    for number, line in enumerate(lines):
        if not line.startswith(f"{key}:"):
            continue
        inline = line[len(key) + 1 :].strip().strip("[]")
        if inline:
            return {v.strip().strip("'\"").lower() for v in inline.split(",") if v.strip()}
        found: set[str] = set()
        for item in lines[number + 1 :]:
            if not item.lstrip().startswith("- "):
                break
            found.add(item.lstrip()[2:].strip().strip("'\"").lower())
        return found
    return set()


def single_character_share(tokenizer_file: Path, probe: str = PROBE) -> float | None:
    """Share (0..1) of the probe's letters (CJK characters in the Chinese PROBE) that the
    tokenizer puts in a piece of their own or an unknown piece; None without a readable
    tokenizer.json."""
    if not tokenizer_file.is_file():
        return None
    try:
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(tokenizer_file))
    except Exception:  # noqa: BLE001 - any unreadable tokenizer just cannot be judged
        return None
    encoding = tokenizer.encode(probe, add_special_tokens=False)
    unknown = {t for t in ("[UNK]", "<unk>", "<UNK>") if tokenizer.token_to_id(t) is not None}
    alone = total = 0
    for token, (start, end) in zip(encoding.tokens, encoding.offsets, strict=True):
        piece = probe[start:end]
        counted = len(CJK_CHAR.findall(piece)) if probe == PROBE else sum(map(str.isalpha, piece))
        total += counted
        if counted and (end - start == 1 or token in unknown):
            alone += counted
    return alone / total if total else None


def dense_weight(text: str, covers_cjk: bool, uncovered: frozenset[str] = frozenset()) -> float:
    """How much the embedding channel should count for `text` (0..1): the share of it
    the model understands. 1 when it covers CJK and every script of the text (none of
    `uncovered`), or the text has none of them."""
    foreign = 0.0 if covers_cjk else cjk_share(text)
    if uncovered:
        foreign += sum(s for name, s in script_shares(text).items() if name in uncovered)
    return max(0.0, 1.0 - foreign)


def script_name(text: str) -> str:
    """Which CJK language `text` is most likely in, for messages: kana means Japanese,
    Hangul Korean, Han alone Chinese."""
    if re.search("[\u3040-\u30ff]", text):
        return "Japanese"
    if re.search("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]", text):
        return "Korean"
    return "Chinese"


def _named(scripts: list[str]) -> str:
    """ "Chinese", "Chinese and Cyrillic", "Chinese, Cyrillic and Greek"."""
    return scripts[0] if len(scripts) == 1 else f"{', '.join(scripts[:-1])} and {scripts[-1]}"


def coverage_line(coverage: Coverage, sample: str = "") -> str:
    """One line for the ingest report and `localqa doctor`: the scripts of `sample` (all,
    without one) that the model covers, or those it does not, searched lexically: CJK
    first ("Chinese text", "Chinese, Japanese and Korean text"), then the others ("as is
    Cyrillic text")."""
    if sample:
        cjk = [script_name(sample)] if CJK_CHAR.search(sample) else []
        others = [s for s in SCRIPTS if s in script_shares(sample)]
    else:
        cjk, others = ["Chinese", "Japanese", "Korean"], list(SCRIPTS)
    lexical = [] if coverage.cjk else cjk
    more = [s for s in others if s in coverage.uncovered]
    if not lexical and not more:
        return f"the embedding model is trusted for {_named(cjk + others)} text ({coverage.why})"
    searched = _named(lexical or more) + " text is searched lexically"
    if lexical and more:
        searched += f", as is {_named(more)} text"
    if not coverage.cjk and coverage.uncovered >= frozenset(PROBES):
        return f"the embedding model is English-only; {searched} ({coverage.why})"
    return f"the embedding model does not cover it all; {searched} ({coverage.why})"


def needs_note(text: str) -> bool:
    """Whether a chunk is written mostly in CJK or another script of scripts.SCRIPTS: the
    text whose coverage the ingest report states (`script_note`)."""
    return cjk_share(text) >= MAIN_SCRIPT or bool(main_scripts(text))


def script_note(coverage: Coverage, sample: str) -> str | None:
    """The ingest report's line when text of a script the model does not cover (CJK, or
    one of `coverage.uncovered`) was written (`sample`: some of the text `needs_note`
    picked); None otherwise."""
    if not needs_note(sample):
        return None
    line = coverage_line(coverage, sample)
    return None if line.startswith("the embedding model is trusted") else line
