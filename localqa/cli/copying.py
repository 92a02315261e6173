"""`localqa index copy`: the configured index copied into another store as it is, vectors
included, no file re-read or re-embedded (localqa/store/copy.py)."""

from __future__ import annotations

from typing import Annotated

import typer

from localqa.cli.common import ConfigOpt, HomeOpt, IndexOpt, make_builder
from localqa.errors import UsageError


def copy(
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="postgresql://user:password@host:port/db for a shared index, or `embedded` "
            "for the index under LOCALQA_HOME.",
        ),
    ],
    to_chroma: Annotated[
        str | None,
        typer.Option(
            "--to-chroma",
            help="HOST:PORT of the Chroma server for the copy's vectors; `embedded` for "
            "a folder under LOCALQA_HOME. Default: where the index's own vectors are.",
        ),
    ] = None,
    index: IndexOpt = None,
    home: HomeOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Copy the index to a shared one in PostgreSQL (or back), vectors included; an ingest
    against the copy then finds every file unchanged."""
    from pydantic import SecretStr

    from localqa.store.copy import copy_index
    from localqa.store.open import open_index

    builder = make_builder(config, index=index, home=home)
    if to != "embedded" and not to.startswith(("postgresql://", "postgres://")):
        raise UsageError(f"--to {to!r}: give postgresql://... or `embedded`")
    target: dict[str, object] = {"database_url": SecretStr("" if to == "embedded" else to)}
    if to_chroma == "embedded":
        target["chroma_host"] = ""
    elif to_chroma:
        host, _, port = to_chroma.rpartition(":")
        if not host or not port.isdigit():
            raise UsageError(f"--to-chroma {to_chroma!r}: give HOST:PORT or `embedded`")
        target |= {"chroma_host": host, "chroma_port": int(port)}
    settings = builder.settings.model_copy(update=target)
    if settings.store == builder.settings.store:
        raise UsageError("the copy would be the index itself: give another --to")
    with builder.existing_index() as source, open_index(settings.store) as copy_to:
        copied = copy_index(source, copy_to)
    typer.echo(
        f"{copied.documents} documents copied ({copied.chunks} chunks with their vectors), "
        f"{copied.unchanged} already there",
        err=True,
    )
