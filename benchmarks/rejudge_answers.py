"""Judge the answers of an earlier `answer_quality.py` run again with today's code, without
generating them again: for a change in what happens after generation (the support check,
answer relevance, what is shown), which does not change what a greedy model writes.

    PYTHONPATH=. .venv/bin/python benchmarks/rejudge_answers.py REPORT QUESTIONS MODEL_GGUF \
        [--home DIR]

REPORT: a run's report (`--work` keeps them), QUESTIONS: the sample it answered (a
`sample-*.jsonl`), MODEL_GGUF: the model it used; `--home`: the run's LOCALQA_HOME (default:
REPORT's folder/home). Each question goes through `Answerer.stream` as in `ask` (retrieval,
extraction, the model's prompt packed for its window), except that the model's text is the
report's, replayed. Prints one line per figure, as answer_quality.py does, and how many
answers were shown with the extractive quotes, by reason.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from localqa.generation.stats import GenerationStats


class ReplayedModel:
    """The real model for everything but generation, which yields the recorded text."""

    def __init__(self, model: Any, texts: dict[str, str]) -> None:
        self._model = model
        self._texts = texts
        self.question = ""
        self.last_stats = GenerationStats()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)

    def stream(
        self,
        tokens: list[int],
        max_tokens: int,
        sampling: object,
        stop: threading.Event | None = None,
        fixed_prefix: int = 0,
    ) -> Iterator[str]:
        text = self._texts[self.question]
        self.last_stats = GenerationStats(len(tokens), 0, 0.0, 0.0, "eos")
        yield text


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("questions", type=Path)
    parser.add_argument("model", type=Path)
    parser.add_argument("--home", type=Path)
    args = parser.parse_args()
    os.environ["LOCALQA_HOME"] = str(args.home or args.report.parent / "home")

    from localqa.answer_eval import judge, summarise_answers
    from localqa.answering.presentation import present
    from localqa.builder import Builder
    from localqa.evaluation.questions import load_questions

    rows = json.loads(args.report.read_text(encoding="utf-8"))["questions"]
    texts = {r["question"]: r["answer"] for r in rows}
    builder = Builder.from_options(model_path=str(args.model))
    model = ReplayedModel(builder.load_model(report=None), texts)
    index = builder.existing_index()
    answerer = builder.answerer(index, model)  # type: ignore[arg-type]
    judged: list[dict[str, Any]] = []
    for question in load_questions(args.questions):
        model.question = question.question
        answer = answerer.ask(question.question)
        judged.append(judge(present(answer, answerer.quotes_only), question, 0.0))
    index.close()
    answers = summarise_answers(judged)
    for figure in ("shown_has_gold", "cited_has_gold", "abstained_when_unanswerable"):
        print(f"rejudged\t{figure}\t{answers[figure]}")
    reasons = Counter(r["quotes_because"] or "stands alone" for r in judged)
    print("rejudged\tquotes shown because\t" + json.dumps(dict(reasons.most_common())))


if __name__ == "__main__":
    main()
