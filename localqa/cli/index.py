"""`localqa index repair`: rebuild what can be rebuilt of a damaged index (ingest/repair.py)."""

from __future__ import annotations

import typer

from localqa.cli.common import ConfigOpt, HomeOpt, IndexOpt, make_builder
from localqa.errors import UsageError

app = typer.Typer(
    name="index",
    help="Look after the index itself.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.command()
def repair(index: IndexOpt = None, home: HomeOpt = None, config: ConfigOpt = None) -> None:
    """Rebuild what is damaged, cheapest first: the lexical index and BM25 arrays from the
    stored chunk text, missing vectors by re-embedding it, an unreadable catalog (set
    aside, kept) by re-ingesting. Exit 0 when the index is whole afterwards."""
    from localqa.ingest.repair import repair as run_repair
    from localqa.store.open import shared

    builder = make_builder(config, index=index, home=home)
    if shared(builder.settings.store):
        raise UsageError(
            "`localqa index repair` rebuilds an embedded index; a shared index lives in "
            "PostgreSQL, which keeps its own (see `localqa doctor`)"
        )
    after = run_repair(
        builder.settings.store,
        builder.embedder(),
        builder.settings.ingest,
        lambda line: typer.echo(line, err=True),
    )
    if after.exit_code:
        raise typer.Exit(after.exit_code)
