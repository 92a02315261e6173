"""What a document is about, as its first pages state it: the company or body it is from,
and the period it covers.

Sibling documents (one company's 10-K for 2018, 2019 and 2020; three companies' annual
reports for one year) hold pages that are almost the same word for word: a statement
table differs only in its figures. A question names the company and the year ("3M's
FY2018 capital expenditure"), and only the cover says them. So the chunker puts these
facts into every chunk's header (what is embedded and lexically indexed), and a question
naming them reaches the right sibling (issue 25, "chunks that know where they are").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The lines read for facts: a cover page and the page after it.
FACT_PAGES = 2
# A subject line is a name, not a sentence.
MAX_SUBJECT_WORDS = 8

_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_DATE = rf"(?:(?:{_MONTHS})\s+\d{{1,2}},?\s+((?:19|20)\d\d)|((?:19|20)\d\d)-\d\d-\d\d)"
_FISCAL_YEAR = re.compile(rf"fiscal\s+year\s+ended\s*:?\s*{_DATE}", re.IGNORECASE)
_QUARTER = re.compile(rf"quarterly\s+period\s+ended\s*:?\s*{_DATE}", re.IGNORECASE)
# "Annual Report 2021", "2021 Annual Report", "Budget 2024", "FY 2023", "fiscal 2022"
_REPORT_YEAR = re.compile(
    r"\b(?:annual\s+report|budget|fiscal(?:\s+year)?|FY)\s*((?:19|20)\d\d)\b"
    r"|\b((?:19|20)\d\d)\s+(?:annual\s+report|budget)\b",
    re.IGNORECASE,
)
_CJK_YEAR = re.compile(r"((?:19|20)\d\d)\s*年\s*(?:年度报告|年报|度报告|年度预算|预算)")
_REGISTRANT = re.compile(r"exact\s+name\s+of\s+registrant", re.IGNORECASE)
_ENTITY = re.compile(
    r"^[A-Z0-9&][\w&.,'’\- ]*?\b(?:Inc|Incorporated|Corporation|Corp|Company|Co|Ltd|Limited"
    r"|LLC|L\.P|LP|plc|PLC|S\.A|AG|N\.V|SE|GmbH|Holdings|Group)\.?$"
)
_NOT_NAMES = frozenset({"the", "our", "this", "that", "each", "a", "an", "such", "any"})
_CJK_ENTITY = re.compile(r"^[\u4e00-\u9fff（）()]{2,30}(?:股份有限公司|有限公司|集团)$")


@dataclass(frozen=True, slots=True)
class DocumentFacts:
    """`subject`: the registrant or the legal entity a document is from ("3M Company"),
    or ''. `period`: the period it covers as searched words ("fiscal year 2018 FY2018",
    "quarter ended March 31, 2023 FY2023"), or ''."""

    subject: str = ""
    period: str = ""

    def words(self) -> str:
        return " ".join(part for part in (self.subject, self.period) if part)


def document_facts(text: str) -> DocumentFacts:
    """The facts a document's first pages (`FACT_PAGES` of them, joined) state; empty
    fields where they state none."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if line]
    return DocumentFacts(_subject(lines), _period(" ".join(lines)))


def with_facts(title: str, facts: DocumentFacts) -> str:
    """`title` with the facts it does not already hold put first, so that a header cut
    to fit the embedder (the chunker shortens from the end) keeps them."""
    folded = title.casefold()
    extra = [
        part for part in (facts.subject, facts.period) if part and part.casefold() not in folded
    ]
    return " · ".join([*extra, title] if title else extra)


def _subject(lines: list[str]) -> str:
    # A 10-K or 10-Q cover: the name is the line above "(Exact name of registrant ...)".
    for i, line in enumerate(lines):
        name = lines[i - 1].strip(" ()") if i > 0 else ""
        if _REGISTRANT.search(line) and _is_short(name):
            return name
    for line in lines:
        if _CJK_ENTITY.match(line) or (_ENTITY.match(line) and _is_name(line)):
            return line
    return ""


def _is_short(line: str) -> bool:
    return 0 < len(line.split()) <= MAX_SUBJECT_WORDS and not line.endswith((":", ";"))


def _is_name(line: str) -> bool:
    """A short line with a proper name before its legal form: not "The Company"."""
    words = line.split()[:-1]
    return _is_short(line) and any(
        (w[:1].isupper() or w[:1].isdigit()) and w.casefold() not in _NOT_NAMES for w in words
    )


def _period(text: str) -> str:
    fiscal = _FISCAL_YEAR.search(text)
    if fiscal:
        year = fiscal.group(1) or fiscal.group(2)
        return f"fiscal year {year} FY{year}"
    quarter = _QUARTER.search(text)
    if quarter:
        year = quarter.group(1) or quarter.group(2)
        ended = " ".join(quarter.group(0).split()[2:])
        return f"quarter {ended} FY{year}"
    report = _REPORT_YEAR.search(text) or _CJK_YEAR.search(text)
    if report:
        year = next(group for group in report.groups() if group)
        return f"{year} FY{year}"
    return ""
