"""The real ingest pipeline (loaders, MiniLM, Chroma, SQLite) on sample_docs/."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from localqa.config import Settings
from localqa.embedding.embedder import Embedder
from localqa.store.index import Index
from tests.conftest import ingest_paths

SAMPLE_FILES = 10  # nine documents and the folder's README.md


def consistent_counts(settings: Settings) -> int:
    """Visible chunks == stored chunk rows == Chroma vectors, with no duplicated piece."""
    with Index(settings.store) as index:
        visible = index.chunks.count()
        assert index.chunks.orphan_ids() == []
        assert index.vectors.count() == visible
        places = set()
        for doc in index.catalog.documents():
            chunks = index.chunks.of_document(doc.abs_path)
            assert len(chunks) == doc.chunks
            places |= {(c.abs_path, c.page, c.char_start, c.char_end) for c in chunks}
        assert len(places) == visible
        return visible


def test_ingest_then_reingest_is_a_no_op(
    settings: Settings, embedder: Embedder, docs: Path
) -> None:
    first = ingest_paths(settings, embedder, docs)
    assert first.failed == [] and first.skipped == []
    assert len(first.added) == SAMPLE_FILES
    assert first.chunks == first.chunks_written > 20
    assert consistent_counts(settings) == first.chunks
    second = ingest_paths(settings, embedder, docs)
    assert len(second.unchanged) == SAMPLE_FILES
    assert second.added == second.updated == second.removed == []
    assert second.chunks_written == 0 and second.chunks == first.chunks


def test_changed_removed_and_touched_files(
    settings: Settings, embedder: Embedder, docs: Path
) -> None:
    ingest_paths(settings, embedder, docs)
    faq = docs / "faq.txt"
    faq.write_text(faq.read_text() + "\nQ: Who waters the office plants?\nA: Mette does.\n")
    (docs / "price-list.csv").unlink()
    os.utime(docs / "security-policy.md")  # new mtime, same content: not re-embedded
    report = ingest_paths(settings, embedder, docs)
    assert report.updated == ["faq.txt"] and report.removed == ["price-list.csv"]
    assert "security-policy.md" in report.unchanged and report.added == []
    total = consistent_counts(settings)
    index = Index(settings.store)
    texts = " ".join(c.text for c in index.chunks.of_document(str(faq)))
    assert "Mette does" in texts
    assert not [d for d in index.catalog.documents() if d.source == "price-list.csv"]
    assert total == report.chunks


def test_dry_run_changes_nothing(settings: Settings, embedder: Embedder, docs: Path) -> None:
    from localqa.ingest.pipeline import Ingestor
    from localqa.ingest.progress import PlainProgress

    ingest_paths(settings, embedder, docs / "faq.txt")
    (docs / "faq.txt").write_text("Entirely new FAQ text about zanzibarite quarrying.\n")
    index = Index(settings.store)
    report = Ingestor(index, embedder, settings.ingest, PlainProgress(quiet=True)).run(
        [docs], dry_run=True
    )
    assert report.updated == ["faq.txt"] and len(report.added) == SAMPLE_FILES - 1
    assert report.chunks_written == 0
    assert [d.source for d in index.catalog.documents()] == ["faq.txt"]
    assert "zanzibarite" not in " ".join(
        c.text for c in index.chunks.of_document(str(docs / "faq.txt"))
    )


def test_provenance_names_the_right_page_and_lines(
    settings: Settings, embedder: Embedder, docs: Path
) -> None:
    import pypdfium2

    from localqa.ingest.loaders.pdf import pdfium_text

    ingest_paths(settings, embedder, docs / "northwind-handbook.pdf")
    pdf = docs / "northwind-handbook.pdf"
    chunks = Index(settings.store).chunks.of_document(str(pdf))
    hits = [c for c in chunks if "18 weeks" in c.text]
    assert hits and {c.page for c in hits} == {3}
    with pypdfium2.PdfDocument(pdf) as document:
        page_text = pdfium_text(document[2].get_textpage().get_text_range())
    for chunk in hits:
        lines = page_text.split("\n")[chunk.line_start - 1 : chunk.line_end]
        assert "18 weeks" in " ".join(lines)
        assert chunk.source == "northwind-handbook.pdf" and chunk.abs_path == str(pdf)
        assert chunk.title and len(chunk.doc_hash) == 32


def test_a_broken_update_keeps_the_ingested_version(
    settings: Settings, embedder: Embedder, docs: Path
) -> None:
    pdf = docs / "northwind-handbook.pdf"
    first = ingest_paths(settings, embedder, docs)
    before = len(Index(settings.store).chunks.of_document(str(pdf)))
    data = pdf.read_bytes()
    pdf.write_bytes(data[: len(data) // 3])  # truncated mid-file
    (docs / "notes.txt").write_bytes(b"")  # and an empty file beside it
    report = ingest_paths(settings, embedder, docs)
    failed = {p.path: p.reason for p in report.failed}
    assert set(failed) == {"northwind-handbook.pdf", "notes.txt"}
    assert all(";" in reason and "\n" not in reason for reason in failed.values())
    assert len(Index(settings.store).chunks.of_document(str(pdf))) == before  # old version kept
    assert report.chunks == first.chunks
    consistent_counts(settings)


def test_unsupported_files_are_skipped_with_a_reason(
    settings: Settings, embedder: Embedder, tmp_path: Path
) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "scan.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    (folder / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 64)
    (folder / "ok.md").write_text("# Title\nThe harbour crane lifts 40 tonnes.\n")
    (folder / ".hidden.txt").write_text("never read")
    report = ingest_paths(settings, embedder, folder)
    assert report.added == ["ok.md"] and report.failed == []
    skipped = {p.path: p.reason for p in report.skipped}
    assert set(skipped) == {"scan.png", "old.doc"}
    assert ".docx" in skipped["old.doc"]


def test_two_folders_with_the_same_file_names(
    settings: Settings, embedder: Embedder, tmp_path: Path
) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "notes.md").write_text(f"Folder {name} says the code word is {name}x.\n")
    ingest_paths(settings, embedder, tmp_path / "a", tmp_path / "b")
    assert len(Index(settings.store).catalog.documents()) == 2  # same relative name, two documents
    (tmp_path / "b" / "notes.md").unlink()
    report = ingest_paths(settings, embedder, tmp_path / "a", tmp_path / "b")
    assert report.removed == ["notes.md"] and report.failed == []
    assert [d.root for d in Index(settings.store).catalog.documents()] == [str(tmp_path / "a")]
    shutil.rmtree(tmp_path / "a")  # a folder that is gone is an error, not a purge
    report = ingest_paths(settings, embedder, tmp_path / "a")
    assert report.removed == [] and len(report.failed) == 1


def test_a_no_op_reingest_loads_no_model_and_no_loader(
    settings: Settings, embedder: Embedder, docs: Path
) -> None:
    """Nothing to read or embed: torch, sentence-transformers, chromadb and the format
    libraries stay unimported, which is what keeps a no-op re-ingest under a second."""
    ingest_paths(settings, embedder, docs)
    heavy = ("torch", "sentence_transformers", "chromadb", "pypdfium2", "openpyxl", "pptx", "bs4")
    code = (
        "import sys\n"
        "from localqa.cli.main import main\n"
        f"sys.argv = ['localqa', 'ingest', '--quiet', {str(docs)!r}]\n"
        "try:\n    main()\nexcept SystemExit as done:\n    assert not done.code, done.code\n"
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    env = {**os.environ, "LOCALQA_HOME": str(settings.home)}
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == ""
