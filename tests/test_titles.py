"""A document's title is the one it states (its first level-1 heading, front matter, Org's
#+TITLE, an HTML page's first <h1> without a <title>), not its file name; an index whose
titles were file names is read again by the next ingest (PIPELINE_VERSION), since titles
are in what is embedded and searched."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from localqa.config import Settings
from localqa.embedding.embedder import Embedder
from localqa.ingest import pipeline
from localqa.ingest.loaders import open_document, text
from localqa.store.index import Index
from tests.conftest import SAMPLE_DOCS, ingest_paths

HANDBOOK_ZH = "员工手册（中文补充篇）：中国客户与出差"


@pytest.mark.parametrize(
    ("name", "content", "title"),
    [
        ("a.md", "Intro line\n\n## Not this\n\n# Travel Policy\n\ntext\n", "Travel Policy"),
        ("b.md", "Travel Policy\n=============\n\ntext\n", "Travel Policy"),
        ("c.md", "---\ntitle: 'From the front matter'\n---\n# Heading\n", "From the front matter"),
        ("d.md", "```\n# a comment in code\n```\n## Only level two\n", "d"),
        ("e.rst", "=======\nOverview\n=======\n\nPart\n----\n\nMore\n----\n", "Overview"),
        ("f.rst", "One\n===\n\nTwo\n===\n", "f"),  # two top-level sections: no title
        ("g.org", "#+TITLE: Release checklist\n* Build\n", "Release checklist"),
        ("h.org", "* Build\n", "h.org"),
        ("i.html", "<html><body><h1>Price List</h1><p>Prices.</p></body></html>", "Price List"),
        ("j.html", "<title>Shown</title><body><h1>Not this</h1><p>x</p></body>", "Shown"),
    ],
)
def test_the_title_is_the_one_the_document_states(
    tmp_path: Path, name: str, content: str, title: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert open_document(path).title == title


def test_the_chinese_handbook_is_titled_by_its_heading() -> None:
    assert open_document(SAMPLE_DOCS / "handbook-zh.md").title == HANDBOOK_ZH


def test_an_index_titled_by_file_names_is_read_again(
    settings: Settings, embedder: Embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The previous pipeline (5) titled Markdown by its file name: its index is brought
    up to date by the next ingest, every chunk's searchable header with it."""
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(SAMPLE_DOCS / "handbook-zh.md", docs)
    inline = Settings.model_validate({**settings.model_dump(), "reader_process": "never"})
    with monkeypatch.context() as before:  # the previous pipeline, as it read Markdown
        before.setattr(pipeline, "PIPELINE_VERSION", "5")
        before.setattr(text, "markdown_title", lambda _text: "")
        assert ingest_paths(inline, embedder, docs).added
    with Index(inline.store) as index:
        (old,) = index.catalog.documents()
    assert old.title == "handbook-zh"

    report = ingest_paths(inline, embedder, docs)
    assert report.updated and not report.unchanged
    with Index(inline.store) as index:
        (new,) = index.catalog.documents()
        chunks = index.chunks.of_document(new.abs_path)
    assert new.title == HANDBOOK_ZH
    assert chunks
    assert all(c.embedding_text().startswith(f"handbook-zh | {HANDBOOK_ZH}") for c in chunks)
