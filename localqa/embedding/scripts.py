"""Writing systems beyond Latin and CJK (CJK: localqa/text.py, localqa/embedding/coverage.py):
how to tell them in text, which model-card languages write them, and a probe sentence each
for judging a tokenizer. An English-only embedder (the packaged MiniLM) sees Russian or
Arabic as single characters, as it sees Chinese: its vectors mean little there, so that
text is searched lexically and ingest says so (coverage.py)."""

from __future__ import annotations

import re

# name: character ranges (letters and marks of the script's own blocks)
SCRIPTS = {
    "Cyrillic": "\u0400-\u052f",
    "Greek": "\u0370-\u03ff\u1f00-\u1fff",
    "Armenian": "\u0530-\u058f",
    "Hebrew": "\u0590-\u05ff",
    "Arabic": "\u0600-\u06ff\u0750-\u077f",
    "Devanagari": "\u0900-\u097f",
    "Bengali": "\u0980-\u09ff",
    "Tamil": "\u0b80-\u0bff",
    "Thai": "\u0e00-\u0e7f",
    "Georgian": "\u10a0-\u10ff",
    "Ethiopic": "\u1200-\u137f",
}
_CHARS = {name: re.compile(f"[{ranges}]") for name, ranges in SCRIPTS.items()}
# Model-card language codes (ISO 639-1 and the names cards use) and the script they write.
LANGUAGES = {
    "ru": "Cyrillic",
    "uk": "Cyrillic",
    "bg": "Cyrillic",
    "sr": "Cyrillic",
    "mk": "Cyrillic",
    "be": "Cyrillic",
    "kk": "Cyrillic",
    "ky": "Cyrillic",
    "mn": "Cyrillic",
    "tg": "Cyrillic",
    "russian": "Cyrillic",
    "ukrainian": "Cyrillic",
    "el": "Greek",
    "greek": "Greek",
    "hy": "Armenian",
    "he": "Hebrew",
    "iw": "Hebrew",
    "yi": "Hebrew",
    "hebrew": "Hebrew",
    "ar": "Arabic",
    "fa": "Arabic",
    "ur": "Arabic",
    "ps": "Arabic",
    "ug": "Arabic",
    "arabic": "Arabic",
    "persian": "Arabic",
    "hi": "Devanagari",
    "mr": "Devanagari",
    "ne": "Devanagari",
    "sa": "Devanagari",
    "hindi": "Devanagari",
    "bn": "Bengali",
    "as": "Bengali",
    "ta": "Tamil",
    "th": "Thai",
    "thai": "Thai",
    "ka": "Georgian",
    "am": "Ethiopic",
    "ti": "Ethiopic",
}
# One sentence per script for a tokenizer without a model card (coverage.py).
PROBES = {
    "Cyrillic": "Ключи от архива хранит Ольга Петровна из бухгалтерии.",
    "Greek": "Τα κλειδιά του αρχείου τα κρατά η Όλγα από το λογιστήριο.",  # noqa: RUF001
    "Hebrew": "את המפתחות לארכיון מחזיקה אולגה מהנהלת החשבונות.",
    "Arabic": "مفاتيح الأرشيف تحتفظ بها أولغا من قسم المحاسبة.",
    "Devanagari": "संग्रह की चाबियाँ लेखा विभाग की ओल्गा के पास हैं।",
    "Thai": "กุญแจห้องเก็บเอกสารอยู่กับโอลกาจากฝ่ายบัญชี",
}
# A text is in a script when at least this share of its letters are.
MAIN_SCRIPT = 0.5


def script_shares(text: str) -> dict[str, float]:
    """Share (0..1) of the text's letters and digits in each script of SCRIPTS that it
    holds at all: {} for English or Chinese."""
    shares: dict[str, float] = {}
    letters = 0
    for name, chars in _CHARS.items():
        found = len(chars.findall(text))
        if found:
            letters = letters or sum(ch.isalnum() for ch in text)
            shares[name] = found / max(letters, found)
    return shares


def main_scripts(text: str) -> list[str]:
    """The scripts of SCRIPTS that at least MAIN_SCRIPT of the text is written in."""
    return [name for name, share in script_shares(text).items() if share >= MAIN_SCRIPT]
