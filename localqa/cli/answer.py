"""`localqa ask` and `doctor`."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from localqa.cli.common import (
    ConfigOpt,
    ExtractiveOpt,
    GpuOpt,
    HomeOpt,
    IndexOpt,
    JsonOpt,
    ModelOpt,
    ServerOpt,
    emit_json,
    make_builder,
)
from localqa.text import terminal_safe

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from localqa.answering.conversations import Source
    from localqa.answering.presentation import Presentation
    from localqa.builder import Builder
    from localqa.schema import IndexedDocument
    from localqa.store.base import IndexReader


def print_sources(listed: Sequence[Source], heading: str) -> None:
    """Sources an answer cites: each one's quote lines and support, then its quote."""
    if not listed:
        return
    typer.echo(f"\n{heading}")
    for s in listed:
        location = terminal_safe(s.chunk.location(s.chunk.quote_lines(s.quote)), one_line=True)
        typer.echo(f"[{s.number}] {location} (support {s.score:.2f})")
        typer.echo(f'    "{terminal_safe(s.quote, one_line=True)}"')


def print_shown(shown: Presentation) -> None:
    """The answer as the reader is shown it (answering/presentation.py), after the tokens
    printed live: the text when it was not, its sources, the sentences the sources do not
    support, and the quotes shown under it with the line saying why, their [n] numbered
    in one list with the answer's."""
    from localqa.answering.numbering import one_numbering
    from localqa.answering.presentation import cited

    if not shown.live:
        if shown.replaced:
            typer.echo(shown.because)
        typer.echo(terminal_safe(shown.text), nl=False)
    elif shown.answer.mode == "generative" and not shown.answer.text.strip():
        typer.echo("(the model wrote no answer)", nl=False)
    typer.echo("")
    for line in shown.answer.lines_after:  # other documents matched, the answer given
        typer.echo(terminal_safe(line, one_line=True))
    print_sources(cited(shown.sources), "Nearest passages:" if shown.nearest else "Sources:")
    for sentence in shown.unsupported:
        typer.echo(f"\n[not supported by the sources] {terminal_safe(sentence, one_line=True)}")
    if shown.under is not None:
        # the quotes' [n] count on from the answer's, as in the chat (answering/numbering.py)
        numbered = one_numbering(shown)
        typer.echo("\n" + shown.because)
        typer.echo(terminal_safe(numbered.under_text))
        print_sources(cited(numbered.under_sources), "Sources of these quotes:")


def report_diagnostics(shown: Presentation) -> None:
    """How the answer was made, on stderr: the mode, the sources, and for a model's answer
    what became of it (shown, shown with quotes under it, or replaced by them)."""
    sys.stdout.flush()  # the answer first, then the diagnostics, even on one terminal
    err = sys.stderr
    answer = shown.answer
    if answer.abstained:
        from localqa.answering.abstain import ABSTAINED  # loaded by then: no start-up cost

        why = (
            "no passage matches the question closely enough (setting abstain_below)"
            if answer.text == ABSTAINED
            else "the passages found do not say what it asks (the answer says what was checked)"
        )
        print(f"[{answer.mode}] abstained: {why}; no answer was written", file=err)
        return
    if answer.mode != "generative":
        passages = len({c.chunk.id for c in answer.citations})  # each quote is cited apart
        print(f"[extractive] {len(answer.citations)} quote(s) from {passages} passage(s)", file=err)
        return
    dropped = (
        f", {answer.sources_dropped} dropped to fit the context" if answer.sources_dropped else ""
    )
    print(
        f"[generative] {len(answer.contexts)} source(s) given to the model{dropped}, "
        f"{len(answer.citations)} cited",
        file=err,
    )
    print(
        f"prompt layout: {answer.layout} ({answer.layout_reason}); stopped: {answer.finish_reason}",
        file=err,
    )
    if warning := _generated_warning(shown):
        print(f"warning: {warning}", file=err)


def _generated_warning(shown: Presentation) -> str:
    """What the reader must know of a model's answer, "" when it stands alone: an answer
    never written or not shown is not called unsupported (it has no sentences)."""
    from localqa.answering.presentation import cited

    answer, quotes = shown.answer, len(cited(shown.under_sources or shown.sources))
    if shown.replaced:
        return (
            f"the model's answer is not shown ({shown.short_because}): "
            f"{quotes} quote(s) of the sources are shown instead"
        )
    if not answer.text.strip():
        return f"the model wrote no answer; {quotes} quote(s) of the sources are shown instead"
    if not answer.checks:
        return f"the model's answer makes no claim to check; {quotes} quote(s) are shown under it"
    if answer.unsupported:
        return "not every sentence of this answer is supported by the sources"
    if shown.under is not None:
        return f"{shown.short_because}: {quotes} quote(s) of the sources are shown under it"
    return ""


