"""`localqa mcp`: the index and the answerer as Model Context Protocol tools over stdio
(localqa/server/mcp_server.py), imported only when this command runs, so no other command
loads the `mcp` SDK."""

from __future__ import annotations

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


def mcp(
    index: IndexOpt = None,
    home: HomeOpt = None,
    config: ConfigOpt = None,
    model: ModelOpt = None,
    n_gpu_layers: GpuOpt = None,
    extractive: ExtractiveOpt = False,
) -> None:
    """Serve the index to an agent host over MCP (stdio): tools search, ask, sources."""
    builder = make_builder(
        config, index=index, home=home, model_path=model, n_gpu_layers=n_gpu_layers
    )
    builder.existing_index().close()  # IndexMissing now, as one line, before the protocol
    from localqa.server.mcp_server import serve_stdio

    try:
        serve_stdio(builder, use_model=not extractive)
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
