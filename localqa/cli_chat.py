"""`localqa chat`: the terminal UI (the tui package is imported only when it runs)."""

from __future__ import annotations

from typing import Annotated

import typer

from localqa.cli import ConfigOpt, HomeOpt, IndexOpt, cli, make_app
from localqa.cli_answer import ExtractiveOpt, GpuOpt, ModelOpt

ResumeOpt = Annotated[
    bool, typer.Option("--resume", help="Reopen the latest conversation with this index.")
]


@cli.command()
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
    from localqa.conversations import ConversationStore
    from tui.app import ChatApp
    from tui.core import core_factory

    app = make_app(config, index=index, home=home, model_path=model, n_gpu_layers=n_gpu_layers)
    store = ConversationStore.in_home(app.settings.home)
    try:
        ChatApp(
            core_factory(app, use_model=not extractive),
            store,
            index_name=app.settings.index,
            resume=resume,
        ).run()
    finally:
        store.close()
