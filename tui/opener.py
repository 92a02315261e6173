"""Opening a cited file at its place: $PAGER for text, the system viewer otherwise."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.app import App, SuspendNotSupported

from localqa.answering.conversations import Source

# Formats a pager can show as they are; anything else (PDF, Office, EPUB) needs a viewer.
TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".rst", ".csv", ".tsv", ".html", ".htm",
                           ".json", ".xml", ".log", ".py"})  # fmt: skip
# Pagers and editors that understand `+N` as "start at line N".
LINE_AWARE = frozenset({"less", "more", "most", "vi", "vim", "nvim", "view", "nano", "emacs"})


@dataclass(frozen=True)
class ViewCommand:
    argv: list[str]
    in_terminal: bool  # True: the app must suspend while it runs


def view_command(
    path: Path, line: int, environ: Mapping[str, str] | None = None
) -> ViewCommand | None:
    """How to show `path` at `line`, or None when nothing here can show it."""
    env = os.environ if environ is None else environ
    pager = env.get("PAGER", "").strip()
    if pager and path.suffix.lower() in TEXT_SUFFIXES:
        argv = shlex.split(pager)
        if Path(argv[0]).name in LINE_AWARE and line > 0:
            argv.append(f"+{line}")
        return ViewCommand([*argv, str(path)], in_terminal=True)
    opener = shutil.which("xdg-open") or shutil.which("open")
    if opener:
        return ViewCommand([opener, str(path)], in_terminal=False)
    if pager:  # a pager is still better than nothing for an unknown format
        return ViewCommand([*shlex.split(pager), str(path)], in_terminal=True)
    return None


def open_in_viewer(app: App[Any], source: Source) -> str | None:
    """Show the source's file; a message for the user when that is not possible. A pager
    takes over the terminal, so the app suspends while it runs."""
    path = Path(source.chunk.abs_path)
    if not path.is_file():
        return f"{path} is no longer there; re-run `localqa ingest` to refresh the index."
    command = view_command(path, source.chunk.line_start)
    if command is None:
        return "Nothing here can open files: set $PAGER, or install xdg-open."
    try:
        if not command.in_terminal:
            subprocess.Popen(command.argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
            return None
        with app.suspend():
            subprocess.run(command.argv, check=False)
    except SuspendNotSupported:
        return f"This terminal cannot hand over to {command.argv[0]}; open {path} yourself."
    except OSError as err:
        return f"Could not run {command.argv[0]}: {err.strerror or err}"
    return None
