"""OCR of PDF pages without a text layer: one small page rendered here, read offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.loaders import LoadOptions, open_document
from ingest.loaders.base import LoadError
from ingest.loaders.ocr import available
from tests.test_loaders import make_pdf

pytestmark = pytest.mark.skipif(not available(), reason="rapidocr-onnxruntime not installed")

LINES = ["Kelvara Technical Services", "overhauls the compressors"]


def image_only_pdf(tmp_path: Path, lines: list[str]) -> Path:
    """A PDF whose one page is a picture of `lines` (no text layer), half a page tall."""
    import pypdfium2 as pdfium

    text_pdf = tmp_path / "text.pdf"
    text_pdf.write_bytes(make_pdf(["\n".join(lines)]))
    document = pdfium.PdfDocument(str(text_pdf))
    # the top of the page only: where the lines are (1/3 of 792 pt), at 144 dpi
    image = document[0].render(scale=2, crop=(0, 500, 0, 0)).to_pil().convert("RGB")
    document.close()
    path = tmp_path / "scan.pdf"
    image.save(path, resolution=144.0)
    return path


def test_a_scanned_page_is_read_and_marked(tmp_path: Path) -> None:
    path = image_only_pdf(tmp_path, LINES)
    document = open_document(path)
    [page] = list(document.pages)
    assert page.ocr_confidence is not None and page.ocr_confidence > 0.8
    assert page.text.split("\n") == LINES
    assert document.warnings == ["read by OCR: page 1 (no text layer)"]


def test_with_ocr_off_a_scan_is_refused_with_advice(tmp_path: Path) -> None:
    path = image_only_pdf(tmp_path, LINES[:1])
    with pytest.raises(LoadError) as caught:
        open_document(path, options=LoadOptions(ocr=False))
    assert caught.value.problem == "no text layer (scanned or image-only PDF)"
    assert "ocr = true" in caught.value.advice


def test_blank_pages_fail_after_ocr_finds_nothing(tmp_path: Path) -> None:
    path = tmp_path / "blank.pdf"
    path.write_bytes(make_pdf(["", ""]))
    with pytest.raises(LoadError, match=r"^no text layer .*OCR found no text either"):
        list(open_document(path).pages)
