"""`localqa`: one Typer app; each command is added here, explicitly.

A `LocalqaError` from any command becomes one line on stderr and the error's exit code
(`LocalqaGroup.invoke`), so commands do not catch domain errors one by one, nor print
their own: they raise (a `CommandError`, whose detail lines follow, or a `UsageError`).
"""

from __future__ import annotations

import logging
import sys
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from localqa import __version__
from localqa.cli import answer, chat, documents, evaluate, serve
from localqa.cli import index as index_commands
from localqa.cli.common import CommandError, Launch
from localqa.errors import LocalqaError
from localqa.text import terminal_safe


class LocalqaGroup(TyperGroup):
    def invoke(self, ctx: Any) -> Any:  # typer.Context; typer vendors its own click
        try:
            return super().invoke(ctx)
        except LocalqaError as err:
            fail(err)
        except Exception as err:
            # a storage fault met outside the store's own translation (a full disk under
            # a cache folder, say) is one line too; anything else keeps its traceback
            from localqa.store.faults import translate

            if (known := translate(err)) is None:
                raise
            fail(known)


def fail(err: LocalqaError) -> NoReturn:
    """One line for `err` (and a CommandError's details), then its exit code."""
    typer.echo(f"localqa: error: {terminal_safe(str(err), one_line=True)}", err=True)
    for line in err.details if isinstance(err, CommandError) else ():
        typer.echo(f"  {terminal_safe(line, one_line=True)}", err=True)
    raise typer.Exit(err.exit_code) from None


cli = typer.Typer(
    name="localqa",
    cls=LocalqaGroup,
    help="Cited answers from your own documents, entirely offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(wanted: bool) -> None:
    if wanted:
        typer.echo(__version__)
        raise typer.Exit()


@cli.callback()
def main_options(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")] = False,
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )


def version() -> None:
    """Print the version."""
    typer.echo(__version__)


cli.command()(documents.ingest)
cli.command()(answer.ask)
cli.command()(chat.chat)
cli.command("eval")(evaluate.eval_command)
cli.command()(documents.sources)
# a file name beginning with a dash is a name, not an option (`forget -notes.txt`)
cli.command(context_settings={"ignore_unknown_options": True})(documents.forget)
cli.command()(answer.doctor)
cli.command()(serve.serve)
cli.command()(version)
cli.add_typer(index_commands.app)


def main() -> None:
    """The `localqa` console command."""
    cli(obj=Launch(own_process=True))
