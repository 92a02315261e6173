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
    from localqa.config import Settings

HEALTH_TIMEOUT_S = 3.0  # each part's answer; a server that takes longer is said to be down
OK = "ok"


async def part_states(
    settings: Settings, read_index: Callable[[], Awaitable[Any]], model: bool
) -> dict[str, str]:
    """{"index", "vectors", "model"}: each part's state (module doc). `read_index` reads
    the index once (on its thread); `model`: whether a model writes answers."""
    index, vectors, model_state = await asyncio.gather(
        _index(settings, read_index),
        _within(_vectors, settings) if settings.store.chroma_host else _none(),
        _within(_model_server, settings) if model and settings.llm_url else _ok(model),
    )
    return {"index": index, "vectors": vectors, "model": model_state}


def described(states: dict[str, str]) -> dict[str, Any]:
    """/healthz's `status` ("ok", else "degraded"), the parts not ok (`degraded`) and
    `parts`, for `states` (`part_states`)."""
    failing = [name for name, state in states.items() if state not in (OK, "none")]
    return {
        "status": "degraded" if failing else OK,
        "degraded": failing,
        "parts": states,
    }


async def _none() -> str:
    return "none"


async def _ok(model: bool) -> str:
    return OK if model else "none"


async def _within(check: Callable[[Settings], str], settings: Settings) -> str:
    """`check(settings)` on a worker thread, or a line saying it did not answer in time."""
    try:
        return await asyncio.wait_for(asyncio.to_thread(check, settings), HEALTH_TIMEOUT_S)
    except TimeoutError:
        return f"no answer within {HEALTH_TIMEOUT_S:g} s"


async def _index(settings: Settings, read_index: Callable[[], Awaitable[Any]]) -> str:
    """PostgreSQL asked directly first (a connection of its own, short timeout: the pool
    would wait 15 s for a server that is down), then a read of the index on its thread."""
    from localqa.errors import LocalqaError

    if settings.store.database_url.get_secret_value():
        reached = await _within(_database, settings)
        if reached != OK:
            return reached
    try:
        await asyncio.wait_for(read_index(), HEALTH_TIMEOUT_S)
    except TimeoutError:
        return f"no answer within {HEALTH_TIMEOUT_S:g} s"
    except LocalqaError as err:
        return " ".join(str(err).split())
    return OK


def _database(settings: Settings) -> str:
    import psycopg

    from localqa.store.postgres.connection import explain

    url = settings.store.database_url.get_secret_value()
    try:
        psycopg.connect(url, connect_timeout=max(1, int(HEALTH_TIMEOUT_S))).close()
    except psycopg.Error as err:
        return str(explain(url, err))
    return OK


def _vectors(settings: Settings) -> str:
    import httpx

    where = f"Chroma server {settings.store.chroma_host}:{settings.store.chroma_port}"
    url = f"http://{settings.store.chroma_host}:{settings.store.chroma_port}/api/v2/heartbeat"
    try:
        httpx.get(url, timeout=HEALTH_TIMEOUT_S).raise_for_status()
    except httpx.HTTPError as err:
        return (
            f"{where} cannot be reached ({' '.join(str(err).split()) or type(err).__name__}); "
            "answers come from keyword search only until it is back"
        )
    return OK


def _model_server(settings: Settings) -> str:
    import httpx

    key = settings.llm_api_key.get_secret_value()
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    url = f"{settings.llm_url.rstrip('/')}/models"
    try:
        httpx.get(url, timeout=HEALTH_TIMEOUT_S, headers=headers).raise_for_status()
    except httpx.HTTPError as err:
        said = " ".join(str(err).split()) or type(err).__name__
        return f"model server {url} cannot be reached ({said}); no answer can be written"
    return OK
