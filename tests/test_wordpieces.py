"""Counting word pieces by lines (wordpieces.LineSums) counts what the tokenizer counts."""

from __future__ import annotations

from pathlib import Path

from tokenizers import Tokenizer, models

from localqa.embedding.embedder import default_model_path
from localqa.embedding.wordpieces import LineSums, load_tokenizer, token_counter

# Where a line-by-line count could go wrong: characters BERT drops (a form feed) or maps
# to a space next to a line break, a combining accent opening a line, CJK, a word over
# WordPiece's 100 characters, special tokens written out, Windows line ends, blank lines.
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
