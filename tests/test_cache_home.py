"""The caches (exported ONNX embedders, kept prompt prefixes) live under LOCALQA_HOME when
a home is given, unless a cache setting says otherwise (issue 28: they went to
~/.cache/localqa behind a home of its own)."""

from __future__ import annotations

from pathlib import Path

import pytest

from localqa.config import default_cache, load_settings


@pytest.fixture(autouse=True)
def no_xdg(monkeypatch: pytest.MonkeyPatch) -> None:
    # the test suite sets XDG_CACHE_HOME for every test (conftest.py): not here
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)


def test_a_home_keeps_its_cache(tmp_path: Path) -> None:
    settings = load_settings(environ={"LOCALQA_HOME": str(tmp_path / "home")})
    assert settings.cache_dir == tmp_path / "home" / "cache"
    flagged = load_settings({"home": tmp_path / "other"}, environ={})
    assert flagged.cache_dir == tmp_path / "other" / "cache"


def test_a_cache_setting_wins(tmp_path: Path) -> None:
    environ = {"LOCALQA_HOME": str(tmp_path / "home"), "LOCALQA_CACHE_DIR": str(tmp_path / "c")}
    assert load_settings(environ=environ).cache_dir == tmp_path / "c"
    xdg = {"LOCALQA_HOME": str(tmp_path / "home"), "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    assert load_settings(environ=xdg).cache_dir.is_relative_to(tmp_path / "xdg")


def test_without_a_home_the_users_cache_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no ./localqa.toml
    assert load_settings(environ={}).cache_dir == default_cache()
