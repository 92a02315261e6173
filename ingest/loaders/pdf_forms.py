"""The values of a filled PDF form (AcroForm fields that were not flattened) as part of
the page they sit on.

A field's value is not in the page's text layer: PDFium's text extraction gives the
labels ("Requested parking zone:") and nothing the person typed. Each value is put where
a reader sees it: after the text to its left on the line beside it ("Requested parking
zone: Zone C, level minus two"), or, where no line of text is beside the field, as a
line of its own between the lines above and below it. Ticked boxes read "[x]", empty
ones "[ ]".
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import Any

import pypdfium2.raw as pdfium_c

# Fields read on one page at most: a form has tens; a hostile file may have millions.
MAX_FIELDS = 2_000
_LINE_BREAK = "\r\n"  # how PDFium's text separates lines
_TEXT_KINDS = frozenset(
    {
        pdfium_c.FPDF_FORMFIELD_TEXTFIELD,
        pdfium_c.FPDF_FORMFIELD_COMBOBOX,
        pdfium_c.FPDF_FORMFIELD_LISTBOX,
    }
)
_BOX_KINDS = frozenset({pdfium_c.FPDF_FORMFIELD_CHECKBOX})
_RADIO = pdfium_c.FPDF_FORMFIELD_RADIOBUTTON


@dataclass(frozen=True, slots=True)
class _Box:
    left: float
    bottom: float
    right: float
    top: float

    @property
    def middle(self) -> float:
        return (self.bottom + self.top) / 2


@dataclass(frozen=True, slots=True)
class _Field:
    value: str
    box: _Box


def init_forms(pdf: Any) -> None:
    """Start PDFium's form environment for a PDF with a form (before any page is loaded:
    pages loaded after it carry their fields); nothing for a PDF without one."""
    if pdf.get_formtype() != pdfium_c.FORMTYPE_NONE:
        pdf.init_forms()


def _field_value(form: Any, annot: Any) -> str | None:
    kind = pdfium_c.FPDFAnnot_GetFormFieldType(form, annot)
    if kind in _BOX_KINDS or kind == _RADIO:
        checked = pdfium_c.FPDFAnnot_IsChecked(form, annot)
        return "[x]" if checked else ("[ ]" if kind in _BOX_KINDS else None)
    if kind not in _TEXT_KINDS:
        return None
    size = pdfium_c.FPDFAnnot_GetFormFieldValue(form, annot, None, 0)
    if size <= 2:  # an empty string is its terminating NUL alone
        return None
    buffer = ctypes.create_string_buffer(size)
    pointer = ctypes.cast(buffer, ctypes.POINTER(pdfium_c.FPDF_WCHAR))
    pdfium_c.FPDFAnnot_GetFormFieldValue(form, annot, pointer, size)
    value = buffer.raw[: size - 2].decode("utf-16-le", errors="replace")
    return " ".join(value.split()) or None


def _fields(page: Any) -> list[_Field]:
    """The page's form fields that have a value, with their rectangles."""
    form = page.formenv.raw if page.formenv else None
    if form is None:
        return []
    fields: list[_Field] = []
    for index in range(min(pdfium_c.FPDFPage_GetAnnotCount(page.raw), MAX_FIELDS)):
        annot = pdfium_c.FPDFPage_GetAnnot(page.raw, index)
        if not annot:
            continue
        try:
            if pdfium_c.FPDFAnnot_GetSubtype(annot) != pdfium_c.FPDF_ANNOT_WIDGET:
                continue
            value = _field_value(form, annot)
            rect = pdfium_c.FS_RECTF()
            if value and pdfium_c.FPDFAnnot_GetRect(annot, rect):
                box = _Box(
                    min(rect.left, rect.right),
                    min(rect.bottom, rect.top),
                    max(rect.left, rect.right),
                    max(rect.bottom, rect.top),
                )
                fields.append(_Field(value, box))
        finally:
            pdfium_c.FPDFPage_CloseAnnot(annot)
    return fields


def _char_boxes(textpage: Any, start: int, end: int) -> list[tuple[int, _Box]]:
    """The boxes of the characters `start`..`end` that are drawn (not generated spaces or
    line breaks)."""
    boxes = []
    left, right = ctypes.c_double(), ctypes.c_double()
    bottom, top = ctypes.c_double(), ctypes.c_double()
    for index in range(start, end):
        if pdfium_c.FPDFText_IsGenerated(textpage.raw, index) == 1:
            continue
        if pdfium_c.FPDFText_GetCharBox(textpage.raw, index, left, right, bottom, top):
            boxes.append((index, _Box(left.value, bottom.value, right.value, top.value)))
    return boxes


def _beside(field: _Field, boxes: list[tuple[int, _Box]]) -> bool:
    """Whether the line of these characters runs beside the field (overlaps its middle)."""
    low = min(box.bottom for _, box in boxes)
    high = max(box.top for _, box in boxes)
    return low <= field.box.middle <= high or field.box.bottom <= (low + high) / 2 <= field.box.top


def with_fields(page: Any, textpage: Any, raw: str) -> str:
    """`raw` (the page's text from PDFium, lines separated by CR LF) with the values of
    the page's form fields put in their reading places; `raw` itself when it has none."""
    fields = _fields(page)
    if not fields:
        return raw
    placed: list[tuple[float, str]] = []  # (the line's height on the page, its text)
    start, middle = 0, float("inf")
    unplaced = fields
    for line in raw.split(_LINE_BREAK) if raw else []:
        first = start
        start += len(line) + len(_LINE_BREAK)
        boxes = _char_boxes(textpage, first, first + len(line))
        if boxes:  # a line without drawn characters keeps the height of the one before
            middle = sum(box.middle for _, box in boxes) / len(boxes)
            here = [f for f in unplaced if _beside(f, boxes)]
            unplaced = [f for f in unplaced if f not in here]
            line = _insert(line, first, boxes, here)
        placed.append((middle, line))
    return _LINE_BREAK.join(_merge(placed, unplaced))


def _insert(line: str, start: int, boxes: list[tuple[int, _Box]], fields: list[_Field]) -> str:
    """`line` with each field's value after the last character to its left (at the start
    when none is), right to left so that earlier offsets hold."""
    for field in sorted(fields, key=lambda f: -f.box.left):
        if field.value in line:
            continue
        left = [index for index, box in boxes if (box.left + box.right) / 2 < field.box.left]
        cut = left[-1] - start + 1 if left else 0
        before, after = line[:cut].rstrip(), line[cut:].lstrip()
        line = " ".join(part for part in (before, field.value, after) if part)
    return line


def _merge(placed: list[tuple[float, str]], fields: list[_Field]) -> list[str]:
    """The lines, with each field that no line runs beside as a line of its own, above
    the first line lower on the page than the field's middle."""
    lines: list[str] = []
    waiting = sorted(fields, key=lambda f: -f.box.middle)
    for middle, text in placed:
        while waiting and waiting[0].box.middle > middle:
            lines.append(waiting.pop(0).value)
        lines.append(text)
    lines.extend(field.value for field in waiting)
    return lines
