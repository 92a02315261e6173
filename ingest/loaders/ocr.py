"""OCR of PDF pages without a text layer, offline: pages rendered by pypdfium2, read by
RapidOCR (PP-OCR models run by onnxruntime; the models ship inside the
rapidocr-onnxruntime wheel, nothing is downloaded). Reads English and Chinese.

About 3-11 s a page on two busy cores, most of it recognising the text boxes
(docs/BENCHMARKS-LOG.md, "Loader fidelity and OCR").
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Render scale: 1 = 72 dpi. At 2 (144 dpi) body text is ~25 px high, where PP-OCR's
# recogniser is trained; smaller scales lose accuracy on 9-10 pt text.
RENDER_SCALE = 2.0
# A memory bound, not a quality setting: at most this many pixels a page (a letter page at
# RENDER_SCALE is 1.9 million). A page declared 200 inches square, in a file of a few KB,
# would otherwise render to 830 million pixels (4.9 GB measured); larger pages render at a
# lower scale, as their text is larger too.
MAX_RENDER_PIXELS = 8_000_000
# A box whose vertical centre is within this share of its height of a line's centre
# belongs to that line.
SAME_LINE = 0.5
# Columns: boxes at least this share of the page wide are titles spanning columns; an empty
# strip this share of the page wide (or more) between boxes is a gutter between columns.
SPANNING = 0.55
MIN_GUTTER = 0.01

# PP-OCRv4's recogniser (trained mostly on Chinese) often drops the spaces of English
# text: "Loremipsumdolor". A time step whose best guess is CTC's blank but where the space
# has at least this share of the best probability is read as a space (SPACE_RATIO = 0:
# the library's plain reading). Chosen on the constitution benchmark (docs/BENCHMARKS-LOG.md).
SPACE_RATIO = 0.05
# ONNX Runtime threads per OCR model. The reader process works beside the embedder, which
# has the other cores: on its default (a thread per core, spinning while they wait), OCR of
# two scanned pages took 13.6-14.4 CPU-s, on one thread 7.5-9.8, no slower by the clock,
# the same text (docs/BENCHMARKS-LOG.md, issue 29).
OCR_THREADS = 1
# Groups of objects (form XObjects) within groups, looked into this deep; deeper ones
# count as drawings (could_add_text).
FORM_DEPTH = 15

_engine: Any = None
_engine_lock = threading.Lock()


class OcrUnavailable(Exception):
    """rapidocr-onnxruntime or pypdfium2 is not installed or cannot start."""


@dataclass(frozen=True, slots=True)
class OcrText:
    """A page read by OCR: its lines top to bottom and the mean confidence (0..1) of its
    characters."""

    text: str
    confidence: float


@dataclass(frozen=True, slots=True)
class _Box:
    top: float
    bottom: float
    left: float
    right: float
    text: str
    score: float

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2


def _get_engine() -> Any:
    global _engine
    with _engine_lock:
        if _engine is None:
            try:
                from rapidocr_onnxruntime import RapidOCR
            except ImportError as err:
                raise OcrUnavailable(str(err)) from err
            _engine = RapidOCR(intra_op_num_threads=OCR_THREADS)
            recogniser = _engine.text_rec
            recogniser.postprocess_op = _SpacedDecode(recogniser.postprocess_op, SPACE_RATIO)
        return _engine


class _SpacedDecode:
    """RapidOCR's CTC decoder, reading a likely space where it would read nothing."""

    def __init__(self, inner: Any, ratio: float) -> None:
        self.inner = inner
        self.ratio = ratio
        self.space = len(inner.character) - 1  # RapidOCR appends " " to the alphabet
        assert inner.character[self.space] == " "

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def __call__(self, preds: Any, *args: Any, **kwargs: Any) -> Any:
        if self.ratio > 0:
            import numpy as np

            preds = preds.copy()
            best = preds.max(axis=2)
            blank = preds.argmax(axis=2) == 0
            likely = blank & (preds[:, :, self.space] >= self.ratio * best)
            preds[:, :, self.space] = np.where(likely, best + 1e-6, preds[:, :, self.space])
        return self.inner(preds, *args, **kwargs)


