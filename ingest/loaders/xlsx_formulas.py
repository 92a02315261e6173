"""Values for formula cells that were saved without one.

A workbook written by a library (openpyxl, xlsxwriter, pandas) stores formulas but no
results: Excel computes them when it opens the file, openpyxl never does. Such cells are
computed here with the `formulas` package, the whole workbook at once and only when a
cell needs it; a workbook too large to compute keeps the formula text instead.
"""

from __future__ import annotations

import contextlib
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

# Larger workbooks keep the formula text: `formulas` compiles every cell, which takes
# minutes on tens of thousands of cells.
MAX_COMPUTE_BYTES = 2_000_000

# (sheet name in upper case, cell reference such as "D3") -> computed value
Values = dict[tuple[str, str], object]


def _cell_key(name: str) -> tuple[str, str] | None:
    """`'[book.xlsx]BUDGET'!D3` -> ("BUDGET", "D3"); None for ranges."""
    sheet, _, cell = name.rpartition("!")
    if not sheet or ":" in cell:
        return None
    return sheet.strip("'").rpartition("]")[2].upper(), cell.upper()


def _scalar(value: object) -> object:
    """A one-cell result as a plain Python value (numpy arrays and scalars unwrapped)."""
    while hasattr(value, "tolist"):
        value = value.tolist()
        while isinstance(value, list) and len(value) == 1:
            value = value[0]
    return value


def compute_workbook(path: Path) -> Values | None:
    """Every cell's value as computed by `formulas`; None when the workbook is too large
    or `formulas` cannot compute it (a function it does not know, a broken reference)."""
    if path.stat().st_size > MAX_COMPUTE_BYTES:
        return None
    import formulas  # imported here: compiling a formula model is rarely needed

    quiet = io.StringIO()  # `formulas` draws a progress bar on stderr
    logging.getLogger("formulas").setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stderr(quiet):
            solution = formulas.ExcelModel().loads(str(path)).finish().calculate()
    except Exception:  # noqa: BLE001 - any failure of the library means: keep the formula text
        return None
    values: Values = {}
    for name, ranges in solution.items():
        key = _cell_key(str(name))
        if key is not None:
            values[key] = _scalar(getattr(ranges, "value", ranges))
    return values


@dataclass
class FormulaCells:
    """Formula cells without a saved value met while reading one workbook: their values
    (computed once, on first need) and how many there were."""

    path: Path
    computed: int = 0
    kept_text: int = 0
    _values: Values | None = None
    _tried: bool = False
    examples: list[str] = field(default_factory=list)

    def value(self, sheet: str, cell: str, formula: str) -> object:
        """The computed value of `sheet!cell`, else the formula text (`=B3*C3`)."""
        if not self._tried:
            self._tried = True
            self._values = compute_workbook(self.path)
        value = (self._values or {}).get((sheet.upper(), cell.upper()))
        if value is None or type(value).__name__ == "XlError":
            self.kept_text += 1
            if len(self.examples) < 3:
                self.examples.append(f"{sheet}!{cell}")
            return formula
        self.computed += 1
        return value

    def warning(self) -> str | None:
        """One line for the ingest report, or None when every cell had a saved value."""
        missing = self.computed + self.kept_text
        if not missing:
            return None
        line = f"{missing} formula cell{'s' if missing > 1 else ''} had no saved value"
        if self.computed:
            line += f"; {self.computed} computed"
        if self.kept_text:
            line += (
                f"; {self.kept_text} kept as formula text (e.g. {', '.join(self.examples)}): "
                "open and save the file in Excel or LibreOffice to store their values"
            )
        return line
