"""Reading in a helper process gives exactly what reading inline gives."""

from __future__ import annotations

import gc
import os
import shutil
from pathlib import Path

import pytest

from localqa.config import Settings
from localqa.embedding.embedder import Embedder, SentenceTransformerEmbedder
from localqa.ingest.background import BackgroundReader
from localqa.ingest.chunking import header_budget
from localqa.ingest.reader import (
    ChunkerSpec,
    DocumentRead,
    DocumentRejected,
    ReaderFailed,
    read_inline,
)
from localqa.ingest.scan import WorkItem, scan
from tests.conftest import ingest_paths
from tests.support.misbehaving import misbehave


def work_for(folder: Path) -> list[WorkItem]:
    files = scan([folder]).files
    return [WorkItem(f, f"hash-{n}", None) for n, f in enumerate(files)]


def spec_for(embedder: Embedder, tokenizer: str = "") -> ChunkerSpec:
    file = tokenizer or str(embedder.tokenizer_file)
    return ChunkerSpec(file, 200, 30, header_budget(embedder.max_tokens, 200))


def test_process_and_inline_reading_agree(docs: Path, embedder: Embedder) -> None:
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    (docs / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    work = work_for(docs)
    spec = spec_for(embedder)
    inline = list(read_inline(work, spec.build()))
    background = list(BackgroundReader(work, spec))
    assert background == inline
    rejected = {
        work[e.item].file.source: e.skipped for e in inline if isinstance(e, DocumentRejected)
    }
    assert rejected == {"broken.pdf": False, "photo.jpg": True}
    assert sum(isinstance(e, DocumentRead) for e in inline) == 10


def test_a_crashing_reader_is_reported(docs: Path, embedder: Embedder) -> None:
    spec = spec_for(embedder, tokenizer=str(docs / "no-such-tokenizer.json"))
    with pytest.raises(ReaderFailed, match="document reader failed while starting") as caught:
        list(BackgroundReader(work_for(docs), spec))
    message = str(caught.value)
    assert "\n" not in message and "No such file or directory" in message


def test_a_bug_in_the_reader_names_the_file_and_keeps_what_came_before(
    tmp_path: Path, embedder: Embedder
) -> None:
    for name in ("a.txt", "bug.txt", "c.txt"):
        (tmp_path / name).write_text(f"The text of {name}, a sentence long.\n")
    work = sorted(work_for(tmp_path), key=lambda w: w.file.source)
    events = []
    with pytest.raises(ReaderFailed) as caught:
        for event in BackgroundReader(work, spec_for(embedder), read=misbehave):
            events.append(event)
    assert str(caught.value).startswith(
        "the document reader failed while reading bug.txt (RuntimeError: a bug, on purpose); "
    )
    assert [work[e.item].file.source for e in events if isinstance(e, DocumentRead)] == ["a.txt"]


def test_ingest_through_the_reader_process(
    settings: Settings, embedder: Embedder, docs: Path, tmp_path: Path
) -> None:
    forced = Settings.model_validate({**settings.model_dump(), "reader_process": "always"})
    inline = Settings.model_validate(
        {**settings.model_dump(), "reader_process": "never", "home": tmp_path / "inline"}
    )
    a, b = ingest_paths(forced, embedder, docs), ingest_paths(inline, embedder, docs)
    assert a.chunks == b.chunks and a.added == b.added and a.failed == b.failed == []


def test_fast_token_count_equals_the_tokenizers_own(
    embedder: Embedder, torch_embedder: SentenceTransformerEmbedder
) -> None:
    model = torch_embedder._load()
    for text in ["Ünïcödé café 1,150 NOK", "pressure-housing\ttests\n\nx" * 20, ""]:
        count = len(model.tokenizer.tokenize(text))
        assert embedder.count_tokens(text) == torch_embedder.count_tokens(text) == count


def test_the_reader_says_when_it_is_working(docs: Path, embedder: Embedder) -> None:
    reader = BackgroundReader(work_for(docs), spec_for(embedder))
    events = list(reader)
    assert sum(isinstance(e, DocumentRead) for e in events) == 10
    assert not reader.reading()  # finished: the embedder may have every core again


def test_the_onnx_embedder_leaves_a_core_to_a_busy_reader(tmp_path: Path) -> None:
    from localqa.config import default_cache
    from localqa.embedding.onnx_encoder import OnnxEmbedder

    embedder = OnnxEmbedder("", "int8", default_cache(), threads=2)
    embedder.embed(["while the reader works"], spare_cores=1)
    assert embedder.threads_used == 1
    embedder.embed(["after it has finished"])
    assert embedder.threads_used == 2


def test_the_torch_embedder_leaves_a_core_to_a_busy_reader(
    torch_embedder: SentenceTransformerEmbedder,
) -> None:
    import torch

    embedder = torch_embedder
    embedder.embed(["load the model"])
    own = torch.get_num_threads()
    embedder.embed(["while the reader works"], spare_cores=1)
    assert torch.get_num_threads() == max(1, own - 1)
    embedder.embed(["after it has finished"])
    assert torch.get_num_threads() == own
    embedder.embed(["and again"], spare_cores=1)
    assert torch.get_num_threads() == max(1, own - 1)
    embedder.embed(["done"])
    assert torch.get_num_threads() == own


def test_a_model_without_tokenizer_json_still_gets_a_reader_process(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    """Only `reader_process = never` reads inline (without time and memory limits): a
    model folder with vocab.txt but no tokenizer.json gives the reader its loaded fast
    tokenizer, saved to a private file that counts the same word pieces."""
    from tokenizers import Tokenizer

    from localqa.embedding.embedder import default_model_path

    folder = tmp_path / "model"
    shutil.copytree(
        default_model_path(),
        folder,
        ignore=shutil.ignore_patterns("tokenizer.json"),
        copy_function=os.symlink,
    )
    bare = SentenceTransformerEmbedder(str(folder), device="cpu")
    saved = bare.tokenizer_file
    assert saved is not None and saved.is_file() and not saved.is_relative_to(folder)
    counter = Tokenizer.from_file(str(saved))
    text = "The kiln in the café fires at 1280 degrees; Vantor's compressors hum."
    assert len(counter.encode(text, add_special_tokens=False).ids) == embedder.count_tokens(text)
    folder_of_saved = saved.parent
    del bare, counter
    gc.collect()
    assert not folder_of_saved.exists()  # removed with its embedder
