"""The smaller storage items of issue 27: a context too big for memory is not blamed on the
model file; localqa never ingests its own folders (LOCALQA_HOME, the cache), linked or
not; the names `sources` prints, a leading dash or an escaped character included, can be
pasted into `forget`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from localqa.errors import LocalqaError
from localqa.ingest.scan import OWN_FOLDER, scan
from tests.support.faulty_index import invoke


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    home = tmp_path / "home"
    monkeypatch.setenv("LOCALQA_HOME", str(home))
    return home


def test_a_huge_n_ctx_is_not_blamed_on_the_model_file(tiny_gguf: Path) -> None:
    from localqa.generation.model import LocalModel

    with pytest.raises(LocalqaError) as raised:
        LocalModel.load(tiny_gguf, n_ctx=2**31 - 1, n_gpu_layers=0)
    message = str(raised.value)
    assert "truncated" not in message and "download" not in message
    assert f"{2**31 - 1} tokens" in message and "smaller n_ctx" in message


def test_its_own_folders_are_never_read_even_through_links(tmp_path: Path) -> None:
    home, cache, docs = tmp_path / "home", tmp_path / "cache", tmp_path / "docs"
    for folder in (home / "indexes", cache, docs):
        folder.mkdir(parents=True)
    (home / "indexes" / "catalog.txt").write_text("index text")
    (cache / "model.txt").write_text("cache text")
    (docs / "a.txt").write_text("a document")
    os.symlink(home, docs / "linked-home")
    os.symlink(cache, docs / "linked-cache")
    found = scan([docs], follow_outside_links=True, never=[home, cache])
    assert [f.source for f in found.files] == ["a.txt"]
    assert {p.reason for p in found.skipped} == {OWN_FOLDER}
    found = scan([tmp_path], follow_outside_links=True, never=[home, cache])  # home inside
    assert sorted(f.source for f in found.files) == ["docs/a.txt"]
    found = scan([home / "indexes"], never=[home, cache])  # given itself
    assert found.files == [] and found.skipped[0].reason == OWN_FOLDER


def test_ingest_leaves_out_the_home_inside_the_folder_given(home: Path, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("The trials boat is MS Kittiwake.\n")
    assert invoke("ingest", str(tmp_path), "--quiet")[0] == 0  # makes home/ inside it
    code, out, _ = invoke("ingest", str(tmp_path), "--json", "--quiet")
    assert code == 0
    skipped = json.loads(out)["skipped"]
    assert [s for s in skipped if OWN_FOLDER in json.dumps(s)], skipped
    _, out, _ = invoke("sources", "--json")
    assert [s["path"] for s in json.loads(out)] == ["notes.txt"]


def test_names_as_sources_prints_them_can_be_forgotten(home: Path, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("-dash.txt", "tab\tname.txt", "plain.txt"):
        (docs / name).write_text(f"Text of {name!r} about the trials boat.\n")
    assert invoke("ingest", str(docs), "--quiet")[0] == 0
    _, out, _ = invoke("sources")
    shown = [line.split("\t")[0] for line in out.splitlines()]
    assert "tab\\x09name.txt" in shown and "-dash.txt" in shown
    for name in ("-dash.txt", "tab\\x09name.txt"):
        code, _, err = invoke("forget", name)
        assert code == 0 and "forgot" in err, err
    _, out, _ = invoke("sources", "--json")
    assert [s["path"] for s in json.loads(out)] == ["plain.txt"]
