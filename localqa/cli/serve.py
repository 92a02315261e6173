"""`localqa serve`: the index and the answerer behind an HTTP API (localqa/server/),
imported only when this command runs, so no other command loads fastapi."""

from __future__ import annotations

import errno
import ipaddress
import logging
import socket
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
from localqa.errors import LocalqaError, UsageError


def loopback(host: str) -> bool:
    """Whether `host` names this machine only (127.0.0.0/8, ::1, localhost)."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False
    return bool(addresses) and all(ipaddress.ip_address(a).is_loopback for a in addresses)


def serve(
    host: Annotated[
        str | None, typer.Option("--host", help="Address to listen on (default 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port (default 8000).")] = None,
    index: IndexOpt = None,
    home: HomeOpt = None,
    config: ConfigOpt = None,
    model: ModelOpt = None,
    n_gpu_layers: GpuOpt = None,
    extractive: ExtractiveOpt = False,
) -> None:
    """Serve the index over HTTP, to this machine (others: with api_token).

    Endpoints:
    POST /v1/ask               an answer, as `ask --json` (stream: events)
    POST /v1/chat/completions  OpenAI-compatible chat, model "localqa"
    GET  /v1/models            the one model, "localqa"
    GET  /v1/sources           the documents, as `sources --json`
    GET  /healthz              the index, the model, questions in hand
    GET  /openapi.json         the schema of all of them

    One line a request on stderr: method, path, status, time.
    Questions are answered at once, each on a thread of its own;
    a GGUF here writes one answer at a time (llm_url: llm_parallel);
    beyond max_queue waiting: 503 with Retry-After.
    """
    builder = make_builder(
        config,
        index=index,
        home=home,
        model_path=model,
        n_gpu_layers=n_gpu_layers,
        serve_host=host,
        serve_port=port,
    )
    serving = builder.settings.serving
    if serving.api_token is None and not loopback(serving.serve_host):
        raise UsageError(
            f"--host {serving.serve_host} is reachable from other machines: set api_token "
            "(LOCALQA_API_TOKEN) first, or serve on 127.0.0.1"
        )
    builder.existing_index().close()  # IndexMissing now, as one line, not at startup
    import asyncio

    import uvicorn

    from localqa.server.app import create_app
    from localqa.server.engine import Engine

    bound = bound_socket(serving.serve_host, serving.serve_port)
    # the index opened and the model loaded (or its server checked) before "serving on":
    # a missing or broken model, or a model server down, is one line and exit 1, as in
    # `ask`, not a traceback from the app's startup (uvicorn's exit 3)
    engine = Engine(builder, serving.max_queue, use_model=not extractive)
    try:
        asyncio.run(engine.load())
    except BaseException:
        engine.close()
        bound.close()
        raise
    app = create_app(builder, use_model=not extractive, engine=engine)
    logging.getLogger("localqa.server.access").setLevel(logging.INFO)  # one line a request
    typer.echo(f"localqa: serving on http://{serving.serve_host}:{serving.serve_port}", err=True)
    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[bound])


# The address of the other IP family that clients of a loopback or wildcard host reach
# too: most clients try "localhost" as ::1 first (curl, browsers), so a program listening
# on ::1 (or on :: alone, IPV6_V6ONLY) takes localhost:PORT from localqa on 127.0.0.1,
# though binding 127.0.0.1 succeeds. (:: without IPV6_V6ONLY holds IPv4 as well: its own
# bind finds an IPv4 listener.)
OTHER_FAMILY = {"127.0.0.1": "::1", "localhost": "::1", "::1": "127.0.0.1", "0.0.0.0": "::"}


def bound_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to `host`:`port`, for uvicorn to listen on: bound here so that a
    port in use is one line before "serving on" is said, also when another program
    listens on it in the other IP family only (`OTHER_FAMILY`). Raises LocalqaError."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
    try:
        sock.bind((host, port))
    except OSError as err:
        sock.close()
        why = "is in use" if err.errno == errno.EADDRINUSE else f"cannot be used ({err.strerror})"
        raise LocalqaError(
            f"port {port} on {host} {why}: pick another with --port (or serve_port), or stop "
            "what listens there"
        ) from err
    other = OTHER_FAMILY.get(host)
    if other is not None and listened_on(other, port):
        sock.close()
        raise LocalqaError(
            f"port {port} is taken on {other} by another program: clients asking for "
            f"localhost:{port} may reach it instead; pick another with --port (or "
            "serve_port), or stop what listens there"
        )
    return sock


def listened_on(host: str, port: int) -> bool:
    """Whether a socket listens on `host`:`port` (an IP address, that family only): a
    bind there finds it in use. SO_REUSEADDR, as a server binds, so that connections of
    a server that has gone (TIME_WAIT) do not count; False where the family is not
    available on this machine (no IPv6)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        probe = socket.socket(family, socket.SOCK_STREAM)
    except OSError:
        return False
    with probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:  # that family alone: localqa's own socket is IPv4
            probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        try:
            probe.bind((host, port))
        except OSError as err:
            return err.errno == errno.EADDRINUSE
    return False
