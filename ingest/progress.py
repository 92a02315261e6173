"""Progress on stderr: a bar with ETA on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import Protocol, TextIO

from localqa.text import terminal_safe


class Progress(Protocol):
    def start(self, files: int) -> None: ...
    def file_done(self, source: str, outcome: str, chunks: int) -> None: ...
    def chunks_stored(self, count: int) -> None: ...
    def finish(self) -> None: ...


class PlainProgress:
    """One line per file: for logs, pipes and CI."""

    def __init__(self, stream: TextIO | None = None, quiet: bool = False) -> None:
        self._stream = stream or sys.stderr
        self._quiet = quiet
        self._total = 0
        self._done = 0
        self._chunks = 0

    def start(self, files: int) -> None:
        self._total = files
        if not self._quiet and files:
            print(f"ingesting {files} file(s)", file=self._stream)

    def file_done(self, source: str, outcome: str, chunks: int) -> None:
        self._done += 1
        if not self._quiet:
            shown = terminal_safe(source, one_line=True)  # a file name may hold escapes
            counted = "1 chunk" if chunks == 1 else f"{chunks} chunks"
            print(f"[{self._done}/{self._total}] {outcome}: {shown} ({counted})", file=self._stream)

    def chunks_stored(self, count: int) -> None:
        self._chunks += count

    def finish(self) -> None:
        self._stream.flush()


class BarProgress:
    """A live bar (rich) with files, chunks and ETA, for an interactive terminal."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as RichProgress

        self._console = Console(stderr=True)
        self._bar = RichProgress(
            TextColumn("[bold]ingest"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("files · {task.fields[chunks]} chunks · {task.fields[rate]}"),
            TimeRemainingColumn(),
            console=self._console,
            transient=True,
        )
        self._task = self._bar.add_task("ingest", total=0, chunks=0, rate="")
        self._chunks = 0
        self._started = time.monotonic()

    def start(self, files: int) -> None:
        self._bar.update(self._task, total=files)
        self._bar.start()

    def file_done(self, source: str, outcome: str, chunks: int) -> None:
        self._bar.advance(self._task)

    def chunks_stored(self, count: int) -> None:
        self._chunks += count
        rate = self._chunks / max(time.monotonic() - self._started, 1e-6)
        self._bar.update(self._task, chunks=self._chunks, rate=f"{rate:.0f}/s")

    def finish(self) -> None:
        self._bar.stop()


def make_progress(quiet: bool = False) -> Progress:
    if not quiet and sys.stderr.isatty():
        return BarProgress()
    return PlainProgress(quiet=quiet)
