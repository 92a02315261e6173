"""Retrieval quality on a question set: is the answer inside the context `ask` would give?

Each question runs through the same `Retriever` and `pack_context` budget as `localqa ask`,
so the figures describe what the model is actually shown. Question files are JSONL:
`{"id", "question", "answers"?: [gold strings], "evidence"?: [{"source", "page"}],
"reference"?: free-text reference answer}`.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from localqa.errors import UsageError
from localqa.retrieval.retriever import Retriever
from localqa.schema import Chunk
from localqa.text import lexical_support

if TYPE_CHECKING:
    from localqa.embedding.embedder import Embedder
    from localqa.sections import RetrievalSettings
    from localqa.store.roots import PathMap

RECALL_AT = (1, 5, 10)
CHARS_PER_TOKEN = 4  # the usual rough figure for English when no tokenizer is at hand


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


def normalise(text: str) -> str:
    return " ".join(text.lower().split())


def contains_answer(text: str, answers: Sequence[str]) -> bool:
    """Case-insensitive, whitespace-normalised substring match of any gold answer."""
    haystack = normalise(text)
    return any(normalise(a) in haystack for a in answers)


def matches_evidence(
    chunk: Chunk, evidence: Sequence[Evidence], paths: PathMap | None = None
) -> bool:
    """Same page of the same file, the file named as listed, by its path on this machine
    (`paths`: where this machine mounts the index's roots, localqa/store/roots.py) or as
    stored, by its root's name and path under it, or by the end of any of those (its path
    under its root, its file name)."""
    return any(e.page == chunk.page and _same_source(chunk, e.source, paths) for e in evidence)


def _names(chunk: Chunk, paths: PathMap | None) -> list[str]:
    """The names a chunk's file goes by on this machine (see `matches_evidence`)."""
    names = [chunk.source, chunk.abs_path]
    if paths is not None:
        names.append(paths.local(chunk.abs_path))
        if rooted := paths.relative(chunk.abs_path):
            names += ["/".join(rooted), rooted[1]]
    return names


def _same_source(chunk: Chunk, wanted: str, paths: PathMap | None = None) -> bool:
    wanted = wanted.replace("\\", "/")
    for have in _names(chunk, paths):
        have = have.replace("\\", "/")
        if have == wanted or have.endswith("/" + wanted):
            return True
    return False


def _first_rank(chunks: Sequence[Chunk], hit: Callable[[Chunk], bool]) -> int | None:
    return next((rank for rank, c in enumerate(chunks, start=1) if hit(c)), None)


@dataclass(frozen=True)
class QuestionResult:
    id: str
    question: str
    contexts: tuple[Chunk, ...]
    answer_hit: bool | None
    evidence_hit: bool | None
    answer_rank: int | None
    evidence_rank: int | None
    context_chars: int
    context_tokens: int
    retrieval_ms: float
    embed_ms: float
    reference_recall: float | None = None

    @property
    def first_hit_rank(self) -> int | None:
        """The answer's rank when gold answers are given (what the model needs), else the
        evidence page's: a right page without the answer is not a hit for SQuAD-like sets."""
        return self.answer_rank if self.answer_hit is not None else self.evidence_rank

    @property
    def judged(self) -> bool:
        return self.answer_hit is not None or self.evidence_hit is not None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "question": self.question,
            "contexts": [
                {"source": c.source, "page": c.page, "text": c.text} for c in self.contexts
            ],
            "answer_hit": self.answer_hit,
            "evidence_hit": self.evidence_hit,
            "answer_rank": self.answer_rank,
            "evidence_rank": self.evidence_rank,
            "first_hit_rank": self.first_hit_rank,
            "reference_recall": self.reference_recall,
            "context_chars": self.context_chars,
            "context_tokens": self.context_tokens,
            "retrieval_ms": self.retrieval_ms,
            "embed_ms": self.embed_ms,
        }


