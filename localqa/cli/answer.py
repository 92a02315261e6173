"""`localqa ask` and `doctor`."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from localqa.cli.common import (
    ConfigOpt,
    ExtractiveOpt,
    GpuOpt,
    HomeOpt,
    IndexOpt,
    JsonOpt,
    ModelOpt,
    emit_json,
    make_builder,
)
from localqa.text import terminal_safe

if TYPE_CHECKING:
    from localqa.answering.answerer import Answer


def print_sources(answer: Answer) -> None:
    if not answer.citations:
        return
    typer.echo("\nSources:")
    for c in answer.citations:
        location = terminal_safe(c.chunk.location(), one_line=True)
        typer.echo(f"[{c.number}] {location} (support {c.score:.2f})")
        typer.echo(f'    "{terminal_safe(c.quote, one_line=True)}"')


def report_diagnostics(answer: Answer) -> None:
    sys.stdout.flush()  # the answer first, then the diagnostics, even on one terminal
    err = sys.stderr
    used = len(answer.contexts)
    dropped = (
        f", {answer.sources_dropped} dropped to fit the context" if answer.sources_dropped else ""
    )
    print(f"[{answer.mode}] {used} source(s) used{dropped}", file=err)
    for sentence in answer.unsupported:
        print(f"unsupported by the sources: {terminal_safe(sentence, one_line=True)}", file=err)
    if answer.mode == "generative" and not answer.grounded:
        print("warning: this answer is not supported by the sources", file=err)


def ask(
    question: Annotated[str, typer.Argument(help="The question.")],
    index: IndexOpt = None,
    home: HomeOpt = None,
    config: ConfigOpt = None,
    model: ModelOpt = None,
    n_gpu_layers: GpuOpt = None,
    top_k: Annotated[int | None, typer.Option("--top-k", help="Sources to consider.")] = None,
    extractive: ExtractiveOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Answer a question from the indexed documents, with citations."""
    from localqa.answering.answerer import Final

    builder = make_builder(config, index=index, home=home, model_path=model,
                           n_gpu_layers=n_gpu_layers, top_k=top_k)  # fmt: skip
    store = builder.existing_index()
    llm = None if extractive else builder.load_model()
    answer: Answer | None = None
    for event in builder.answerer(store, llm).stream(question):
        if isinstance(event, Final):
            answer = event.answer
        elif not as_json:
            sys.stdout.write(terminal_safe(event.text))
            sys.stdout.flush()
    assert answer is not None  # every stream ends with Final
    if as_json:
        emit_json(answer.as_json())
        return
    typer.echo("")
    if answer.mode == "generative" and not answer.grounded:
        typer.echo("\n(The sources do not support this answer.)")
    print_sources(answer)
    report_diagnostics(answer)


def doctor(
    index: IndexOpt = None,
    home: HomeOpt = None,
    config: ConfigOpt = None,
    model: ModelOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Check the installation: versions, model files, GPU offload, index, network."""
    from localqa.doctor import run_checks

    report = run_checks(make_builder(config, index=index, home=home, model_path=model))
    if as_json:
        emit_json(report)
        return
    for section, values in report.items():
        typer.echo(f"{section}:")
        items = values.items() if isinstance(values, dict) else enumerate(values)
        for key, value in items:
            typer.echo(f"  {key}: {value}")
