"""Issue 24, paths that make sense on every machine, where tests/test_source_roots.py does
not reach: the chat's `o` through `localqa chat --server` on a desk that mounts the share
elsewhere than the server; `localqa index repair` and `localqa eval` on a machine that
mounts it elsewhere than where it was ingested; `forget` of a name several documents
answer to; two machines ingesting one share, mounted at two paths, into the shared index
(real PostgreSQL and a Chroma server) at the same time. Two LOCALQA_HOMEs stand for two
machines, a bind mount (or a copy keeping the files' times) gives one share two paths."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from localqa.cli.main import cli
from localqa.config import Settings, load_settings
from tests.conftest import SAMPLE_DOCS
from tests.support.mounts import same_folder_elsewhere
from tests.support.postgres import PostgresServer
from tests.support.servers import shared_settings
from tests.test_shared_index import clean_chunks, corpus  # noqa: F401 - fixtures for item 4

runner = CliRunner()
QUESTION = "When is salary paid?"


@dataclass(frozen=True)
class Share:
    """Machine A ingested `ingested` (home `home_a`) as the root `handbooks` (a name unlike
    its folder's: `source_roots` on A named it); machine B (home `home_b`, A's index
    carried there) mounts the same folder at `mount`. A's folder is not there meanwhile:
    B reaches the files only at its own mount."""

    ingested: Path
    mount: Path
    home_a: Path
    home_b: Path


@pytest.fixture
def share(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Share]:
    ingested = tmp_path / "a" / "policies"
    shutil.copytree(SAMPLE_DOCS, ingested)
    home_a, home_b = tmp_path / "home-a", tmp_path / "home-b"
    monkeypatch.setenv("LOCALQA_HOME", str(home_a))
    monkeypatch.setenv("LOCALQA_SOURCE_ROOTS", f"handbooks={ingested}")
    done = runner.invoke(cli, ["ingest", "-q", str(ingested)])
    assert done.exit_code == 0, done.stderr
    monkeypatch.delenv("LOCALQA_SOURCE_ROOTS")
    shutil.copytree(home_a, home_b)
    with same_folder_elsewhere(ingested, tmp_path / "b" / "desk-policies") as mount:
        away = ingested.rename(tmp_path / "a" / "unmounted")
        try:
            yield Share(ingested, mount, home_a, home_b)
        finally:
            away.rename(ingested)


def _json(*args: str) -> object:
    result = runner.invoke(cli, list(args))
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# --- 1. the chat's `o` through a server ----------------------------------------------


@pytest.mark.anyio
async def test_chat_server_opens_the_cited_file_where_this_desk_mounts_it(
    share: Share, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real `localqa serve` on machine A (its index keyed by A's paths, A's folder not
    mounted here); `localqa chat --server` on desk B under Pilot: the server names each
    cited file's root and its path under it, and `o` opens B's own file, through B's
    `source_roots`; without the mapping, A's path (not there: said so)."""
    import httpx

    from localqa.builder import Builder
    from localqa.cli.chat import remote_factory
    from localqa.tui.app import ChatApp
    from localqa.tui.widgets import SourcesTable
    from tests.test_server import start, stop
    from tests.test_tui import ask

    machine_a = load_settings(environ={"LOCALQA_HOME": str(share.home_a)})
    server, url = start(machine_a, tmp_path)
    try:
        asked = httpx.post(f"{url}/v1/ask", json={"question": QUESTION}, timeout=300).json()
        chat = {"model": "localqa", "messages": [{"role": "user", "content": QUESTION}]}
        replied = httpx.post(f"{url}/v1/chat/completions", json=chat, timeout=300).json()
        cited = [*asked["citations"], *asked["contexts"], *replied["citations"]]
        assert cited and all(c["root"] == "handbooks" for c in cited)
        assert all(c["abs_path"] == f"{share.ingested}/{c['root_path']}" for c in cited)

        opened: dict[str, list[str]] = {}
        for desk, mounts in (("mapped", f"handbooks={share.mount}"), ("unmapped", "")):
            environ = {"LOCALQA_HOME": str(tmp_path / desk), "LOCALQA_SOURCE_ROOTS": mounts}
            app = ChatApp(remote_factory(Builder(load_settings(environ=environ)), url))
            said: list[str] = []
            async with app.run_test(size=(120, 40)) as pilot:
                view = await ask(pilot, QUESTION)
                assert "20th" in view.text and not view.failed
                table = app.query_one(SourcesTable)
                assert table.sources[0].chunk.source == "faq.txt"
                monkeypatch.setattr(app, "notify", _recorder(said))
                monkeypatch.setenv("PAGER", "less")
                table.focus()
                await pilot.press("o")
            opened[desk] = said
    finally:
        log = stop(server)
    assert "Traceback" not in log, log
    # headless, the pager cannot take the terminal over: the message names the file
    assert opened["mapped"] == [
        f"This terminal cannot hand over to less; open {share.mount / 'faq.txt'} yourself."
    ]
    assert opened["unmapped"] == [
        f"{share.ingested / 'faq.txt'} is no longer there; re-run `localqa ingest` to refresh "
        "the index."
    ]


