"""What every command shares: the common options, the command's own errors, JSON output.

Heavy modules are imported inside the commands that need them, so `localqa --help`
stays instant.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from localqa.errors import LocalqaError, UsageError

if TYPE_CHECKING:
    from localqa.builder import Builder

# The exit status of an interrupted command (128 + SIGINT), as shells give it.
INTERRUPTED = 130

IndexOpt = Annotated[str | None, typer.Option("--index", help="Named index to use.")]
HomeOpt = Annotated[Path | None, typer.Option("--home", help="Where indexes live (LOCALQA_HOME).")]
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="A TOML settings file.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
ModelOpt = Annotated[
    str | None, typer.Option("--model", help="A GGUF model file (default: the one in models/).")
]
GpuOpt = Annotated[
    str | None, typer.Option("--n-gpu-layers", help="Layers to offload: a number or 'auto'.")
]
ServerOpt = Annotated[
    str | None,
    typer.Option(
        "--server",
        help="Ask a `localqa serve` at this URL (http://host:port) instead of a local index.",
    ),
]
ExtractiveOpt = Annotated[
    bool, typer.Option("--extractive", help="Quote passages; do not load a model.")
]


class CommandError(LocalqaError):
    """What a command was asked cannot be done (exit 1). `details`: lines the error line is
    followed by, e.g. the documents a name could mean (localqa.cli.main prints them)."""

    def __init__(self, message: str, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.details = tuple(details)


class AmbiguousName(CommandError, UsageError):
    """A name that several documents answer to (exit 2: say which); `details` lists them."""


@dataclass(frozen=True)
class Launch:
    """How this process was started, handed to the commands as typer's `ctx.obj`."""

    # The `localqa` console command itself: its whole memory counts toward
    # `ingest_memory_mb`. Not where the commands run inside another program (a test
    # session's CliRunner), whose memory is not localqa's.
    own_process: bool = False


def own_process(ctx: typer.Context) -> bool:
    """Whether this process is localqa's own program (see `Launch`)."""
    return isinstance(ctx.obj, Launch) and ctx.obj.own_process


def make_builder(config: Path | None, **overrides: Any) -> Builder:
    """The composition root for this command; a bad setting is a ConfigError (exit 2)."""
    from localqa.builder import Builder

    return Builder.from_options(config, **overrides)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=None) + "\n")
