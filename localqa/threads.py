"""`OwnThread`: one long-lived thread that runs calls and whole iterations for callers on
other threads. The index's SQLite connections may only be used by the thread that opened
them, so a front end that answers from many threads (the chat's workers, the server's
requests) runs every use of its parts on one `OwnThread`.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


class OwnThread:
    """Runs calls, and whole iterations, on one long-lived thread."""

    def __init__(self) -> None:
        self._ident: int | None = None
        self._pool = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="localqa-core", initializer=self._started
        )

    def _started(self) -> None:
        self._ident = threading.get_ident()

    def owns(self, thread: threading.Thread) -> bool:
        """Whether `thread` is this one's (a call from it must not wait for itself)."""
        return self._ident is not None and thread.ident == self._ident

    def call(self, fn: Callable[[], T]) -> T:
        return self._pool.submit(fn).result()

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        """Run `fn` on the thread after the calls before it; its future, at once."""
        return self._pool.submit(fn)

    def iterate(self, make: Callable[[], Iterator[T]]) -> Generator[T]:
        """Iterate `make()` on the thread, handing the items over. Closing the returned
        generator early closes `make()`'s at its next item (generation stops there)."""
        items: queue.Queue[tuple[bool, T | BaseException | None]] = queue.Queue()
        abandoned = threading.Event()

        def pump() -> None:
            source: Iterator[T] | None = None
            try:
                source = make()
                for item in source:
                    if abandoned.is_set():
                        return
                    items.put((True, item))
                items.put((False, None))
            except BaseException as err:  # noqa: BLE001 - handed to the consumer, raised there
                items.put((False, err))
            finally:
                if isinstance(source, Generator):
                    source.close()  # at once, not whenever it is garbage-collected

        self._pool.submit(pump)
        try:
            while True:
                more, value = items.get()
                if not more:
                    if isinstance(value, BaseException):
                        raise value
                    return
                yield value  # type: ignore[misc]  # `more` says it is a T
        finally:
            abandoned.set()

    def close(self, last: Callable[[], None] | None = None) -> None:
        """Stop taking work; run `last` after the step in progress, without waiting for it.
        The interpreter still joins the thread at exit, so `last` does run."""
        if last is not None:
            self._pool.submit(last)
        self._pool.shutdown(wait=False)
