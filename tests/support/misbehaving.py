"""A stand-in for read_document that misbehaves on cue, run inside the reader process:
`hang*` never returns (and uses no CPU), `spin*` uses CPU without end, `nap*` waits
NAP seconds without using CPU (as a reader kept off the cores by a loaded machine) and
then reads the file, `hog*` grows without end, `die*` ends the process, `bug*` raises
(as a bug in the reader's own code would, outside read_document's care), `flood*` sends
its chunks FLOOD times over and then fails (leaving `flood*.done` beside it once the
failure is on its way); any other file is read for real. Bounded all the same, in case
the watchdog under test does not act."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

from localqa.ingest.chunking import Chunker
from localqa.ingest.loaders.limits import Limits
from localqa.ingest.reader import ChunksRead, DocumentRejected, Event, read_document
from localqa.ingest.scan import WorkItem

STEP = 20 * 1024 * 1024
MOST = 1024 * 1024 * 1024
FLOOD = 500
NAP = 4.0


def misbehave(index: int, item: WorkItem, chunker: Chunker, limits: Limits) -> Iterator[Event]:
    name = Path(item.file.abs_path).name
    if name.startswith("hang"):
        time.sleep(600)
    elif name.startswith("spin"):
        until = time.monotonic() + 600
        while time.monotonic() < until:
            pass
    elif name.startswith("nap"):
        time.sleep(NAP)
    elif name.startswith("hog"):
        held = []
        while len(held) * STEP < MOST:
            held.append(b"x" * STEP)  # written, so resident (a zeroed buffer might not be)
            time.sleep(0.02)
        time.sleep(600)
    elif name.startswith("die"):
        os._exit(7)
    elif name.startswith("bug"):
        raise RuntimeError("a bug, on purpose")
    elif name.startswith("flood"):
        real = read_document(index, item, chunker, limits)
        first = next(e for e in real if isinstance(e, ChunksRead))
        for _ in range(FLOOD):
            yield first
        yield DocumentRejected(index, "flooded; on purpose", skipped=False)
        Path(item.file.abs_path + ".done").touch()
        return
    yield from read_document(index, item, chunker, limits)
