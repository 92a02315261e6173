"""Public benchmark sets (SQuAD and its kin, ARAGOG) turned into a question file plus
the documents to ingest (`localqa eval --from`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SQUAD_FORBIDDEN = str.maketrans({c: "-" for c in '/\\:*?"<>|'})
ARAGOG_MISSING = "GLM-130B"  # its paper is not in the ARAGOG repository


@dataclass(frozen=True, slots=True)
class Converted:
    questions: int
    documents: int
    left_out: int
    note: str = ""
    unanswerable: int = 0  # questions kept, marked unanswerable


def _write_jsonl(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def convert_squad(path: Path, out: Path) -> Converted:
    """SQuAD's questions, the unanswerable ones marked `unanswerable` (they judge whether
    an answer abstains; retrieval figures leave them out); each article's paragraphs joined
    as one .txt document."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    docs = out / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    left_out = unanswerable = 0
    for article in data:
        name = article["title"].replace("_", " ").translate(SQUAD_FORBIDDEN) + ".txt"
        paragraphs = [p["context"].strip() for p in article["paragraphs"]]
        (docs / name).write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                answers = list(dict.fromkeys(a["text"] for a in qa.get("answers", [])))
                if not qa["question"].strip():  # CMRC 2018 has a question with empty text
                    left_out += 1
                    continue
                if qa.get("is_impossible") or not answers:
                    unanswerable += 1
                    rows.append({"id": qa["id"], "question": qa["question"], "unanswerable": True})
                    continue
                rows.append(
                    {
                        "id": qa["id"],
                        "question": qa["question"],
                        "answers": answers,
                        "evidence": [{"source": name, "page": 1}],
                    }
                )
    _write_jsonl(out / "questions.jsonl", rows)
    note = "unanswerable questions kept and marked; empty questions left out"
    return Converted(len(rows) - unanswerable, len(data), left_out, note, unanswerable)


def convert_aragog(path: Path, out: Path) -> Converted:
    """ARAGOG's questions with their free-text reference answers (no gold spans, no pages)
    and its papers; questions on the absent GLM-130B paper are left out."""
    folder = path if path.is_dir() else path.parent
    bench = json.loads((folder / "benchmark.json").read_text(encoding="utf-8"))
    rows: list[dict[str, Any]] = []
    pairs = zip(bench["questions"], bench["ground_truths"], strict=True)
    for number, (question, reference) in enumerate(pairs, start=1):
        if ARAGOG_MISSING not in question:
            rows.append(
                {
                    "id": f"aragog-{number:03d}",
                    "question": question.strip(),
                    "reference": reference.strip(),
                }
            )
    papers = sorted((folder / "papers_for_questions").glob("*.pdf"))
    docs = out / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    for paper in papers:
        (docs / paper.name).write_bytes(paper.read_bytes())
    _write_jsonl(out / "questions.jsonl", rows)
    note = f"questions on the absent {ARAGOG_MISSING} paper left out"
    return Converted(len(rows), len(papers), len(bench["questions"]) - len(rows), note)


CONVERTERS: dict[str, Callable[[Path, Path], Converted]] = {
    "squad": convert_squad,
    "aragog": convert_aragog,
}
