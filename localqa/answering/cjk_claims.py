"""What a Chinese, Japanese or Korean claim adds to its question, character by character.

The support check reads CJK text as overlapping character bigrams (localqa/text.py), and
a claim that adds one made-up word to a true one keeps most of its bigrams: Gemma-3-270M
answered "和中国客户的合同由哪家公司翻译？" with "英文翻译公司海韵翻译。" over "与中国客户签订的
合同由外部翻译公司“海韵翻译”负责翻译", which calls the translator an English one (英文) where
the source says external (外部); the bigrams it adds were 0.5 in the evidence, above the
share the check asks (claims.py MIN_ADDED_SHARE). Words are not segmented here (no
dictionary): a character is held when a bigram holding it is in the evidence or the
question, or when it is a function character ("的", "是") that joins words. The claim is
supported only when the evidence holds MIN_HELD of the characters it adds to its question:
a synonym ("星期一" for "周一") costs a character or two of a long answer, a made-up word
half of a short one.
"""

from __future__ import annotations

from localqa.text import CJK_RUN, bigrams, fold

# Characters that join words rather than say anything: particles, copulas, prepositions,
# conjunctions, demonstratives, measure words.
FUNCTION_CHARS = frozenset(
    "的地得了着过是在和与及或而且由为被把将从对向于以之其这那个也都就还又很所"
)
# Share of the characters a claim adds to its question that its evidence must hold.
MIN_HELD = 0.75


def _pairs(text: str) -> set[str]:
    """The bigrams (single characters for a one-character run) of `text`'s CJK runs."""
    return {pair for run in CJK_RUN.findall(fold(text)) for pair in bigrams(run)}


def _held(run: str, pairs: set[str]) -> list[bool]:
    """For each character of `run`: a bigram holding it (or the lone character) is in
    `pairs`."""
    if len(run) == 1:
        return [run in pairs]
    return [
        (i > 0 and run[i - 1 : i + 1] in pairs) or (i + 1 < len(run) and run[i : i + 2] in pairs)
        for i in range(len(run))
    ]


def added_characters(claim: str, question: str) -> str:
    """The claim's CJK characters that no bigram of the question holds, function
    characters aside, in order ("英文翻译公司海韵翻译" to "和中国客户的合同由哪家公司翻译":
    "英文海韵")."""
    asked = _pairs(question)
    added = []
    for run in CJK_RUN.findall(fold(claim)):
        for char, held in zip(run, _held(run, asked), strict=True):
            if not held and char not in FUNCTION_CHARS:
                added.append(char)
    return "".join(added)


def share_held(claim: str, question: str, evidence: str) -> float:
    """Share (0..1) of the characters the claim adds to its question (`added_characters`)
    that the evidence holds in a bigram it shares with the claim; 1 when it adds none."""
    asked, stated = _pairs(question), _pairs(evidence)
    added = held = 0
    for run in CJK_RUN.findall(fold(claim)):
        for char, in_question, in_evidence in zip(
            run, _held(run, asked), _held(run, stated), strict=True
        ):
            if in_question or char in FUNCTION_CHARS:
                continue
            added += 1
            held += in_evidence
    return held / added if added else 1.0
