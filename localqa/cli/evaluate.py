"""`localqa eval`: retrieval and answer quality on a question set."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from localqa.cli.common import (
    CommandError,
    ConfigOpt,
    HomeOpt,
    IndexOpt,
    JsonOpt,
    emit_json,
    make_builder,
)
from localqa.errors import UsageError

if TYPE_CHECKING:
    from localqa.answering.answerer import Answerer
    from localqa.builder import Builder
    from localqa.evaluation.questions import EvalQuestion

PROGRESS_EVERY = 250

QuestionsArg = Annotated[
    Path | None, typer.Argument(help="Questions, one JSON object per line.", show_default=False)
]
FromOpt = Annotated[
    str | None,
    typer.Option("--from", help="Convert a benchmark instead: 'squad' or 'aragog' (needs --out)."),
]
OutOpt = Annotated[Path | None, typer.Option("--out", help="Where --from writes its files.")]
TopKOpt = Annotated[int | None, typer.Option("--top-k", help="Sources given to the model.")]
CharsOpt = Annotated[
    int | None, typer.Option("--context-chars", help="Character budget of the context.")
]
LimitOpt = Annotated[int | None, typer.Option("--limit", help="Only the first N questions.")]
GenerateOpt = Annotated[
    bool,
    typer.Option(
        "--generate",
        help="Also answer each question as `ask` would (the model if one is found, else "
        "extractively) and judge the answers.",
    ),
]
ExtractiveOpt = Annotated[
    bool, typer.Option("--extractive", help="With --generate: answer without a model.")
]
ModelOpt = Annotated[
    str | None, typer.Option("--model", help="GGUF model for --generate (default: models/).")
]


def eval_command(
    questions: QuestionsArg = None,
    index: IndexOpt = None,
    home: HomeOpt = None,
    config: ConfigOpt = None,
    top_k: TopKOpt = None,
    context_chars: CharsOpt = None,
    limit: LimitOpt = None,
    generate: GenerateOpt = False,
    model: ModelOpt = None,
    extractive: ExtractiveOpt = False,
    source: FromOpt = None,
    out: OutOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Measure whether the context `ask` builds holds the answer, per question and overall."""
    if source is not None:
        _convert(source, questions, out)
        return
    if questions is None:
        raise UsageError("give a questions file (JSONL), or --from squad|aragog PATH --out DIR")
    from localqa.evaluation.questions import load_questions

    try:
        todo = load_questions(questions)[:limit]
    except OSError as err:
        raise UsageError(f"cannot read {questions}: {err.strerror}") from err
    builder = make_builder(
        config, index=index, home=home, top_k=top_k, context_chars=context_chars, model_path=model
    )
    report = _run(builder, todo, generate, extractive)
    if as_json:
        emit_json(report)
    else:
        print_summary(report["summary"])


def _run(
    builder: Builder, todo: list[EvalQuestion], generate: bool, extractive: bool
) -> dict[str, Any]:
    from localqa.evaluation.metrics import summarise
    from localqa.evaluation.runner import Evaluator

    with builder.existing_index() as index:
        retriever = builder.retriever(index)  # the one `ask` uses, so latencies are ask's
        answerer = _answerer(builder, index, extractive) if generate else None
        evaluator = Evaluator(builder.settings.retrieval, retriever, index.paths())
        rows: list[dict[str, Any]] = []
        results = []
        for done, question in enumerate(todo, start=1):
            result = evaluator.evaluate(question)
            results.append(result)
            row = result.as_json()
            if answerer is not None:
                row.update(_answered(answerer, question))
            rows.append(row)
            if done % PROGRESS_EVERY == 0:
                print(f"eval: {done}/{len(todo)} questions", file=sys.stderr)
    summary = summarise(results, builder.settings.retrieval, evaluator.token_method)
    if answerer is not None:
        from localqa.answer_eval import summarise_answers

        summary["answers"] = summarise_answers(rows)
    return {"summary": summary, "questions": rows}


def _answerer(builder: Builder, index: Any, extractive: bool) -> Answerer:
    model = None if extractive else builder.load_model()
    return builder.answerer(index, model)


def _answered(answerer: Answerer, question: EvalQuestion) -> dict[str, Any]:
    from localqa.answer_eval import judge
    from localqa.answering.presentation import present

    started = time.perf_counter()
    answer = answerer.ask(question.question)
    seconds = time.perf_counter() - started
    return judge(present(answer, answerer.quotes_only), question, seconds)


def _convert(source: str, path: Path | None, out: Path | None) -> None:
    from localqa.evaluation.converters import CONVERTERS

    if source not in CONVERTERS:
        raise UsageError(f"--from must be one of {', '.join(CONVERTERS)}, not {source!r}")
    if path is None or out is None:
        raise UsageError(f"--from {source} needs the benchmark PATH and --out DIR")
    try:
        done = CONVERTERS[source](path, out)
    except (OSError, ValueError, KeyError) as err:
        raise CommandError(f"cannot convert {path}: {err}") from err
    typer.echo(
        f"wrote {done.questions} questions to {out / 'questions.jsonl'} and {done.documents} "
        f"documents to {out / 'docs'}; {done.left_out} left out, {done.unanswerable} "
        f"unanswerable ({done.note})"
    )
    typer.echo(
        f"next: localqa ingest {out / 'docs'} --index {source} && "
        f"localqa eval {out / 'questions.jsonl'} --index {source}"
    )


def _figure(value: Any) -> str:
    return "n/a" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def print_summary(s: dict[str, Any]) -> None:
    budget = s["budget"]
    lines = [
        ("questions (judged)", f"{s['questions']} ({s['judged']})"),
        ("budget", f"top_k={budget['top_k']}, context_chars={budget['context_chars']}"),
        ("answer in context", _figure(s["answer_hit_rate"])),
        ("evidence page in context", _figure(s["evidence_hit_rate"])),
        ("recall@1 / @5 / @10", " / ".join(_figure(s[f"recall@{k}"]) for k in (1, 5, 10))),
        ("MRR", _figure(s["mrr"])),
        ("reference words in context", _figure(s["reference_recall"])),
        ("context chars (mean)", _figure(s["mean_context_chars"])),
        (
            "context tokens (mean)",
            f"{_figure(s['mean_context_tokens'])} ({s['tokens_counted_with']})",
        ),
        ("retrieval ms p50 / p95", f"{s['retrieval_ms']['p50']} / {s['retrieval_ms']['p95']}"),
        ("  of which query embedding", f"{s['embed_ms']['p50']} / {s['embed_ms']['p95']}"),
    ]
    for key, value in s.get("answers", {}).items():
        lines.append((f"answers: {key.replace('_', ' ')}", _figure(value)))
    width = max(len(name) for name, _ in lines)
    for name, value in lines:
        typer.echo(f"{name:<{width}}  {value}")