class Evaluator:
    """Runs questions through `ask`'s retrieval and packing with the given settings (the
    retrieval section: how many sources and characters)."""

    def __init__(
        self, settings: RetrievalSettings, retriever: Retriever, paths: PathMap | None = None
    ) -> None:
        self._settings = settings
        self._retriever = retriever
        self._paths = paths  # expected sources named by this machine's paths too
        self._count, self.token_method = _token_counter(retriever.embedder)

    def evaluate(self, q: EvalQuestion) -> QuestionResult:
        started = time.perf_counter()
        retrieved = self._retriever.search(q.question)
        s = self._settings
        contexts = self._retriever.context(retrieved.results, s.top_k, s.context_chars)
        packed = [r.chunk for r in contexts]
        elapsed = round((time.perf_counter() - started) * 1000, 2)
        ranked = [r.chunk for r in retrieved.results]
        answers, evidence = q.answers, q.evidence
        context = "\n".join(c.text for c in packed)
        return QuestionResult(
            id=q.id,
            question=q.question,
            contexts=tuple(packed),
            answer_hit=any(contains_answer(c.text, answers) for c in packed) if answers else None,
            evidence_hit=any(self._evidence(c, evidence) for c in packed) if evidence else None,
            answer_rank=_first_rank(ranked, lambda c: contains_answer(c.text, answers)),
            evidence_rank=_first_rank(ranked, lambda c: self._evidence(c, evidence)),
            context_chars=sum(len(c.text) for c in packed),
            context_tokens=sum(self._count(c.text) for c in packed),
            retrieval_ms=elapsed,
            embed_ms=float(retrieved.timings.get("embed_ms", 0.0)),
            reference_recall=lexical_support(q.reference, context) if q.reference else None,
        )

    def _evidence(self, chunk: Chunk, evidence: Sequence[Evidence]) -> bool:
        return matches_evidence(chunk, evidence, self._paths)


def _token_counter(embedder: Embedder) -> tuple[Callable[[str], int], str]:
    try:
        embedder.count_tokens("probe")
    except Exception:  # noqa: BLE001 - any tokenizer failure falls back to the estimate
        return (lambda text: -(-len(text) // CHARS_PER_TOKEN)), "chars/4 estimate"
    return embedder.count_tokens, f"{embedder.name} word pieces"


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def _mean(values: Sequence[float], digits: int = 4) -> float | None:
    return round(sum(values) / len(values), digits) if values else None


def _spread(values: Sequence[float]) -> dict[str, float]:
    return {"p50": percentile(values, 0.5), "p95": percentile(values, 0.95)}


def summarise(
    results: Sequence[QuestionResult], settings: RetrievalSettings, token_method: str
) -> dict[str, Any]:
    ranks = [r.first_hit_rank for r in results if r.judged]
    summary: dict[str, Any] = {
        "questions": len(results),
        "judged": len(ranks),
        "budget": {"top_k": settings.top_k, "context_chars": settings.context_chars},
        "answer_hit_rate": _mean([r.answer_hit for r in results if r.answer_hit is not None]),
        "evidence_hit_rate": _mean([r.evidence_hit for r in results if r.evidence_hit is not None]),
    }
    for k in RECALL_AT:
        summary[f"recall@{k}"] = _mean([rank is not None and rank <= k for rank in ranks])
    summary["mrr"] = _mean([1 / r if r else 0.0 for r in ranks])
    summary["reference_recall"] = _mean(
        [r.reference_recall for r in results if r.reference_recall is not None]
    )
    summary["mean_context_chars"] = _mean([r.context_chars for r in results], 1)
    summary["mean_context_tokens"] = _mean([r.context_tokens for r in results], 1)
    summary["tokens_counted_with"] = token_method
    summary["retrieval_ms"] = _spread([r.retrieval_ms for r in results])
    summary["embed_ms"] = _spread([r.embed_ms for r in results])
    return summary


# Converters: public benchmark sets to a question file plus the documents to ingest.

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
