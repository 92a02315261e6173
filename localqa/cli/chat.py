"""`localqa chat`: the terminal UI (the tui package is imported only when it runs)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from localqa.cli.common import (
    ConfigOpt,
    ExtractiveOpt,
    GpuOpt,
    HomeOpt,
    IndexOpt,
    ModelOpt,
    ServerOpt,
    make_builder,
)

if TYPE_CHECKING:
    from localqa.builder import Builder
    from localqa.tui.adapter import CoreFactory

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
    server: ServerOpt = None,
) -> None:
    """Chat with your documents in a terminal UI: streamed, cited answers and follow-ups."""
    from localqa.tui.adapter import core_factory
    from localqa.tui.app import ChatApp

    if server:
        from localqa.cli.remote import refuse_local_options

        refuse_local_options(
            index=index, model=model, n_gpu_layers=n_gpu_layers, extractive=extractive
        )
    builder = make_builder(
        config, index=index, home=home, model_path=model, n_gpu_layers=n_gpu_layers
    )
    factory: CoreFactory
    if server:
        factory = remote_factory(builder, server)
    else:
        factory = core_factory(builder, use_model=not extractive)
    chat_app = ChatApp(factory, resume=resume)
    with logging_to(builder.settings.home / "chat.log"):
        chat_app.run()


def remote_factory(builder: Builder, url: str) -> CoreFactory:
    """The chat's core over the localqa server at `url`, with the `api_token` setting as
    its token; conversations saved in this machine's home; cited files opened where this
    machine's `source_roots` mount their roots. Raises UsageError (a URL that
    is not http(s))."""
    from localqa.client.chat import RemoteCore
    from localqa.client.http import ServerClient

    token = builder.settings.serving.api_token
    ServerClient(url, token).close()  # a bad URL is a usage error now, not in the UI
    mounts = builder.settings.source_roots  # cited files opened where this machine mounts them
    return lambda: RemoteCore(ServerClient(url, token), builder.conversation_store, mounts)
