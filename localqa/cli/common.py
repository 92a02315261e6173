"""What every command shares: the common options, one-line failures, JSON output.

Heavy modules are imported inside the commands that need them, so `localqa --help`
stays instant.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

if TYPE_CHECKING:
    from localqa.builder import Builder

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
ExtractiveOpt = Annotated[
    bool, typer.Option("--extractive", help="Quote passages; do not load a model.")
]


def fail(message: str, code: int = 1) -> NoReturn:
    """Print `localqa: error: <message>` on stderr and exit with `code`."""
    typer.echo(f"localqa: error: {message}", err=True)
    raise typer.Exit(code)


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
