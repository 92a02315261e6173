"""An iteration run on a worker thread, its items handed to the event loop as they come
(how the server streams an answer written on one of its threads), and an answer not
streamed that is given up when its client hangs up."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import (
    AsyncGenerator,
    Awaitable,
    Callable,
    Coroutine,
    Generator,
    Iterator,
)
from concurrent.futures import Executor
from typing import Any, TypeVar

T = TypeVar("T")


async def relay(
    start: Callable[[threading.Event], Iterator[T]], executor: Executor
) -> AsyncGenerator[T]:
    """The items of `start(stop)`, iterated on `executor` and handed to the loop; what it
    raises is raised here. Closing this early (a client gone, a task cancelled) sets `stop`
    and closes the iterator at its next item, so generation ends there."""
    loop = asyncio.get_running_loop()
    items: asyncio.Queue[tuple[bool, Any]] = asyncio.Queue()
    stop = threading.Event()

    def hand(item: tuple[bool, Any]) -> None:
        try:
            loop.call_soon_threadsafe(items.put_nowait, item)
        except RuntimeError:  # the loop is closed: nobody is waiting any more
            stop.set()

    def pump() -> None:
        source: Iterator[T] | None = None
        try:
            source = start(stop)
            for item in source:
                hand((True, item))
                if stop.is_set():
                    break
            hand((False, None))
        except BaseException as err:  # noqa: BLE001 - raised on the loop, in the endpoint
            hand((False, err))
        finally:
            if isinstance(source, Generator):
                source.close()  # at once: generation ends now, not when collected

    executor.submit(pump)
    try:
        while True:
            more, value = await items.get()
            if not more:
                if isinstance(value, BaseException):
                    raise value
                return
            yield value
    finally:
        stop.set()


class ClientGone(Exception):
    """The client hung up before its answer was written."""


async def unless_gone(
    work: Coroutine[Any, Any, T], gone: Callable[[], Awaitable[bool]], every_s: float = 0.2
) -> T:
    """`work`'s result, unless `gone()` (asked every `every_s` seconds) says the client
    hung up first: then `work` is cancelled (an answer being written stops at its next
    token, as when a stream's client goes) and ClientGone is raised."""
    task = asyncio.ensure_future(work)
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=every_s)
            if done:
                return task.result()
            if await gone():
                raise ClientGone
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task  # the answer's end, whatever it was: nobody is waiting for it
