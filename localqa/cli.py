"""The command line: thin, with logging and diagnostics on stderr.

Domain errors become one line and a non-zero exit. Heavy modules are imported inside
the commands that need them, so `localqa --help` stays instant.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from localqa import __version__

cli = typer.Typer(
    name="localqa",
    help="Cited answers from your own documents, entirely offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

IndexOpt = Annotated[str | None, typer.Option("--index", help="Named index to use.")]
HomeOpt = Annotated[Path | None, typer.Option("--home", help="Where indexes live (LOCALQA_HOME).")]
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="A TOML settings file.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"localqa: error: {message}", err=True)
    raise typer.Exit(code)


def make_app(config: Path | None, **overrides: Any) -> Any:
    from localqa.app import App
    from localqa.config import ConfigError

    try:
        return App.from_options(config, **overrides)
    except ConfigError as err:
        fail(str(err), 2)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=None) + "\n")


@cli.callback()
def main_options(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")] = False,
) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not verbose:
        # pypdf narrates every repaired cross-reference; the one-line outcome per file is ours
        logging.getLogger("pypdf").setLevel(logging.ERROR)


@cli.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def main() -> None:
    from localqa import cli_answer, cli_chat, cli_eval, cli_index  # noqa: F401 - they register commands

    cli()
