"""`localqa ingest`, `sources` and `forget`."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from localqa.cli.common import ConfigOpt, HomeOpt, IndexOpt, JsonOpt, emit_json, fail, make_builder
from localqa.text import terminal_safe

if TYPE_CHECKING:
    from ingest.report import IngestReport
    from localqa.builder import Builder


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to ingest.")],
    index: IndexOpt = None,
    home: HomeOpt = None,
    config: ConfigOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would change; change nothing.")
    ] = False,
    as_json: JsonOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
) -> None:
    """Read, split, embed and store documents; only what changed is redone."""
    builder = make_builder(config, index=index, home=home)
    report = _dry_run(builder, paths) if dry_run else _ingest(builder, paths, quiet)
    if as_json:
        emit_json(report.as_json())
    if not quiet:
        for line in report.summary_lines():
            typer.echo(terminal_safe(line, one_line=True), err=True)
    if report.failed:
        raise typer.Exit(1)


def _ingest(builder: Builder, paths: list[Path], quiet: bool) -> IngestReport:
    from ingest.pipeline import Ingestor
    from ingest.progress import make_progress

    store = builder.index()
    try:
        return Ingestor(store, builder.embedder(), make_progress(quiet=quiet)).run(paths)
    finally:
        store.close()


def _dry_run(builder: Builder, paths: list[Path]) -> IngestReport:
    """The plan against the index as it is; an index not built yet is not created."""
    from ingest.pipeline import Ingestor
    from localqa.builder import Builder
    from localqa.store.index import Index

    with contextlib.ExitStack() as stack:
        if not Index.exists(builder.settings):  # plan against an empty index that goes away
            scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="localqa-")))
            builder = Builder(builder.settings.model_copy(update={"home": scratch}))
        store = builder.index()
        stack.callback(store.close)
        return Ingestor(store, builder.embedder()).run(paths, dry_run=True)


def sources(
    index: IndexOpt = None, home: HomeOpt = None, config: ConfigOpt = None, as_json: JsonOpt = False
) -> None:
    """List the documents in the index."""
    store = make_builder(config, index=index, home=home).existing_index()
    try:
        listed = store.sources()
    finally:
        store.close()
    if as_json:
        emit_json(
            [{"path": s.path, "last_page": s.last_page, "chunks": s.chunks,
              "ingested_at": s.ingested_at, "abs_path": s.abs_path} for s in listed]
        )  # fmt: skip
        return
    for s in listed:
        path = terminal_safe(s.path, one_line=True)
        typer.echo(f"{path}\tlast page {s.last_page}\t{s.chunks} chunks\t{s.ingested_at}")
    typer.echo(f"{len(listed)} document(s)", err=True)


def forget(
    path: Annotated[str, typer.Argument(help="A document as `sources` lists it, or its path.")],
    index: IndexOpt = None,
    home: HomeOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Remove one document's chunks from the index."""
    builder = make_builder(config, index=index, home=home)
    store = builder.existing_index()
    try:
        matches = store.find_documents(path)
        if not matches:
            shown = terminal_safe(path, one_line=True)
            fail(f"{shown} is not in index {builder.settings.index!r}; see `localqa sources`")
        with store.writing():
            for doc in matches:
                store.forget(doc)
                shown = terminal_safe(doc.source, one_line=True)
                typer.echo(f"forgot {shown} ({doc.chunks} chunks)", err=True)
    finally:
        store.close()
