"""/healthz's word on each part the server answers from, each asked with a short timeout so
that a part down is said at once, never after a pool's 15 s wait.

Parts: `index` (the catalog and lexical index: the embedded SQLite, or PostgreSQL), `vectors`
(a Chroma server; embedded vectors are the index's own), `model` (a model server at
`llm_url`; a GGUF in the process is loaded once and stays). Each is "ok", "none" (not
used) or one line on what is wrong. Without the index nothing can be answered: /healthz
is then a 503; without vectors answers come from keyword search alone, without the model
server none can be written: "degraded", still a 200.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from localqa.builder import Builder

HEALTH_TIMEOUT_S = 3  # each part's answer; a server that takes longer is said to be down
OK = "ok"


async def part_states(
    builder: Builder, read_index: Callable[[], Awaitable[Any]], model: bool
) -> dict[str, str]:
    """{"index", "vectors", "model"}: each part's state (module doc). `read_index` reads
    the index once (on its thread); `model`: whether a model writes answers."""
    from localqa.store.open import chroma_problem

    settings = builder.settings
    store = settings.store
    chroma = f"Chroma server {store.chroma_host}:{store.chroma_port}"
    server = f"model server {settings.llm_url}"
    index, vectors, model_state = await asyncio.gather(
        _index(builder, read_index),
        _within(chroma, lambda: chroma_problem(store)) if store.chroma_host else _said("none"),
        _within(server, lambda: builder.model_server_problem(HEALTH_TIMEOUT_S))
        if model and settings.llm_url
        else _said(OK if model else "none"),
    )
    return {"index": index, "vectors": vectors, "model": model_state}


def described(states: dict[str, str]) -> dict[str, Any]:
    """/healthz's `status` ("ok", else "degraded"), the parts not ok (`degraded`) and
    `parts`, for `states` (`part_states`)."""
    failing = [name for name, state in states.items() if state not in (OK, "none")]
    return {"status": "degraded" if failing else OK, "degraded": failing, "parts": states}


async def _said(state: str) -> str:
    return state


async def _within(part: str, problem: Callable[[], str]) -> str:
    """The line `problem()` returns (on a worker thread; "ok" for ""), or that `part` (its
    name) did not answer in time."""
    try:
        found = await asyncio.wait_for(asyncio.to_thread(problem), HEALTH_TIMEOUT_S)
    except TimeoutError:
        return f"{part}: no answer within {HEALTH_TIMEOUT_S} s"
    return found or OK


async def _index(builder: Builder, read_index: Callable[[], Awaitable[Any]]) -> str:
    """PostgreSQL asked directly first (a connection of its own, short timeout: the pool
    would wait 15 s for a server that is down), then a read of the index on its thread."""
    from localqa.errors import LocalqaError
    from localqa.store.open import database_name, database_problem, shared

    store = builder.settings.store
    if shared(store):
        where = f"PostgreSQL server {database_name(store)}"
        reached = await _within(where, lambda: database_problem(store, HEALTH_TIMEOUT_S))
        if reached != OK:
            return reached
    try:
        await asyncio.wait_for(read_index(), HEALTH_TIMEOUT_S)
    except TimeoutError:
        return f"the index: no answer within {HEALTH_TIMEOUT_S} s"
    except LocalqaError as err:
        return " ".join(str(err).split())
    return OK
