"""Opening a cited file at its place: $PAGER for text (at the quote's line), a PDF viewer
at the cited page, the system viewer for other formats; where nothing can show the file
itself, the pager shows the cited text as extracted, the quote marked."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App, SuspendNotSupported

from localqa.answering.conversations import Source
from localqa.schema import Chunk

if TYPE_CHECKING:
    from localqa.store.roots import PathMap

# Formats a pager can show as they are; anything else (PDF, Office, EPUB) needs a viewer.
TEXT_SUFFIXES = frozenset(
    {
        ".txt",
        ".md",
        ".markdown",
        ".rst",
        ".csv",
        ".tsv",
        ".html",
        ".htm",
        ".json",
        ".xml",
        ".log",
        ".py",
    }
)
# Pagers and editors that understand `+N` as "start at line N".
LINE_AWARE = frozenset({"less", "more", "most", "vi", "vim", "nvim", "view", "nano", "emacs"})
# PDF viewers that open at a page, and how to ask them (N: the 1-based page).
PDF_VIEWERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("zathura", ("--page={page}", "{path}")),
    ("evince", ("--page-index={page}", "{path}")),
    ("okular", ("-p", "{page}", "{path}")),
    ("qpdfview", ("{path}#{page}",)),
    ("mupdf", ("{path}", "{page}")),
    ("xpdf", ("{path}", "{page}")),
)
QUOTE_MARKS = (">>> ", " <<<")


@dataclass(frozen=True)
class ViewCommand:
    argv: list[str]
    in_terminal: bool  # True: the app must suspend while it runs


def _pager(env: Mapping[str, str], path: Path, line: int) -> ViewCommand | None:
    pager = env.get("PAGER", "").strip() or ("less" if shutil.which("less") else "")
    if not pager:
        return None
    argv = shlex.split(pager)
    if Path(argv[0]).name in LINE_AWARE and line > 0:
        argv.append(f"+{line}")
    return ViewCommand([*argv, str(path)], in_terminal=True)


def _pdf_viewer(path: Path, page: int) -> ViewCommand | None:
    for name, template in PDF_VIEWERS:
        program = shutil.which(name)
        if program:
            args = [part.format(page=page, path=path) for part in template]
            return ViewCommand([program, *args], in_terminal=False)
    return None


def view_command(
    path: Path, line: int, environ: Mapping[str, str] | None = None, page: int = 0
) -> ViewCommand | None:
    """How to show `path` at `line` (text files) or `page` (PDFs), or None when nothing
    here can show the file itself (a binary format and no viewer for it)."""
    env = os.environ if environ is None else environ
    if path.suffix.lower() in TEXT_SUFFIXES and env.get("PAGER", "").strip():
        return _pager(env, path, line)
    if path.suffix.lower() == ".pdf" and page > 0 and (viewer := _pdf_viewer(path, page)):
        return viewer
    opener = shutil.which("xdg-open") or shutil.which("open")
    if opener:
        return ViewCommand([opener, str(path)], in_terminal=False)
    if path.suffix.lower() in TEXT_SUFFIXES:
        return _pager(env, path, line)
    return None  # never a pager on a binary file: see extract_view


def quote_line(chunk: Chunk, quote: str) -> int:
    """The page line where `quote` (whitespace-normalised) begins in the chunk; the
    chunk's first line when it cannot be found."""
    return chunk.quote_lines(quote)[0]


def extract_view(source: Source, folder: Path, where: str = "") -> tuple[Path, int]:
    """A text file in `folder` with the cited text as localqa extracted it, the quote
    marked, and the line to open it at: for PDFs and other formats with no viewer here."""
    chunk = source.chunk
    text = chunk.text
    quote_at = 0
    if source.quote:
        pattern = r"\s+".join(re.escape(word) for word in source.quote.split())
        found = re.search(pattern, text)
        if found:
            start, end = found.span()
            text = f"{text[:start]}{QUOTE_MARKS[0]}{text[start:end]}{QUOTE_MARKS[1]}{text[end:]}"
            quote_at = text.count("\n", 0, start)
    header = [
        f"{chunk.location()} (text as extracted by localqa; {chunk.lines_named()} of that "
        f"{chunk.kind}, the quote marked {' '.join(QUOTE_MARKS)})",
        f"file: {where or chunk.abs_path}",
        "",
    ]
    path = folder / f"{Path(chunk.source).name}.{chunk.kind}{chunk.page}.txt"
    path.write_text("\n".join(header) + text + "\n", encoding="utf-8")
    return path, len(header) + quote_at


def open_in_viewer(app: App[Any], source: Source, paths: PathMap | None = None) -> str | None:
    """Show the source's file, where it is on this machine (`paths`: the index's roots
    and where `source_roots` mounts them); a message for the user when that is not
    possible. A pager takes over the terminal, so the app suspends while it runs."""
    path = Path(paths.local(source.chunk.abs_path) if paths else source.chunk.abs_path)
    if not path.is_file():
        return f"{path} is no longer there; re-run `localqa ingest` to refresh the index."
    line = quote_line(source.chunk, source.quote)
    command = view_command(path, line, page=source.chunk.page)
    if command is None:  # no viewer for this format: its text as localqa read it
        folder = Path(tempfile.mkdtemp(prefix="localqa-view-"))
        shown, at = extract_view(source, folder, str(path))
        command = _pager(os.environ, shown, at)
    if command is None:
        return "Nothing here can open files: set $PAGER, or install xdg-open."
    try:
        if not command.in_terminal:
            subprocess.Popen(
                command.argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            return None
        with app.suspend():
            subprocess.run(command.argv, check=False)
    except SuspendNotSupported:
        return f"This terminal cannot hand over to {command.argv[0]}; open {path} yourself."
    except OSError as err:
        return f"Could not run {command.argv[0]}: {err.strerror or err}"
    return None
