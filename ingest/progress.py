"""Progress on stderr: a bar on a terminal, plain lines otherwise; both say which file is
being read, each file's outcome with its reason (skipped, failed) or what to know about it
(read by OCR, warnings), and, once a run is long enough to tell, the time left.

The time left comes from the bytes still to read at the rate of the bytes done so far: a
rough guide (a scanned PDF reads slower per byte than a text file), said as "about".
"""

from __future__ import annotations

import sys
import time
from typing import Protocol, TextIO

from localqa.text import terminal_safe

# Before this many seconds, or this share of the bytes, a rate says too little to tell.
ETA_AFTER_S = 10.0
ETA_AFTER_SHARE = 0.02
# Plain lines say "reading NAME" only for a file this big (bytes): others pass quickly
# (the corpus's 872-page DOCX, minutes to read and embed, has 483 kB).
ANNOUNCE_BYTES = 250_000


class Progress(Protocol):
    def start(self, files: int, total_bytes: int = 0) -> None:
        """`files` to read, of `total_bytes` in all."""
        ...

    def reading(self, source: str, size: int) -> None:
        """The reader has begun this file (`size` bytes)."""
        ...

    def file_done(
        self, source: str, outcome: str, chunks: int, note: str = "", size: int = 0
    ) -> None:
        """A file is stored ("added", "updated") or not ("skipped", "failed"); `note`: its
        reason, or what to know about it ("read by OCR", a warning); `size` in bytes."""
        ...

    def chunks_stored(self, count: int) -> None: ...

    def finish(self) -> None: ...


class Eta:
    """Bytes done against bytes in all, and the time left at the rate so far."""

    def __init__(self) -> None:
        self.total = 0
        self.done = 0
        self._started = time.monotonic()

    def start(self, total: int) -> None:
        self.total = total
        self._started = time.monotonic()

    def left(self, now: float | None = None) -> str:
        """ "about 3 min left", or "" while too early to tell."""
        elapsed = (time.monotonic() if now is None else now) - self._started
        if elapsed < ETA_AFTER_S or self.done < self.total * ETA_AFTER_SHARE or not self.done:
            return ""
        seconds = (self.total - self.done) * elapsed / self.done
        return f"about {_duration(seconds)} left" if seconds >= 1 else ""


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _size(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size / 1e3:.0f} kB"


class PlainProgress:
    """One line per file: for logs, pipes and CI."""

    def __init__(self, stream: TextIO | None = None, quiet: bool = False) -> None:
        self._stream = stream or sys.stderr
        self._quiet = quiet
        self._total = 0
        self._done = 0
        self._chunks = 0
        self._eta = Eta()

    def _print(self, line: str) -> None:
        if not self._quiet:
            print(terminal_safe(line, one_line=True), file=self._stream, flush=True)

    def start(self, files: int, total_bytes: int = 0) -> None:
        self._total = files
        self._eta.start(total_bytes)
        if files:
            self._print(f"ingesting {files} file(s), {_size(total_bytes)}")

    def reading(self, source: str, size: int) -> None:
        if size >= ANNOUNCE_BYTES:
            left = self._eta.left()
            self._print(f"reading {source} ({_size(size)}){f'; {left}' if left else ''}")

    def file_done(
        self, source: str, outcome: str, chunks: int, note: str = "", size: int = 0
    ) -> None:
        self._done += 1
        self._eta.done += size
        if outcome in ("skipped", "failed"):
            said = f": {note}" if note else ""
            line = f"[{self._done}/{self._total}] {outcome.upper()}: {source}{said}"
        else:
            counted = "1 chunk" if chunks == 1 else f"{chunks} chunks"
            extra = f"; {note}" if note else ""
            line = f"[{self._done}/{self._total}] {outcome}: {source} ({counted}{extra})"
        left = self._eta.left()
        self._print(f"{line} · {left}" if left and self._done < self._total else line)

    def chunks_stored(self, count: int) -> None:
        self._chunks += count

    def finish(self) -> None:
        self._stream.flush()


class BarProgress:
    """A live bar (rich) over the bytes to read, with files, chunks, the file being read
    and the time left; skipped and failed files, and files with something to know, are
    printed above it with their reason as they happen."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, TextColumn, TimeRemainingColumn
        from rich.progress import Progress as RichProgress

        self._console = Console(stderr=True)
        self._bar = RichProgress(
            TextColumn("[bold]ingest"),
            BarColumn(),
            TextColumn("{task.fields[files]} files · {task.fields[chunks]} chunks"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[current]}"),
            console=self._console,
            transient=True,
        )
        self._task = self._bar.add_task("ingest", total=0, chunks=0, files="", current="")
        self._chunks = 0
        self._done = 0
        self._total = 0

    def start(self, files: int, total_bytes: int = 0) -> None:
        self._total = files
        self._bar.update(self._task, total=max(total_bytes, 1), files=f"0/{files}")
        self._bar.start()

    def reading(self, source: str, size: int) -> None:
        shown = terminal_safe(source, one_line=True)
        self._bar.update(self._task, current=f"reading {shown[-40:]}")

    def file_done(
        self, source: str, outcome: str, chunks: int, note: str = "", size: int = 0
    ) -> None:
        self._done += 1
        self._bar.update(self._task, advance=size, files=f"{self._done}/{self._total}")
        if note or outcome in ("skipped", "failed"):
            word = outcome.upper() if outcome in ("skipped", "failed") else outcome
            line = terminal_safe(f"{word}: {source}{f': {note}' if note else ''}", one_line=True)
            self._bar.console.print(line, markup=False, highlight=False)

    def chunks_stored(self, count: int) -> None:
        self._chunks += count
        self._bar.update(self._task, chunks=self._chunks)

    def finish(self) -> None:
        self._bar.stop()


def make_progress(quiet: bool = False) -> Progress:
    if not quiet and sys.stderr.isatty():
        return BarProgress()
    return PlainProgress(quiet=quiet)
