"""Reading in a helper process: beside the embedder, and under time and memory limits.

Most loaders (BeautifulSoup, openpyxl, python-docx) and the splitter are pure Python: in
the embedding process they would hold the GIL while the embedder waits. A helper process
reads and splits the next documents while the main process embeds, and runs ahead through
a bounded buffer (memory stays flat).

The helper is also where a hostile file is contained. A watchdog thread here kills it
when it spends more than `read_cpu_s` of CPU time on one file, or more than
`read_timeout_s` by the clock (time spent waiting for room in the buffer excluded), or
grows past `reader_memory_mb`, or past what `ingest_memory_mb` leaves beside this
process (ingest/watch.py); a helper that dies, or is killed,
costs the file it was reading (one DocumentRejected) and a new helper goes on with the
rest. Messages reach this process through a pipe whose only writer is the helper, so a
helper killed mid-message leaves an end of file here, never a hang. A file given up (a
limit, a kill) is flagged at once in shared memory, so that its chunks still on the way
are dropped here rather than embedded.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from localqa.ingest.loaders.limits import DEFAULT_LIMITS, Limits
from localqa.ingest.reader import (
    ChunkerSpec,
    ChunksRead,
    DocumentRead,
    DocumentRejected,
    Event,
    ReaderFailed,
    read_document,
)
from localqa.ingest.reading_helper import (
    CPU,
    END,
    ITEM,
    POLL_SECONDS,
    QUEUE_MESSAGES,
    STARTED,
    Job,
    ReadFunction,
    produce,
)
from localqa.ingest.scan import WorkItem
from localqa.ingest.watch import Sample, cpu_seconds, resident_bytes, verdict

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.synchronize import Event as EventFlag

# The helper's side (ingest/reading_helper.py): its buffer's size, its poll and the read
# function's type are importable from here as before.
__all__ = ["POLL_SECONDS", "QUEUE_MESSAGES", "BackgroundReader", "ReadFunction"]

WATCH_SECONDS = 0.1


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """SIGINT ignored in this process meanwhile (only the main thread may say so)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class _Helper:
    """One helper process, its pipe and its watchdog."""

    def __init__(self, context: Any, job: Job, given_up: Any, beside_main: bool) -> None:
        receiver, sender = context.Pipe(duplex=False)
        self.state = context.Array("d", [-1.0, 0.0, 0.0], lock=False)
        self.busy: EventFlag = context.Event()
        self._given_up = given_up
        self.process = context.Process(
            target=produce, args=(job, sender, self.state, self.busy, given_up), daemon=True
        )
        with _sigint_ignored():  # inherited through exec: no traceback while it starts
            self.process.start()
        sender.close()  # the helper holds the only writer: its death is an end of file here
        self._receiver: Connection = receiver
        self._limits = job.limits
        self._main_pid = os.getpid() if beside_main else None
        self.verdict: tuple[int, str, str] | None = None  # (item, problem, setting) if killed
        self._stop = threading.Event()
        self._watchdog = threading.Thread(target=self._watch, daemon=True)
        self._watchdog.start()

    def messages(self) -> Iterator[object]:
        """What the helper sends, until it ends or dies."""
        while True:
            try:
                yield self._receiver.recv()
            except (EOFError, OSError):  # gone; a message cut short by a kill ends here too
                return

    def victim(self) -> int:
        """The item the helper was reading when it died or was killed (-1: none)."""
        return self.verdict[0] if self.verdict else int(self.state[ITEM])

    def _watch(self) -> None:
        pid = self.process.pid or 0
        while not self._stop.wait(WATCH_SECONDS) and self.process.is_alive():
            state = self.state
            sample = Sample(
                item=int(state[ITEM]),
                busy=self.busy.is_set(),
                reading_s=time.monotonic() - state[STARTED],
                cpu_s=cpu_seconds(pid) - state[CPU],
                reader_bytes=resident_bytes(pid),
                main_bytes=resident_bytes(self._main_pid) if self._main_pid else 0,
            )
            if (broken := verdict(self._limits, sample)) is not None:
                self._kill(sample.item, *broken)

    def _kill(self, item: int, problem: str, setting: str) -> None:
        self.verdict = (item, problem, setting)
        self.process.kill()
        if item >= 0:
            self._given_up[item] = 1
        self._stop.set()

    def close(self) -> None:
        self._stop.set()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=10)
        self._watchdog.join(timeout=10)
        self._receiver.close()