def show_answer(shown: Presentation) -> None:
    """After the streamed tokens: the answer as shown, then the diagnostics on stderr."""
    print_shown(shown)
    report_diagnostics(shown)


def _documents(store: IndexReader, name: str) -> list[IndexedDocument]:
    from localqa.store.index import SourceNotFound
    from localqa.store.roots import find_documents

    found = find_documents(store.catalog, store.paths(), name)
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
    server: ServerOpt = None,
) -> None:
    """Answer a question from the indexed documents, with citations."""
    from localqa.answering.asked import require_words

    question = require_words(question)  # an empty one is a usage error before any loading
    if server:
        from localqa.cli.remote import ask_server, refuse_local_options

        refuse_local_options(
            index=index, home=home, model=model, n_gpu_layers=n_gpu_layers, extractive=extractive
        )
        shown_by = (show_answer, note_question_cut)
        ask_server(server, question, config, top_k, source or (), as_json, *shown_by)
        return
    builder = make_builder(
        config, index=index, home=home, model_path=model, n_gpu_layers=n_gpu_layers, top_k=top_k
    )
    _answer_here(builder, question, source or (), extractive, as_json)


def _answer_here(
    builder: Builder, question: str, source: Sequence[str], extractive: bool, as_json: bool
) -> None:
    """`ask` on this machine: the answer from `builder`'s index (and model, unless
    `extractive`), streamed to stdout as it is written, or as JSON once it is checked;
    `source`: the documents to answer from, by name (none: all)."""
    from localqa.answering.presentation import Shown, shown_stream

    store = builder.existing_index()
    documents = [d.abs_path for name in source for d in _documents(store, name)]
    llm = None if extractive else builder.load_model_beside(store)
    shown: Presentation | None = None
    answerer = builder.answerer(store, llm)
    for event in shown_stream(answerer, question, documents=documents):
        if isinstance(event, Shown):
            shown = event.presentation
        elif not as_json:
            sys.stdout.write(terminal_safe(event.text))
            sys.stdout.flush()
    assert shown is not None  # every stream ends with Shown
    cut = answerer.question_cut(question)
    if as_json:
        from localqa.store.roots import localized

        emit_json(localized({**shown.answer.as_json(), "question_cut": cut}, store.paths()))
    else:
        show_answer(shown)
    note_question_cut(cut)
    if llm is None and not extractive:
        print(f"note: {builder.no_model_found()}", file=sys.stderr)


def note_question_cut(cut: bool) -> None:
    """The note on stderr when the question was longer than the embedder's window."""
    if cut:
        sys.stdout.flush()
        print(
            "note: the question is longer than the embedder's window: only its first part "
            "was used for the dense search (the keyword search used all of it); a shorter "
            "question matches better",
            file=sys.stderr,
        )


def doctor(
    index: IndexOpt = None,
    home: HomeOpt = None,
    config: ConfigOpt = None,
    model: ModelOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Check the installation: versions, model files, GPU offload, index, network."""
    from localqa.doctor import down, run_checks

    report = run_checks(make_builder(config, index=index, home=home, model_path=model))
    if as_json:
        emit_json(report)
    else:
        for line in report_lines(report):
            typer.echo(terminal_safe(line, one_line=True))
    if code := report["integrity"]["exit_code"]:  # 4: damaged, 3: storage, 1: server down
        raise typer.Exit(code)
    if servers := down(report):  # a server the index or the model needs: as `ask` would
        typer.echo(f"localqa: error: {', '.join(servers)} down (see the report)", err=True)
        raise typer.Exit(1)


def report_lines(values: Any, depth: int = 0) -> Iterator[str]:
    """Doctor's findings as indented `key: value` lines, a nested section (a model's
    facts) one level further in, never as a Python dict."""
    items = values.items() if isinstance(values, dict) else enumerate(values)
    for key, value in items:
        if isinstance(value, dict | list):
            yield f"{'  ' * depth}{key}:"
            yield from report_lines(value, depth + 1)
        else:
            yield f"{'  ' * depth}{key}: {value}"
