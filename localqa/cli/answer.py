"""`localqa ask` and `doctor`."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from localqa.answering.relevance import QUOTES_BECAUSE
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
    from localqa.schema import IndexedDocument
    from localqa.store.base import IndexReader


def print_sources(answer: Answer, heading: str = "Sources:") -> None:
    if not answer.citations:
        return
    typer.echo("\nNearest passages:" if answer.abstained else f"\n{heading}")
    for c in answer.citations:
        location = terminal_safe(c.chunk.location(c.chunk.quote_lines(c.quote)), one_line=True)
        typer.echo(f"[{c.number}] {location} (support {c.score:.2f})")
        typer.echo(f'    "{terminal_safe(c.quote, one_line=True)}"')


def print_checks(answer: Answer) -> None:
    """Where the reader reads: which sentences the sources do not support, and, when the
    answer does not stand alone (answering/relevance.py), what the sources say and why."""
    for sentence in answer.unsupported:
        typer.echo(f"\n[not supported by the sources] {terminal_safe(sentence, one_line=True)}")
    if answer.fallback is None:
        return
    typer.echo("\n" + QUOTES_BECAUSE[answer.fallback_reason])
    typer.echo(terminal_safe(answer.fallback.text))
    print_sources(answer.fallback, "Sources of these quotes:")  # numbered apart


def report_diagnostics(answer: Answer) -> None:
    sys.stdout.flush()  # the answer first, then the diagnostics, even on one terminal
    err = sys.stderr
    if answer.abstained:
        print(f"[{answer.mode}] abstained: no passage matches the question closely enough "
              "(setting abstain_below); no answer was written", file=err)  # fmt: skip
        return
    if answer.mode != "generative":
        print(f"[extractive] {len(answer.citations)} source(s) quoted", file=err)
        return
    dropped = (
        f", {answer.sources_dropped} dropped to fit the context" if answer.sources_dropped else ""
    )
    print(f"[generative] {len(answer.contexts)} source(s) given to the model{dropped}, "
          f"{len(answer.citations)} cited", file=err)  # fmt: skip
    print(f"prompt layout: {answer.layout} ({answer.layout_reason}); "
          f"stopped: {answer.finish_reason}", file=err)  # fmt: skip
    if not answer.grounded:
        print("warning: not every sentence of this answer is supported by the sources",
              file=err)  # fmt: skip


def _documents(store: IndexReader, name: str) -> list[IndexedDocument]:
    from localqa.store.index import SourceNotFound

    found = store.catalog.find(name)
    if not found:
        raise SourceNotFound(f"--source {name} is not in the index; see `localqa sources`")
    return found


def ask(
    question: Annotated[str, typer.Argument(help="The question.")],
    index: IndexOpt = None,
    home: HomeOpt = None,
    config: ConfigOpt = None,
    model: ModelOpt = None,
    n_gpu_layers: GpuOpt = None,
    top_k: Annotated[int | None, typer.Option("--top-k", help="Sources to consider.")] = None,
    extractive: ExtractiveOpt = False,
    source: Annotated[
        list[str] | None,
        typer.Option(
            "--source",
            help="Answer from this document only (as `sources` lists it, or its path); repeatable.",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Answer a question from the indexed documents, with citations."""
    from localqa.answering.answerer import Final

    builder = make_builder(config, index=index, home=home, model_path=model,
                           n_gpu_layers=n_gpu_layers, top_k=top_k)  # fmt: skip
    store = builder.existing_index()
    documents = [d.abs_path for name in source or () for d in _documents(store, name)]
    llm = None if extractive else builder.load_model_beside(store)
    quotes_only = builder.settings.unsupported_answer == "quotes-only"
    answer: Answer | None = None
    for event in builder.answerer(store, llm).stream(question, documents=documents):
        if isinstance(event, Final):
            answer = event.answer
        elif not as_json and not quotes_only:
            sys.stdout.write(terminal_safe(event.text))
            sys.stdout.flush()
    assert answer is not None  # every stream ends with Final
    if as_json:
        emit_json(answer.as_json())
        return
    if quotes_only and answer.mode == "generative":
        if answer.fallback is None:
            typer.echo(terminal_safe(answer.text), nl=False)
        else:
            typer.echo(f"The model's answer is not shown. {QUOTES_BECAUSE[answer.fallback_reason]}")
            answer = answer.fallback
            typer.echo(terminal_safe(answer.text), nl=False)
    typer.echo("")
    print_sources(answer)
    if answer.mode == "generative" and not answer.abstained:
        print_checks(answer)
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
