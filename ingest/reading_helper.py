"""What runs inside the helper process that ingest/background.py starts: it reads and
splits its job's files in order, passes their events on through a bounded buffer and a
sender thread to the pipe, and keeps in shared memory which file it reads, since when, and
its CPU time then, for the parent's watchdog. Apart from background.py because this is the
child's side only (it never sees the watchdog or a restart); background.py is the parent's
side: starting helpers, watching them, and turning a death into one rejected file."""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from localqa.ingest.chunking import Chunker
from localqa.ingest.loaders.limits import Limits
from localqa.ingest.reader import ChunkerSpec, DocumentRejected, Event
from localqa.ingest.scan import WorkItem
from localqa.ingest.watch import few_heap_arenas, own_cpu_seconds, release_free_memory

# What the helper runs on each file: read_document, or a stand-in in tests (picklable:
# a module-level function).
ReadFunction = Callable[[int, WorkItem, Chunker, Limits], Iterator[Event]]

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.synchronize import Event as EventFlag

# Messages the helper may run ahead of the embedder (each one page's chunks or at most
# MESSAGE_CHUNKS of them): enough to read a 600-page PDF long before its embedding is
# done, so the two share the cores only briefly, while at most 32k chunks wait.
QUEUE_MESSAGES = 1024
POLL_SECONDS = 1.0
END = ("end", "")
# The helper's state: the item it reads (-1: none), since when (clock, waits excluded),
# and its CPU time when the item began.
ITEM, STARTED, CPU = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Job:
    """One helper's work: the chunker to build, all the items, the ones it is to read."""

    spec: ChunkerSpec
    work: list[WorkItem]
    todo: list[int]  # indexes into work, in order
    limits: Limits
    read: ReadFunction


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: Linux only


def _send_all(buffer: queue.Queue[object], conn: Connection) -> None:
    """The helper's sender thread: the buffer onto the pipe, until the end message. If it
    cannot send, the helper ends at once: the parent then sees an end of file, not a
    helper waiting forever for room."""
    while True:
        message = buffer.get()
        try:
            conn.send(message)
        except Exception:  # noqa: BLE001 - any failure: see above
            traceback.print_exc()
            os._exit(3)
        if isinstance(message, tuple):
            return


def produce(job: Job, conn: Connection, state: Any, busy: EventFlag, given_up: Any) -> None:
    """The helper process. `busy` is set while it reads and clear while it waits for room
    in the buffer or has finished; `state` says which item it reads, since when;
    `given_up[item]` is set as soon as an item is rejected."""
    _die_with_parent()
    # Ctrl-C reaches the whole process group: the parent reports it in one line and
    # stops this helper; a traceback from here would only repeat it
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    few_heap_arenas()
    parent = os.getppid()
    buffer: queue.Queue[object] = queue.Queue(QUEUE_MESSAGES)
    sender = threading.Thread(target=_send_all, args=(buffer, conn), daemon=True)
    sender.start()

    def put(message: object) -> None:
        try:
            buffer.put(message, block=False)
            return
        except queue.Full:
            busy.clear()  # waiting for room is not reading: the embedder may take the core
        waited_from = time.monotonic()
        while True:
            try:
                buffer.put(message, timeout=POLL_SECONDS)
                break
            except queue.Full:
                if os.getppid() != parent:  # the embedding process is gone: stop
                    os._exit(0)
        state[STARTED] += time.monotonic() - waited_from  # the wait is not reading time
        busy.set()

    busy.set()
    try:
        chunker = job.spec.build()
        for index in job.todo:
            state[STARTED] = time.monotonic()  # before the item: the watchdog reads it after
            state[CPU] = own_cpu_seconds()
            state[ITEM] = index
            for event in job.read(index, job.work[index], chunker, job.limits):
                if isinstance(event, DocumentRejected):
                    given_up[index] = 1
                put(event)
            release_free_memory()  # the next file starts from what it needs, not the last's peak
        state[ITEM] = -1
        message: object = END
    except Exception:  # noqa: BLE001 - a bug, not a bad file: report it whole to the parent
        message = ("crash", traceback.format_exc())
    busy.clear()
    put(message)
    sender.join()