def _recorder(said: list[str]) -> Callable[..., None]:
    """A stand-in for `App.notify` that keeps each message in `said`."""
    return lambda message, **_: said.append(message)


def test_ask_server_cites_where_this_desk_mounts_the_share(share: Share, tmp_path: Path) -> None:
    """`localqa ask --server URL --json` on desk B: each cited path is B's own."""
    import subprocess
    import sys

    from tests.test_server import serve_env, start, stop

    machine_a = load_settings(environ={"LOCALQA_HOME": str(share.home_a)})
    server, url = start(machine_a, tmp_path)
    env = serve_env(
        load_settings(environ={"LOCALQA_HOME": str(tmp_path / "desk")}),
        LOCALQA_SOURCE_ROOTS=f"handbooks={share.mount}",
    )
    try:
        done = subprocess.run(
            [sys.executable, "-m", "localqa", "ask", QUESTION, "--server", url, "--json"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        stop(server)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    cited = [*answer["citations"], *answer["contexts"]]
    assert cited and all(c["abs_path"] == f"{share.mount}/{c['root_path']}" for c in cited)


# --- 2. index repair on another machine ----------------------------------------------


def _keys(home: Path) -> list[str]:
    from localqa.store.index import Index

    settings = load_settings(environ={"LOCALQA_HOME": str(home)})
    with Index(settings.store, read_only=True) as index:
        return sorted(d.abs_path for d in index.catalog.documents())


def test_repair_on_another_machine_re_ingests_from_its_own_mount(
    share: Share, monkeypatch: pytest.MonkeyPatch
) -> None:
    """B's catalog is lost; `localqa index repair` on B re-reads the share where B mounts
    it (A's folder is not there), keys its documents as A did, under the root's name A
    gave it; B's next ingest finds every file unchanged, and B lists B's paths."""
    keys = _keys(share.home_a)
    catalog = share.home_b / "indexes" / "default" / "catalog.sqlite"
    assert catalog.is_file()
    with catalog.open("r+b") as handle:
        handle.truncate(catalog.stat().st_size // 3)
    monkeypatch.setenv("LOCALQA_HOME", str(share.home_b))
    monkeypatch.setenv("LOCALQA_SOURCE_ROOTS", f"handbooks={share.mount}")
    done = runner.invoke(cli, ["index", "repair"])
    assert done.exit_code == 0, done.stderr
    assert f"rebuilt by re-ingesting {share.mount}: 10 documents" in done.stderr
    assert _keys(share.home_b) == keys and all(k.startswith(f"{share.ingested}/") for k in keys)
    listed = _json("sources", "--json")
    assert isinstance(listed, list) and len(listed) == 10
    assert all(d["root"] == "handbooks" and d["reachable"] and not d["missing"] for d in listed)
    assert {d["abs_path"] for d in listed} == {
        f"{share.mount}/{p.name}" for p in SAMPLE_DOCS.iterdir()
    }
    again = _json("ingest", "-q", "--json", str(share.mount))
    assert isinstance(again, dict) and again["unchanged"] == 10 and again["added"] == 0
    assert again["removed"] == 0 and again["moved"] == 0


def test_a_salvaged_catalog_keeps_its_roots_names(share: Share, tmp_path: Path) -> None:
    """A catalog read back row by row (`salvage_catalog`: no file re-read) keeps the name
    its root was given (`handbooks`, not its folder's `policies`), which B's mapping names;
    the build record keeps those names for when the roots table itself is lost."""
    from localqa.store.index import Index
    from localqa.store.record import recorded_named_roots
    from localqa.store.repair import salvage_catalog

    index_dir = share.home_b / "indexes" / "default"
    named = recorded_named_roots(index_dir)
    assert named == {"handbooks": (str(share.ingested), named["handbooks"][1])}
    target = tmp_path / "salvaged" / "indexes" / "default" / "catalog.sqlite"
    assert salvage_catalog(index_dir / "catalog.sqlite", target, named) is not None
    home = load_settings(environ={"LOCALQA_HOME": str(tmp_path / "salvaged")})
    with Index(home.store, read_only=True) as index:
        assert index.catalog.named_roots() == named


# --- 3. eval on another machine ------------------------------------------------------


def test_eval_matches_expected_sources_named_by_this_machines_paths(
    share: Share, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On B, an expected source named by B's path of the file, or by its root's name and
    its path under it (a name A's paths do not end with), is found; another file is not."""
    monkeypatch.setenv("LOCALQA_HOME", str(share.home_b))
    monkeypatch.setenv("LOCALQA_SOURCE_ROOTS", f"handbooks={share.mount}")
    questions = tmp_path / "questions.jsonl"
    expected = [f"{share.mount}/faq.txt", "handbooks/faq.txt", "handbooks/no-such-file.txt"]
    questions.write_text(
        "".join(
            json.dumps({"id": str(n), "question": QUESTION, "evidence": [{"source": s, "page": 1}]})
            + "\n"
            for n, s in enumerate(expected)
        )
    )
    report = _json("eval", str(questions), "--json")
    assert isinstance(report, dict)
    assert [q["evidence_hit"] for q in report["questions"]] == [True, True, False]
    assert [q["evidence_rank"] for q in report["questions"]][:2] == [1, 1]


# --- 4. two machines ingesting one share into the shared index at once -------------


def test_two_machines_ingest_one_share_at_two_paths_at_once(
    settings: Settings,
    postgres: PostgresServer,
    chroma_port: int,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    """Real PostgreSQL and a Chroma server. Machines A and B (two homes) mount one share at
    two paths, each saying where in `source_roots`, and run `localqa ingest` on it at the
    same time, the index empty. Whichever names the root first, every document is stored
    once, under one key, the reports' files together are every file, each once (none
    embedded twice: their chunks add up to the index's, one vector each), and the chunks
    are a single run's; a re-run on either machine finds every file unchanged."""
    from localqa.store.postgres.index import PgIndex
    from tests.test_shared_index import FILES, consistent, environment, start_ingest, visible

    # test_shared_index's: 3 copies of sample_docs, and what one embedded run makes of them
    copies: Path = request.getfixturevalue("corpus")
    one_run: set[tuple[str, int, str]] = request.getfixturevalue("clean_chunks")
    shared = shared_settings(settings, postgres, chroma_port)
    share = tmp_path / "a" / "policies"
    shutil.copytree(copies, share)
    with same_folder_elsewhere(share, tmp_path / "b" / "team-share") as mount:
        env_a = environment(shared, tmp_path / "machine-a")
        env_b = environment(shared, tmp_path / "machine-b")
        env_a["LOCALQA_SOURCE_ROOTS"] = f"policies={share}"
        env_b["LOCALQA_SOURCE_ROOTS"] = f"policies={mount}"
        runs = [start_ingest(env_a, share), start_ingest(env_b, mount)]  # both, then wait
        reports = []
        for run in runs:
            out, err = run.communicate(timeout=900)
            assert run.returncode == 0, err
            reports.append(json.loads(out))
        with PgIndex(shared.store) as index:
            [(root, (first_path, _))] = index.catalog.named_roots().items()
            keys = [d.abs_path for d in index.catalog.documents()]
            assert root == "policies" and first_path in (str(share), str(mount))
            assert len(keys) == len(set(keys)) == FILES
            assert all(k.startswith(first_path + "/") for k in keys)
            written = sum(r["chunks_written"] for r in reports)  # what each run embedded
            assert consistent(index) == len(one_run) == written
            assert visible(index) == one_run
        did = [r["files"]["added"] for r in reports]
        assert set(did[0]).isdisjoint(did[1])
        assert sorted(did[0] + did[1]) == sorted({name for name, _, _ in one_run})
        assert len(did[0]) + len(did[1]) == FILES
        assert [r["by_others"] for r in reports] == [len(did[1]), len(did[0])]
        assert all(r["failed"] == [] and r["removed"] == 0 for r in reports)
        for env, folder in ((env_a, share), (env_b, mount)):
            again = start_ingest(env, folder)
            out, err = again.communicate(timeout=900)
            assert again.returncode == 0, err
            report = json.loads(out)
            assert report["unchanged"] == FILES and report["added"] == report["removed"] == 0


# --- 5. forget: a name several documents answer to -----------------------------------


@pytest.fixture
def twice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """docs/faq.txt and docs/old/faq.txt; another root, hr/, with its own faq.txt."""
    monkeypatch.setenv("LOCALQA_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    for folder, text in (
        ("docs", "Salary is paid on the 20th."),
        ("docs/old", "Salary was paid on the 25th."),
        ("hr", "Leave is 25 days."),
    ):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / "faq.txt").write_text(text + "\n")
    (tmp_path / "hr" / "vpn.txt").write_text("The VPN is needed outside the office.\n")
    for root in ("docs", "hr"):
        assert runner.invoke(cli, ["ingest", "-q", str(tmp_path / root)]).exit_code == 0
    return tmp_path


def _paths() -> list[str]:
    return sorted(d["abs_path"] for d in _json("sources", "--json"))  # type: ignore[union-attr]


def test_forget_a_name_of_several_documents_lists_them_and_forgets_nothing(twice: Path) -> None:
    """faq.txt is docs/'s faq.txt as `sources` lists it, and the end of two other paths
    (docs/old/faq.txt, and hr/faq.txt under a root of its own): one line each, exit 2."""
    before = _paths()
    done = runner.invoke(cli, ["forget", "faq.txt"])
    assert done.exit_code == 2, done.stderr
    first, *lines = done.stderr.splitlines()
    assert first == (
        "localqa: error: faq.txt names 3 documents; nothing forgotten. Forget one by its "
        "path, or its root's name and its path under it:"
    )
    assert lines == [
        f"  {twice}/docs/faq.txt (docs/faq.txt)",
        f"  {twice}/docs/old/faq.txt (docs/old/faq.txt)",
        f"  {twice}/hr/faq.txt (hr/faq.txt)",
    ]
    assert _paths() == before


def test_forget_old_faq_txt_names_one_document(twice: Path) -> None:
    done = runner.invoke(cli, ["forget", "old/faq.txt"])
    assert done.exit_code == 0, done.stderr
    assert f"{twice}/docs/old/faq.txt" not in _paths() and len(_paths()) == 3


@pytest.mark.parametrize("form", ["ROOTED", "FULL", "HERE"])
def test_forget_an_exact_path_or_root_and_path_forgets_that_one(
    twice: Path, form: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its root's name and its path under it (`docs/faq.txt`), its full path, or its
    path from the working folder: that document alone, however many others end alike."""
    name = {"ROOTED": "docs/faq.txt", "FULL": f"{twice}/docs/faq.txt", "HERE": "faq.txt"}[form]
    # from docs/, faq.txt is a path; from hr/, docs/faq.txt is not (only a root and path)
    monkeypatch.chdir(twice / ("docs" if form == "HERE" else "hr"))
    done = runner.invoke(cli, ["forget", name])
    assert done.exit_code == 0, done.stderr
    assert "forgot faq.txt" in done.stderr
    assert _paths() == [f"{twice}/docs/old/faq.txt", f"{twice}/hr/faq.txt", f"{twice}/hr/vpn.txt"]


def test_forget_a_name_of_one_document_still_forgets_it(twice: Path) -> None:
    done = runner.invoke(cli, ["forget", "vpn.txt"])
    assert done.exit_code == 0, done.stderr
    assert f"{twice}/hr/vpn.txt" not in _paths()
