"""OCR of PDF pages without a text layer: one small page rendered here, read offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from localqa.ingest.loaders import LoadOptions, open_document
from localqa.ingest.loaders.base import LoadError
from localqa.ingest.loaders.limits import Limits
from localqa.ingest.loaders.ocr import available
from tests.test_loaders import make_pdf

pytestmark = pytest.mark.skipif(not available(), reason="rapidocr-onnxruntime not installed")

LINES = ["Kelvara Technical Services", "overhauls the compressors"]


def image_only_pdf(tmp_path: Path, lines: list[str], *more: list[str]) -> Path:
    """A PDF whose pages are pictures of `lines` (and of each of `more`), no text layer,
    half a page tall each."""
    import pypdfium2 as pdfium

    text_pdf = tmp_path / "text.pdf"
    text_pdf.write_bytes(make_pdf(["\n".join(page) for page in (lines, *more)]))
    document = pdfium.PdfDocument(str(text_pdf))
    # the top of the page only: where the lines are (1/3 of 792 pt), at 144 dpi
    first, *rest = [
        page.render(scale=2, crop=(0, 500, 0, 0)).to_pil().convert("RGB") for page in document
    ]
    document.close()
    path = tmp_path / "scan.pdf"
    first.save(path, resolution=144.0, save_all=True, append_images=rest)
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


def test_ocr_stops_at_its_page_cap_and_the_file_is_still_added(tmp_path: Path) -> None:
    path = image_only_pdf(tmp_path, LINES, ["Second page"], ["Third page"])
    document = open_document(path, limits=Limits(max_ocr_pages=1))
    pages = list(document.pages)
    assert [page.text.split("\n") for page in pages] == [LINES, [""], [""]]
    assert document.warnings == [
        "read by OCR: page 1 (no text layer)",
        "OCR stopped after 1 page (`max_ocr_pages`): pages 2-3 not read; if they matter, "
        "raise `max_ocr_pages` or run `ocrmypdf in.pdf out.pdf` and ingest the result",
    ]


def test_ocr_stops_before_the_read_timeout_would_cost_the_file(tmp_path: Path) -> None:
    path = image_only_pdf(tmp_path, LINES, ["Second page"])
    # OCR may take half of read_timeout_s: the first page uses up 1 ms at once
    document = open_document(path, limits=Limits(read_timeout_s=0.002))
    assert [page.text.split("\n")[0] for page in document.pages] == [LINES[0], ""]
    [stopped] = [w for w in document.warnings if w.startswith("OCR stopped")]
    assert "`read_timeout_s`, 0.002 s): page 2 not read" in stopped


def test_a_page_showing_only_a_few_mapped_characters_is_not_read_by_ocr(tmp_path: Path) -> None:
    # a page number alone, a blank page: OCR would read what the text layer says, for
    # seconds (DA-619p's page 182); a scan's page still goes to OCR (above)
    path = tmp_path / "numbered.pdf"
    path.write_bytes(make_pdf(["Kelvara Technical Services overhauls the compressors", "5", ""]))
    document = open_document(path)
    pages = list(document.pages)
    assert [(page.text, page.ocr_confidence) for page in pages[1:]] == [("5", None), ("", None)]
    assert document.warnings == ["no text on page 3 (blank or pictures only)"]


def test_ocr_could_add_text_to_a_scan_not_to_text_alone(tmp_path: Path) -> None:
    import pypdfium2 as pdfium

    from localqa.ingest.loaders.ocr import could_add_text

    text = tmp_path / "numbered.pdf"
    text.write_bytes(make_pdf(["5", ""]))
    for path, expected in ((text, [False, False]), (image_only_pdf(tmp_path, LINES), [True])):
        document = pdfium.PdfDocument(str(path))
        try:
            assert [could_add_text(document, i) for i in range(len(document))] == expected
        finally:
            document.close()


def test_ocr_computes_on_one_thread_beside_the_embedder() -> None:
    from localqa.ingest.loaders.ocr import _get_engine

    engine = _get_engine()
    sessions = [engine.text_det.infer, engine.text_cls.infer, engine.text_rec.session]
    assert [s.session.get_session_options().intra_op_num_threads for s in sessions] == [1, 1, 1]
