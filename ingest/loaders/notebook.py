"""Jupyter notebooks (.ipynb): each cell is a page (page kind "cell": "survey.ipynb,
cell 3, lines 2-4", counted as the notebook shows them, from the top), holding the
cell's source as written (no JSON escaping) and, for a code cell, its text outputs:
printed text, results (`Out[1]: 0.3174`) and errors (name and message). Images and
other binary outputs are left out, with the text that only stands for them
(`<Figure size 640x480 with 1 Axes>`). Markdown headings are headings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from localqa.ingest.loaders.base import LoadedDocument, LoadError
from localqa.ingest.loaders.common import read_bytes, require_text
from localqa.ingest.loaders.encoding import decode_bytes, normalise_newlines
from localqa.ingest.loaders.limits import DEFAULT_LIMITS, LimitReached, Limits
from localqa.ingest.loaders.markup import markdown_headings
from localqa.schema import Page

_INVALID = "not a valid Jupyter notebook"
_RESAVE = "open it in Jupyter and save it again"
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")  # colours in tracebacks and logs
_TEXT_KINDS = ("text/plain", "text/markdown")


def _text(value: object) -> str:
    """A notebook string: one string, or a list of lines to join."""
    if isinstance(value, list):
        return "".join(part for part in value if isinstance(part, str))
    return value if isinstance(value, str) else ""


def _result(data: dict[str, Any]) -> str:
    """The text of a result or display: plain text or Markdown, else the text of its
    HTML; nothing when it is an image (its text/plain only names the object)."""
    if any(kind.startswith("image/") for kind in data):
        return ""
    for kind in _TEXT_KINDS:
        if kind in data:
            return _text(data[kind])
    if "text/html" in data:
        from localqa.ingest.loaders.html import extract_html

        return extract_html(_text(data["text/html"])).text
    return ""


def _output(output: dict[str, Any]) -> str:
    kind = output.get("output_type")
    if kind == "stream":
        return _text(output.get("text"))
    if kind in ("execute_result", "pyout"):
        text = _result(output.get("data") or output).strip("\n")
        count = output.get("execution_count") or output.get("prompt_number")
        label = f"Out[{count}]:" if isinstance(count, int) else "Out:"
        separator = "\n" if "\n" in text else " "  # a one-line result stays on its line
        return f"{label}{separator}{text}" if text else ""
    if kind == "display_data":
        return _result(output.get("data") or output)
    if kind in ("error", "pyerr"):
        return f"{_text(output.get('ename'))}: {_text(output.get('evalue'))}"
    return ""


def cell_text(cell: dict[str, Any]) -> str:
    """A cell as a page: its source, then (code cells) each text output on the lines
    right after it, as Jupyter shows them: a result is quoted with the code that made
    it (a blank line would part them); colour codes removed."""
    source = _text(cell.get("source", cell.get("input")))
    parts = [source.rstrip()]
    if cell.get("cell_type") == "code":
        outputs = cell.get("outputs") or []
        parts += [_output(o).strip("\n").rstrip() for o in outputs if isinstance(o, dict)]
    text = "\n".join(part for part in parts if part.strip())
    return normalise_newlines(_ANSI.sub("", text))


def _cells(notebook: dict[str, Any]) -> list[Any]:
    """The cells of an nbformat 4 notebook, or of the worksheets of an nbformat 3 one."""
    if isinstance(notebook.get("cells"), list):
        return list(notebook["cells"])
    sheets = notebook.get("worksheets")
    if isinstance(sheets, list):
        return [
            cell for sheet in sheets if isinstance(sheet, dict) for cell in sheet.get("cells") or []
        ]
    raise LoadError(f"{_INVALID} (no cells)", _RESAVE)


def _pages(cells: list[Any], limits: Limits) -> Iterator[Page]:
    if len(cells) > limits.max_pages:
        raise LimitReached(f"{len(cells):,} cells, more than {limits.max_pages:,}", "max_pages")
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict):
            yield Page(number=number, text="")
            continue
        text = cell_text(cell)
        markdown = cell.get("cell_type") in ("markdown", "heading")
        yield Page(number=number, text=text, headings=markdown_headings(text) if markdown else ())


def load_notebook(path: Path, limits: Limits = DEFAULT_LIMITS) -> LoadedDocument:
    """A notebook: one page (page kind "cell") per cell, in order."""
    try:
        notebook = json.loads(decode_bytes(read_bytes(path)).text)
    except (json.JSONDecodeError, RecursionError) as err:
        raise LoadError(f"{_INVALID} (broken JSON: {err})", _RESAVE) from err
    if not isinstance(notebook, dict):
        raise LoadError(f"{_INVALID} (not a JSON object)", _RESAVE)
    pages = require_text(_pages(_cells(notebook), limits), "no text found", "every cell is empty")
    return LoadedDocument(title=path.stem, page_kind="cell", pages=pages)