@functools.cache
def available() -> bool:
    """Whether OCR can run here. Imports RapidOCR (onnxruntime, OpenCV: a quarter of a
    second), so it is asked only when a page needs OCR; the answer is kept."""
    try:
        import pypdfium2  # noqa: F401
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def could_add_text(pdf: Any, index: int) -> bool:
    """Whether OCR of page `index` (0-based) of `pdf` (an open pypdfium2 PdfDocument)
    could read text that its text layer does not give: the page draws something besides
    text (an image: a scan; a path: outlined letters; a shading), carries annotations
    (drawn too), or shows a glyph without a Unicode mapping (whose text comes out empty).
    A page that shows nothing but mapped text (a blank page, a page number alone) would
    be read as the text layer already says, for seconds of CPU: False. Any doubt (the page
    or its text cannot be read): True, and OCR decides."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        page = pdf[index]
    except pdfium.PdfiumError:
        return True
    try:
        if pdfium_c.FPDFPage_GetAnnotCount(page) != 0:
            return True
        for drawn in page.get_objects(max_depth=FORM_DEPTH):
            if drawn.type == pdfium_c.FPDF_PAGEOBJ_FORM and drawn.level < FORM_DEPTH - 1:
                continue  # a group of objects: they are visited next
            if drawn.type != pdfium_c.FPDF_PAGEOBJ_TEXT:
                return True
        textpage = page.get_textpage()
        try:
            codes = (
                pdfium_c.FPDFText_GetUnicode(textpage, i) for i in range(textpage.count_chars())
            )
            return any(_unmapped(code) for code in codes)
        finally:
            textpage.close()
    except pdfium.PdfiumError:
        return True
    finally:
        page.close()


def _unmapped(code: int) -> bool:
    """A character code PDFium gives a glyph it cannot map to Unicode: 0, U+FFFD, U+FFFE
    (also its mark of a hyphen at a line end: then OCR runs, as before), or a control."""
    return code in (0, 0xFFFD, 0xFFFE) or (code < 0x20 and code not in (0x09, 0x0A, 0x0D))


def _lines(boxes: list[_Box]) -> list[str]:
    """Boxes grouped into lines (top to bottom), each line's boxes left to right."""
    lines: list[list[_Box]] = []
    for box in sorted(boxes, key=lambda b: (b.middle, b.left)):
        last = lines[-1] if lines else None
        height = max(box.bottom - box.top, 1.0)
        if last and abs(box.middle - last[-1].middle) <= SAME_LINE * height:
            last.append(box)
        else:
            lines.append([box])
    return [" ".join(b.text for b in sorted(line, key=lambda b: b.left)) for line in lines]


def _gutter(boxes: list[_Box]) -> float | None:
    """The x of an empty vertical strip between two columns of text, if there is one:
    the widest strip in the middle half of the page that no box (other than boxes
    spanning both columns, such as titles) touches."""
    width = max(b.right for b in boxes)
    narrow = [b for b in boxes if b.right - b.left < SPANNING * width]
    covered = [False] * (int(width) + 1)
    for box in narrow:
        for x in range(int(box.left), int(box.right) + 1):
            covered[x] = True
    best: tuple[int, int] = (0, 0)
    start = None
    for x in range(int(width * 0.25), int(width * 0.75) + 1):
        if not covered[x] and start is None:
            start = x
        if (covered[x] or x == int(width * 0.75)) and start is not None:
            best = max(best, (x - start, start))
            start = None
    gap, at = best
    return at + gap / 2 if gap >= max(MIN_GUTTER * width, 4) else None


def _reading_order(boxes: list[_Box]) -> list[str]:
    """Lines in reading order: with two columns, between boxes that span both, the left
    column's lines and then the right one's."""
    if not boxes:
        return []
    gutter = _gutter(boxes)
    if gutter is None:
        return _lines(boxes)
    lines: list[str] = []
    left: list[_Box] = []
    right: list[_Box] = []
    for box in sorted(boxes, key=lambda b: (b.middle, b.left)):
        if box.left < gutter < box.right:  # spans the columns: ends a block
            lines += _lines(left) + _lines(right) + [box.text]
            left, right = [], []
        else:
            (left if box.right <= gutter else right).append(box)
    return lines + _lines(left) + _lines(right)


def read_image(image: Any) -> OcrText:
    """OCR of an image: a numpy array, height x width x 3, uint8, in BGR order (as
    pypdfium2 renders and OpenCV reads; RapidOCR expects it)."""
    result, _elapsed = _get_engine()(image)
    boxes = [
        _Box(
            top=min(p[1] for p in points),
            bottom=max(p[1] for p in points),
            left=min(p[0] for p in points),
            right=max(p[0] for p in points),
            text=str(text).strip(),
            score=float(score),
        )
        for points, text, score in result or ()
        if str(text).strip()
    ]
    chars = sum(len(b.text) for b in boxes)
    confidence = sum(b.score * len(b.text) for b in boxes) / chars if chars else 0.0
    return OcrText("\n".join(_reading_order(boxes)), confidence)


def render_page(path: Path, index: int, scale: float = RENDER_SCALE) -> Any:
    """Page `index` (0-based) of the PDF at `path` as a BGR numpy array (`read_image`)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return render_open_page(pdf, index, scale)
    finally:
        pdf.close()


def render_open_page(pdf: Any, index: int, scale: float = RENDER_SCALE) -> Any:
    """`render_page` for a PDF already open (a pypdfium2 PdfDocument), which stays open."""
    page = pdf[index]
    try:
        width, height = page.get_size()  # points: 1/72 inch, the size at scale 1
        scale = min(scale, (MAX_RENDER_PIXELS / max(width * height, 1.0)) ** 0.5)
        bitmap = page.render(scale=scale)
        try:
            return bitmap.to_numpy()[:, :, :3].copy()
        finally:
            bitmap.close()
    finally:
        page.close()


def ocr_pdf_page(pdf: Any, index: int) -> OcrText:
    """Page `index` (0-based) of a PDF read by OCR; `pdf` is an open pypdfium2 PdfDocument
    (the PDF loader's own, so the file is not opened twice). Raises OcrUnavailable when the
    packages are missing, and pypdfium2's PdfiumError when the page cannot be rendered."""
    if not available():
        raise OcrUnavailable("rapidocr-onnxruntime and pypdfium2 are needed")
    return read_image(render_open_page(pdf, index))
