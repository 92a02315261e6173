"""`localqa ingest`, `sources` and `forget`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from localqa.cli import ConfigOpt, HomeOpt, IndexOpt, JsonOpt, cli, emit_json, fail, make_app


@cli.command()
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
    from ingest.chunking import ChunkSizeError
    from ingest.pipeline import Ingestor
    from ingest.progress import make_progress
    from localqa.embedder import EmbedderError
    from localqa.lock import IndexBusy
    from localqa.vectors import VectorStoreError

    app = make_app(config, index=index, home=home)
    progress = make_progress(quiet=quiet)
    try:
        store = app.index()
        report = Ingestor(store, app.embedder(), progress).run(paths, dry_run=dry_run)
    except (IndexBusy, EmbedderError, VectorStoreError, ChunkSizeError) as err:
        fail(str(err))
    if as_json:
        emit_json(report.as_json())
    if not quiet:
        for line in report.summary_lines():
            typer.echo(line, err=True)
    if report.failed:
        raise typer.Exit(1)


@cli.command()
def sources(
    index: IndexOpt = None, home: HomeOpt = None, config: ConfigOpt = None, as_json: JsonOpt = False
) -> None:
    """List the documents in the index."""
    from localqa.index import IndexMissing

    app = make_app(config, index=index, home=home)
    try:
        listed = app.existing_index().sources()
    except IndexMissing as err:
        fail(str(err))
    if as_json:
        emit_json(
            [{"path": s.path, "pages": s.pages, "chunks": s.chunks,
              "ingested_at": s.ingested_at, "abs_path": s.abs_path} for s in listed]
        )  # fmt: skip
        return
    for s in listed:
        typer.echo(f"{s.path}\t{s.pages} pages\t{s.chunks} chunks\t{s.ingested_at}")
    typer.echo(f"{len(listed)} document(s)", err=True)


@cli.command()
def forget(
    path: Annotated[str, typer.Argument(help="A document as `sources` lists it, or its path.")],
    index: IndexOpt = None,
    home: HomeOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Remove one document's chunks from the index."""
    from localqa.index import IndexMissing
    from localqa.lock import IndexBusy

    app = make_app(config, index=index, home=home)
    try:
        store = app.existing_index()
        matches = store.find_documents(path)
        if not matches:
            fail(f"{path} is not in index {app.settings.index!r}; see `localqa sources`")
        with store.writing():
            for doc in matches:
                store.forget(doc)
                typer.echo(f"forgot {doc.source} ({doc.chunks} chunks)", err=True)
    except (IndexMissing, IndexBusy) as err:
        fail(str(err))
