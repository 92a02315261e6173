"""The question file of `localqa eval`: JSONL, one question a line,
`{"id", "question", "answers"?: [gold strings], "evidence"?: [{"source", "page"}],
"reference"?: free-text reference answer, "unanswerable"?: true}`; a line that cannot be
used is an EvalInputError naming the file and line."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from localqa.errors import UsageError


class EvalInputError(UsageError, ValueError):
    """A question file line that cannot be used, named by file and line."""


@dataclass(frozen=True, slots=True)
class Evidence:
    source: str
    page: int


@dataclass(frozen=True, slots=True)
class EvalQuestion:
    id: str
    question: str
    answers: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    reference: str = ""
    unanswerable: bool = False  # the documents do not answer it: the answer should abstain


def _question(data: Any) -> EvalQuestion:
    if not isinstance(data, dict) or not str(data.get("question", "")).strip():
        raise ValueError("expected an object with a non-empty 'question'")
    evidence = tuple(Evidence(str(e["source"]), int(e["page"])) for e in data.get("evidence", []))
    return EvalQuestion(
        id=str(data.get("id", "")),
        question=str(data["question"]),
        answers=tuple(str(a) for a in data.get("answers", []) if str(a).strip()),
        evidence=evidence,
        reference=str(data.get("reference", "")),
        unanswerable=bool(data.get("unanswerable", data.get("is_impossible", False))),
    )


def load_questions(path: Path) -> list[EvalQuestion]:
    questions: list[EvalQuestion] = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                question = _question(json.loads(line))
            except (ValueError, KeyError, TypeError) as err:
                raise EvalInputError(f"{path}, line {number}: {err}") from err
            questions.append(question if question.id else replace(question, id=f"line-{number}"))
    return questions