class BackgroundReader:
    """Reads and splits `work` in helper processes; iterate once for its events.
    `reading()` says whether a helper is working now (not finished, not waiting for room
    in its buffer), so that the embedder can leave it a core meanwhile. `beside_main`:
    this process's memory counts with the helper's toward `ingest_memory_mb`."""

    def __init__(
        self,
        work: Sequence[WorkItem],
        spec: ChunkerSpec,
        limits: Limits = DEFAULT_LIMITS,
        read: ReadFunction = read_document,
        *,
        beside_main: bool = False,
    ) -> None:
        self._context = multiprocessing.get_context("spawn")  # no fork of a process with torch
        self._beside_main = beside_main
        self._work = list(work)
        self._spec = spec
        self._limits = limits
        self._read = read
        self._given_up = self._context.Array("b", max(1, len(self._work)), lock=False)
        self._helper: _Helper | None = self._start(list(range(len(self._work))))

    def _start(self, todo: list[int]) -> _Helper:
        job = Job(self._spec, self._work, todo, self._limits, self._read)
        return _Helper(self._context, job, self._given_up, self._beside_main)

    def reading(self) -> bool:
        return self._helper is not None and self._helper.busy.is_set()

    def __iter__(self) -> Iterator[Event]:
        todo = list(range(len(self._work)))
        yielded: dict[int, int] = {}  # chunks of each item already passed on
        while self._helper is not None:
            helper = self._helper
            received: dict[int, int] = {}
            finished: set[int] = set()
            try:
                for message in helper.messages():
                    if message == END:
                        return
                    if isinstance(message, tuple):
                        victim = helper.victim()
                        source = self._work[victim].file.source if victim >= 0 else None
                        raise ReaderFailed.crashed(source, message[1])
                    if isinstance(message, ChunksRead) and self._given_up[message.item]:
                        continue  # on its way to failing: not worth embedding
                    event = _fresh(message, received, yielded)
                    if isinstance(event, DocumentRead | DocumentRejected):
                        finished.add(event.item)
                    if event is not None:
                        yield event
                helper.process.join(timeout=10)
                rejected = _rejection(helper, finished)
            finally:
                helper.close()
                self._helper = None
            todo = [i for i in todo if i not in finished and i != _item(rejected)]
            if rejected is None and not finished:
                raise ReaderFailed.died(_how(helper))
            if rejected is not None:
                yield rejected
            if todo:
                self._helper = self._start(todo)


def _how(helper: _Helper) -> str:
    code = helper.process.exitcode
    return f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"


def _item(rejected: DocumentRejected | None) -> int:
    return rejected.item if rejected is not None else -1


def _fresh(message: object, received: dict[int, int], yielded: dict[int, int]) -> Event | None:
    """The event, less the chunks an earlier helper already passed on for its item (a
    new helper reads the file it had begun again, from the start: files read the same
    every time). None when nothing of it is new."""
    assert isinstance(message, ChunksRead | DocumentRead | DocumentRejected)
    if not isinstance(message, ChunksRead):
        return message
    item, chunks = message.item, message.chunks
    start = received.get(item, 0)
    received[item] = start + len(chunks)
    new = chunks[max(0, yielded.get(item, 0) - start) :]
    yielded[item] = max(yielded.get(item, 0), received[item])
    return ChunksRead(item, new) if new else None


def _rejection(helper: _Helper, finished: set[int]) -> DocumentRejected | None:
    """The file a dead helper was reading, as one FAILED event; None if it was between
    files."""
    victim = helper.victim()
    if victim < 0 or victim in finished:
        return None
    if helper.verdict is not None:
        _, problem, setting = helper.verdict
        reason = f"{problem}; if it is genuine, raise `{setting}`"
    else:
        reason = (
            f"the reader process died while reading it ({_how(helper)}; out of memory?); "
            "re-save it in the application that made it, or raise `reader_memory_mb`"
        )
    return DocumentRejected(victim, reason, skipped=False)
