"""Issue 26, kinds 6 and 8: what a folder holds that is no document (lock files, editor
backups, dependency, build and version-control folders) is skipped with its reason, and
can be taken back; a year or version only in a file's name still finds and ranks it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from localqa.builder import Builder
from localqa.config import ConfigError, Settings, load_settings
from localqa.embedding.embedder import Embedder
from localqa.ingest.scan import scan
from localqa.schema import Chunk
from localqa.sections import DEFAULT_EXCLUDES
from tests.conftest import ingest_paths
from tests.test_cases import ask

NOT_DOCUMENTS = {
    "~$report.docx": "Office lock file",
    "report.txt~": "backup or swap file",
    ".report.txt.swp": "backup or swap file",
    "#report.txt#": "backup or swap file",
    "node_modules": "dependency or build folder",
    ".venv": "dependency or build folder",
    "__pycache__": "dependency or build folder",
    "vendor": "dependency or build folder",
    "dist": "dependency or build folder",
    "target": "dependency or build folder",
    ".git": "version-control folder",
    ".hg": "version-control folder",
    ".svn": "version-control folder",
}


def messy_folder(root: Path) -> Path:
    root.mkdir()
    (root / "report.txt").write_text("The quarterly report is due on the ninth of March.\n")
    # an Office lock file: the owner's name in a few bytes, no document at all
    (root / "~$report.docx").write_bytes(b"\x05alice" + b"\x00" * 50)
    for name in ("report.txt~", ".report.txt.swp", "#report.txt#"):
        (root / name).write_text("The quarterly report is due on the first of March.\n")
    for folder in (
        "node_modules/left-pad",
        ".venv/lib",
        "__pycache__",
        "vendor",
        "dist",
        "target/release",
        ".git/objects",
        ".hg",
        ".svn",
    ):
        (root / folder).mkdir(parents=True)
        (root / folder / "README.md").write_text("# A package\n\nNothing to do with reports.\n")
    return root


def test_a_folder_is_read_without_what_is_no_document(tmp_path: Path) -> None:
    root = messy_folder(tmp_path / "docs")
    found = scan([root], exclude=DEFAULT_EXCLUDES)
    assert [f.source for f in found.files] == ["report.txt"] and found.failed == []
    reasons = {problem.path: problem.reason for problem in found.skipped}
    assert sorted(reasons) == sorted(NOT_DOCUMENTS)
    for name, kind in NOT_DOCUMENTS.items():
        assert kind in reasons[name] and "--no-default-excludes" in reasons[name], reasons[name]
    # without the patterns: every file that is not hidden is read, as before
    everything = {f.source for f in scan([root]).files}
    assert {"~$report.docx", "report.txt~", "#report.txt#", "vendor/README.md"} <= everything
    assert not any(name.startswith((".git", ".hg", ".svn", ".venv")) for name in everything)


def test_a_lock_file_is_skipped_never_failed(
    settings: Settings, embedder: Embedder, tmp_path: Path
) -> None:
    root = messy_folder(tmp_path / "docs")
    report = ingest_paths(settings, embedder, root)
    assert report.added == ["report.txt"] and report.failed == []
    assert any(p.path == "~$report.docx" and "lock file" in p.reason for p in report.skipped)
    # every exclusion taken back: the backups are read, the lock file is still no document
    everything = settings.model_copy(update={"exclude": ()})
    again = ingest_paths(everything, embedder, root)
    assert "vendor/README.md" in again.added and again.failed == []
    skipped = {p.path: p.reason for p in again.skipped}
    assert "lock file" in skipped["~$report.docx"], again.skipped


def test_the_exclude_setting_is_a_list_of_patterns(tmp_path: Path) -> None:
    assert load_settings(environ={}).exclude == DEFAULT_EXCLUDES
    assert load_settings(environ={"LOCALQA_EXCLUDE": "*.bak, drafts/*"}).exclude == (
        "*.bak",
        "drafts/*",
    )
    config = tmp_path / "localqa.toml"
    config.write_text("[ingest]\nexclude = []\n")
    assert load_settings(config_file=config, environ={}).ingest.exclude == ()
    config.write_text("[retrieval]\nexclude = []\n")
    with pytest.raises(ConfigError, match="belongs under \\[ingest\\]"):
        load_settings(config_file=config, environ={})
    root = messy_folder(tmp_path / "docs")
    (root / "drafts").mkdir()
    (root / "drafts" / "old.txt").write_text("old\n")
    found = scan([root], exclude=("drafts/*",))
    assert "drafts/old.txt" not in {f.source for f in found.files}
    assert [p.path for p in found.skipped] == ["drafts/old.txt"]


# --------------------------------------------------------------------------- file names


def test_the_file_name_is_part_of_what_is_searched() -> None:
    text = "The travel budget is 15,500 euros."
    chunk = Chunk(
        "i",
        text,
        "plans/budget-2024.md",
        "/d/plans/budget-2024.md",
        1,
        1,
        1,
        0,
        10,
        "h",
        title="Travel budget",
    )
    assert chunk.embedding_text().startswith("budget-2024 | Travel budget\n")
    same = Chunk(
        "i",
        "x",
        "budget-2024.txt",
        "/d/budget-2024.txt",
        1,
        1,
        1,
        0,
        1,
        "h",
        title="budget-2024.txt",
    )
    assert same.embedding_text() == "budget-2024.txt\nx"  # named once


@pytest.fixture(scope="module")
def budgets(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Builder:
    folder = tmp_path_factory.mktemp("budgets")
    for year, amount in (("2023", "12,000"), ("2024", "15,500"), ("2025", "17,250")):
        (folder / f"budget-{year}.md").write_text(
            f"# Travel budget\n\nThe travel budget for the year is {amount} euros, approved "
            "by the board.\n\nTraining courses are paid from the same budget.\n"
        )
    settings = Settings(home=tmp_path_factory.mktemp("home"))
    assert len(ingest_paths(settings, embedder, folder).added) == 3
    return Builder(settings)


@pytest.mark.parametrize(("year", "amount"), [("2023", "12,000"), ("2024", "15,500")])
def test_a_year_only_in_the_file_name_ranks_that_file_first(
    budgets: Builder, year: str, amount: str
) -> None:
    answer = ask(budgets, f"What was the travel budget in {year}?")
    first = answer.citations[0]
    assert first.chunk.source == f"budget-{year}.md" and amount in first.quote, answer.text


def test_the_cli_takes_the_exclusions_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder: Embedder
) -> None:
    from localqa.cli.main import cli

    monkeypatch.setenv("LOCALQA_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    root = messy_folder(tmp_path / "docs")
    runner = CliRunner()
    plain = runner.invoke(cli, ["ingest", str(root), "--dry-run", "--json", "--quiet"])
    report = json.loads(plain.stdout)
    assert report["files"]["added"] == ["report.txt"]
    assert "vendor" in {p["path"] for p in report["skipped"]}
    taken_back = runner.invoke(
        cli, ["ingest", str(root), "--dry-run", "--json", "--quiet", "--no-default-excludes"]
    )
    assert "vendor/README.md" in json.loads(taken_back.stdout)["files"]["added"]
