"""`localqa chat`: the terminal UI (the tui package is imported only when it runs)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from localqa.cli.common import (
    ConfigOpt,
    ExtractiveOpt,
    GpuOpt,
    HomeOpt,
    IndexOpt,
    ModelOpt,
    make_builder,
)

ResumeOpt = Annotated[
    bool, typer.Option("--resume", help="Reopen the latest conversation with this index.")
]


@contextmanager
def logging_to(path: Path) -> Iterator[None]:
    """While the TUI owns the terminal, log records go to a file: written to stderr they
    would land in the middle of the screen."""
    root = logging.getLogger()
    saved = root.handlers[:]
    handler: logging.Handler
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:  # a read-only home: the chat runs all the same, unlogged
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.handlers = [handler]
    try:
        yield
    finally:
        root.handlers = saved
        handler.close()


def chat(
    index: IndexOpt = None,
    home: HomeOpt = None,
    config: ConfigOpt = None,
    model: ModelOpt = None,
    n_gpu_layers: GpuOpt = None,
    extractive: ExtractiveOpt = False,
    resume: ResumeOpt = False,
) -> None:
    """Chat with your documents in a terminal UI: streamed, cited answers and follow-ups."""
    from localqa.tui.adapter import core_factory
    from localqa.tui.app import ChatApp

    builder = make_builder(
        config, index=index, home=home, model_path=model, n_gpu_layers=n_gpu_layers
    )
    chat_app = ChatApp(core_factory(builder, use_model=not extractive), resume=resume)
    with logging_to(builder.settings.home / "chat.log"):
        chat_app.run()
