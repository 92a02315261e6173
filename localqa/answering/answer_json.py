"""An `Answer` read back from its JSON (`Answer.as_json`, what `ask --json` prints and
`localqa serve` returns), so a client of the server shows it exactly as a local answer is
shown (presentation.py): the text, its numbered sources with their quotes and lines, the
unsupported sentences, the quotes shown under it.

What the JSON leaves out is what no front end shows: chunk ids, character offsets,
document hashes, titles and sections come back empty.
"""

from __future__ import annotations

from typing import Any

from localqa.answering.answer import ESTIMATED, Answer
from localqa.answering.citations import Citation, SentenceCheck
from localqa.answering.proposed import ProposedCheck
from localqa.schema import Chunk

_COUNTING = {text: name for name, text in ESTIMATED.items()}


def _proposed(data: dict[str, Any] | None) -> ProposedCheck | None:
    """The answer given with the question, as `ProposedCheck.as_json` wrote it."""
    if not data:
        return None
    return ProposedCheck(str(data["answer"]), str(data["verdict"]), str(data.get("evidence") or ""))


def _chunk(context: dict[str, Any]) -> Chunk:
    first, last = context["lines"]
    return Chunk(
        id=str(context.get("id", "")),  # "" from a server before ids were given
        text=str(context["text"]),
        source=str(context["source"]),
        abs_path=str(context["abs_path"]),
        page=int(context["page"]),
        line_start=int(first),
        line_end=int(last),
        char_start=0,
        char_end=0,
        doc_hash="",
        page_kind=str(context.get("page_kind", "page")),
    )


def _numbered(listed: list[dict[str, Any]]) -> tuple[Chunk, ...]:
    """The context each number [n] refers to, in number order: JSON lists each passage
    once with its `numbers`; before those, one context per number."""
    if not all("numbers" in c for c in listed):
        return tuple(_chunk(c) for c in listed)
    by_number = {int(n): _chunk(c) for c in listed for n in c["numbers"]}
    return tuple(by_number[n] for n in sorted(by_number))


def answer_from_json(data: dict[str, Any]) -> Answer:
    """The Answer `data` (`Answer.as_json()`) was made from, as far as it is shown.
    Raises KeyError, TypeError or ValueError on JSON of another shape."""
    contexts = _numbered(data["contexts"])
    citations = tuple(
        Citation(int(c["n"]), contexts[int(c["n"]) - 1], str(c["quote"]), float(c["score"]))
        for c in data["citations"]
    )
    checks = tuple(
        SentenceCheck(
            str(s["text"]),
            tuple(int(n) for n in s["cited"]),
            float(s["support"]),
            bool(s["supported"]),
            str(s.get("evidence", "")),
            bool(s.get("from_instructions", False)),
        )
        for s in data.get("sentences") or ()
    )
    layout = data.get("layout") or {}
    fallback = data.get("extractive")
    return Answer(
        question=str(data["question"]),
        text=str(data["answer"]),
        mode=str(data["mode"]),
        citations=citations,
        contexts=contexts,
        checks=checks,
        timings=dict(data.get("timings") or {}),
        model=data.get("model"),
        gpu_layers=data.get("gpu_layers"),
        sources_dropped=int(data.get("sources_dropped", 0)),
        cancelled=bool(data.get("cancelled", False)),
        layout=str(layout.get("name", "")),
        layout_reason=str(layout.get("reason", "")),
        finish_reason=str(data.get("finish_reason", "")),
        fallback=answer_from_json(fallback) if fallback else None,
        fallback_reason=str(data.get("extractive_shown_because") or ""),
        abstained=bool(data.get("abstained", False)),
        token_counts=_COUNTING.get(str(data.get("token_budget")), "exact"),
        documents_read=tuple(str(d) for d in data.get("documents_read") or ()),
        also_matched=tuple(str(d) for d in data.get("also_matched") or ()),
        proposed=_proposed(data.get("proposed_answer")),
        other_script=str(data.get("other_script_line") or ""),
        may_not_answer=str(data.get("may_not_answer_line") or ""),
        dense_skipped=str(data.get("dense_skipped") or ""),
    )
