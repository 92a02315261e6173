"""`localqa`: one Typer app; each command is added here, explicitly.

A `LocalqaError` from any command becomes one line on stderr and the error's exit code
(`LocalqaGroup.invoke`), so commands do not catch domain errors one by one, nor print
their own: they raise (a `CommandError`, whose detail lines follow, or a `UsageError`).
"""

from __future__ import annotations

import functools
import inspect
import logging
import sys
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from localqa import __version__
from localqa.cli import answer, chat, copying, documents, evaluate, mcp_command, serve
from localqa.cli import index as index_commands
from localqa.cli.common import INTERRUPTED, CommandError, Launch
from localqa.errors import LocalqaError
from localqa.text import terminal_safe


class LocalqaGroup(TyperGroup):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _in_plain_words(self)

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

        except KeyboardInterrupt:  # Ctrl-C: one line, no traceback (ingest says more)
            typer.echo("localqa: interrupted", err=True)
            raise typer.Exit(INTERRUPTED) from None


def fail(err: LocalqaError) -> NoReturn:
    """One line for `err` (and a CommandError's details), then its exit code."""
    typer.echo(f"localqa: error: {terminal_safe(str(err), one_line=True)}", err=True)
    for line in err.details if isinstance(err, CommandError) else ():
        typer.echo(f"  {terminal_safe(line, one_line=True)}", err=True)
    raise typer.Exit(err.exit_code) from None


def _in_plain_words(command: Any) -> None:
    """`command`'s --help, and its subcommands', in words: a docstring's first paragraph
    as one line; `--json`, not `--json <bool>`; `--top-k NUMBER`, not `<int>`."""
    if command.help:
        first, gap, rest = inspect.cleandoc(command.help).partition("\n\n")
        command.help = " ".join(first.split()) + gap + rest
    for param in command.params:
        setattr(param, "display_type_rich", functools.partial(_in_words, param))  # noqa: B010
    setattr(command, "get_help_option", _wordy_help(command.get_help_option))  # noqa: B010
    for sub in getattr(command, "commands", {}).values():
        _in_plain_words(sub)


def _in_words(param: Any, ctx: Any = None) -> str | None:
    """An option's value in words for --help: nothing for a flag, else TEXT, NUMBER or
    PATH, with "..." when it may be given several times."""
    if getattr(param, "is_flag", False):
        return None
    described = param.type_descriptor  # typer's reading of the annotation
    kind = "PATH" if described.is_path or "Path" in str(described.annotation) else "TEXT"
    if described.annotation in (int, float, list[int]):
        kind = "NUMBER"
    return f"{kind}..." if described.is_list else kind


def _wordy_help(get_help_option: Any) -> Any:
    """A command's `get_help_option`, its `--help` shown without a type, as a flag."""

    def help_option(ctx: Any) -> Any:
        option = get_help_option(ctx)
        if option is not None:
            setattr(option, "display_type_rich", functools.partial(_in_words, option))  # noqa: B010
        return option

    return help_option


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
cli.command()(mcp_command.mcp)
cli.command()(version)
index_commands.app.command("copy")(copying.copy)
cli.add_typer(index_commands.app)


def main() -> None:
    """The `localqa` console command."""
    cli(obj=Launch(own_process=True))
