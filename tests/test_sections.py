"""Each stage's settings section (localqa/sections.py): every setting reaches one, the
TOML file may group keys by section, and every setting that changes chunk text salts the
re-read check."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from localqa.config import ConfigError, Settings, config_source, load_settings
from localqa.embedding.embedder import Embedder
from localqa.sections import REREAD, SECTIONS, IngestSettings, section_keys
from tests.conftest import ingest_paths


def test_every_setting_reaches_a_section() -> None:
    held = set().union(*(section_keys(name) for name in SECTIONS))
    assert held == set(Settings.model_fields)


def test_every_ingest_setting_says_whether_it_changes_chunk_text() -> None:
    for f in fields(IngestSettings):
        assert isinstance(f.metadata.get(REREAD), bool), f.name


def test_sections_carry_the_merged_values(tmp_path: Path) -> None:
    s = load_settings({"top_k": 4, "ocr": False}, environ={"LOCALQA_HOME": str(tmp_path)})
    assert s.retrieval.top_k == 4 and not s.ingest.ocr
    assert s.store.index_dir == s.index_dir
    assert s.generation.cache_dir == s.embedding.cache_dir == s.cache_dir
    assert not s.answering.quotes_only


def test_the_text_fingerprint_holds_the_ocr_settings(tmp_path: Path) -> None:
    base = load_settings(environ={"LOCALQA_HOME": str(tmp_path)}).ingest.text_fingerprint()
    for changed in ({"ocr": False}, {"max_ocr_pages": 3}, {"chunk_tokens": 120}):
        other = load_settings(changed, environ={"LOCALQA_HOME": str(tmp_path)})
        assert other.ingest.text_fingerprint() != base, changed
    unchanged = load_settings({"read_cpu_s": 9.0}, environ={"LOCALQA_HOME": str(tmp_path)})
    assert unchanged.ingest.text_fingerprint() == base


def test_keys_under_their_section_table(tmp_path: Path) -> None:
    toml = tmp_path / "c.toml"
    toml.write_text("[ingest]\nocr = false\n[retrieval]\ntop_k = 5\n[localqa]\nn_ctx = 2048\n")
    s = load_settings(config_file=toml, environ={"LOCALQA_HOME": str(tmp_path)})
    assert (s.ingest.ocr, s.top_k, s.n_ctx) == (False, 5, 2048)  # beside [localqa] too
    toml.write_text("[ingest]\nocr = false\n[retrieval]\ntop_k = 5\n")
    s = load_settings(config_file=toml, environ={"LOCALQA_HOME": str(tmp_path)})
    assert (s.ingest.ocr, s.retrieval.top_k) == (False, 5)
    toml.write_text("[localqa.generation]\nn_ctx = 2048\n")
    assert load_settings(config_file=toml, environ={"LOCALQA_HOME": str(tmp_path)}).n_ctx == 2048


def test_a_key_under_the_wrong_section_names_the_right_one(tmp_path: Path) -> None:
    toml = tmp_path / "c.toml"
    toml.write_text("[retrieval]\nocr = false\n")
    with pytest.raises(ConfigError, match=r"\[retrieval\] has no setting 'ocr'.*\[ingest\]"):
        load_settings(config_file=toml, environ={"LOCALQA_HOME": str(tmp_path)})


def test_where_the_config_file_was_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    env = {"LOCALQA_HOME": str(tmp_path / "home")}
    assert config_source(None, env)[0] is None
    (tmp_path / "localqa.toml").write_text("top_k = 3\n")
    assert config_source(None, env) == (Path("localqa.toml"), "found in the current directory")
    assert load_settings(environ=env).top_k == 3
    assert config_source(tmp_path / "x.toml", env)[1] == "given with --config"


def test_changing_an_ocr_setting_rereads_every_file(
    tmp_path: Path, embedder: Embedder, docs: Path
) -> None:
    env = {"LOCALQA_HOME": str(tmp_path / "home")}
    first = ingest_paths(load_settings(environ=env), embedder, docs / "faq.txt")
    assert first.added == ["faq.txt"]
    again = ingest_paths(
        load_settings({"max_ocr_pages": 7}, environ=env), embedder, docs / "faq.txt"
    )
    assert again.updated == ["faq.txt"] and not again.unchanged
