"""Counting word pieces by lines and words (wordpieces.LineSums) counts what the tokenizer
counts."""

from __future__ import annotations

from pathlib import Path

from tokenizers import Tokenizer, models

from localqa.embedding.embedder import default_model_path
from localqa.embedding.wordpieces import LineSums, load_tokenizer, token_counter

# Where a count by lines and words could go wrong: characters BERT drops (a form feed,
# U+001C) or maps to a space next to a line break or a space, a combining accent opening a
# line or a word, CJK, a word over WordPiece's 100 characters (and two under it joined by
# what is no space to Python's split(" ")), special tokens written out, Windows line ends,
# blank lines, runs of spaces.
AWKWARD = [
    "",
    "\n",
    "\n\nLeading blank lines\nthen text\n\n",
    "overhauls the\ncompressors\r\nof unit 7\r\n",
    "form\x0c\nfeed\x0cjoined\n\x0cstart",
    "accent\n\u0301e at the start of a line; café\nnaïve",
    "中文的句子。\n第二行，继续\n字",
    "x" * 150 + "\n" + "y" * 99 + "\n" + "z" * 101,
    "[CLS] text [SEP]\n[SEP]\n[UNK]",
    "\u039f\u0394\u039f\u03a3\n\u03c3\u03bf\u03c6\u03cc\u03c2\n\u03a3",  # Greek, final sigma
    "tab\there\n\xa0nbsp\xa0\n\u2028line separator\u2029\nend",
    "hyphen-\nated words, 3.5 bar; 12\u00a0kg\n— dashes —\n",
    "  two  spaces ,and \u0301accent after a space;  trailing  \n \n  ",
    "form \x0c feed \x1c unit\x1cseparator \x0bvertical\ttab \x00nul\x00 end",
    "a" * 60 + "\x0c" + "b" * 60 + " " + "c" * 60 + "\u00a0" + "d" * 60,
    "ideographic\u3000space 中 文 字\u3000句 [MASK]word [SEP] word[UNK]",
]


def texts(sample_docs: Path) -> list[str]:
    plain = [p for p in sample_docs.iterdir() if p.suffix in (".txt", ".md", ".csv", ".html")]
    return AWKWARD + [p.read_text(encoding="utf-8") for p in sorted(plain)]


def test_line_sums_count_what_the_tokenizer_counts(sample_docs: Path) -> None:
    tokenizer = load_tokenizer(default_model_path() / "tokenizer.json")
    count = token_counter(tokenizer)
    assert isinstance(count, LineSums)  # all-MiniLM-L6-v2's counts add up by line
    for text in texts(sample_docs):
        expected = len(tokenizer.encode(text, add_special_tokens=False).ids)
        assert count(text) == expected, text[:60]
        assert count(text) == expected, text[:60]  # from the lines it keeps, too


def test_a_tokenizer_with_pieces_across_lines_counts_texts_whole() -> None:
    # no pre-tokenizer: the whole text is one word, and "a\nb" one piece
    tokenizer = Tokenizer(models.WordLevel({"a\nb": 0, "a": 1, "b": 2, "?": 3}, unk_token="?"))
    assert token_counter(tokenizer)("a\nb") == 1


def test_each_distinct_word_is_tokenized_once() -> None:
    asked: list[str] = []

    def count(text: str) -> int:
        asked.append(text)
        return len(text.split())

    sums = LineSums(count)
    assert sums("the pump and the valve\nthe pump  again") == 8
    assert sorted(asked) == ["again", "and", "pump", "the", "valve"]
