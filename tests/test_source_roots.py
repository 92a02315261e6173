"""Paths that make sense on every machine (localqa/store/roots.py): each folder ingested is
a named root; a machine that mounts it elsewhere says where (`source_roots`), and there
citations, `sources`, `forget` and a re-ingest work as on the machine that ingested it.
Two LOCALQA_HOMEs stand for two machines, one folder reached at two paths (a bind mount)
for one share mounted at two places; the embedded index here, the shared one (real
PostgreSQL and a Chroma server) in tests/test_shared_index.py."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, cast

import pytest
from typer.testing import CliRunner

from localqa.cli.main import cli
from localqa.config import ConfigError, Settings, load_settings
from localqa.embedding.embedder import Embedder
from localqa.store.roots import PathMap, localized, name_roots, on_this_desk
from tests.conftest import SAMPLE_DOCS, ingest_paths
from tests.support.mounts import same_folder_elsewhere
from tests.support.postgres import PostgresServer
from tests.support.servers import shared_settings
from tests.test_shared_index import environment

runner = CliRunner()
SAMPLE_NAMES = sorted(p.name for p in SAMPLE_DOCS.iterdir())
QUESTION = "When is salary paid?"


def test_a_mapped_root_turns_keys_into_this_machines_paths_and_back() -> None:
    roots = {"policies": ("/mnt/a/policies", "a"), "hr": ("/srv/hr", "a")}
    paths = PathMap.of(roots, [("policies", "/b/p")], "b")
    assert paths.local("/mnt/a/policies/leave/annual.txt") == "/b/p/leave/annual.txt"
    assert paths.stored("/b/p/leave/annual.txt") == "/mnt/a/policies/leave/annual.txt"
    assert paths.local("/mnt/a/policies") == "/b/p"
    assert paths.local("/mnt/a/policies-old/x.txt") == "/mnt/a/policies-old/x.txt"  # whole names
    assert paths.local("/srv/hr/x.txt") == "/srv/hr/x.txt"  # not mapped: where ingested
    assert paths.root_of("/srv/hr/a/x.txt") == ("hr", "/srv/hr")
    assert paths.root_of("/elsewhere/x.txt") is None
    assert localized({"citations": [{"abs_path": "/mnt/a/policies/x", "n": 1}]}, paths) == {
        "citations": [{"abs_path": "/b/p/x", "n": 1, "root": "policies", "root_path": "x"}]
    }
    assert localized([{"abs_path": "/elsewhere/x"}], paths) == [{"abs_path": "/elsewhere/x"}]
    # a client on a third machine maps what the server gave to its own mount
    given = {"contexts": [{"abs_path": "/b/p/x", "root": "policies", "root_path": "x"}]}
    assert on_this_desk(given, [("policies", "/c/share")]) == {
        "contexts": [{"abs_path": "/c/share/x", "root": "policies", "root_path": "x"}]
    }
    assert on_this_desk(given, [("hr", "/c/hr")]) == given


def test_a_root_out_of_reach_is_told_from_files_gone(tmp_path: Path) -> None:
    """A root whose folder is not here is out of reach where another machine ingested it
    (or this one mounts it at a folder that is not there); where this machine ingested it,
    its files are gone."""
    gone = str(tmp_path / "gone")
    roots = {"mine": (f"{gone}/mine", "here"), "theirs": (f"{gone}/theirs", "there")}
    paths = PathMap.of(roots, [], "here")
    assert paths.reachable(f"{gone}/mine/x.txt") and paths.missing(f"{gone}/mine/x.txt")
    assert not paths.reachable(f"{gone}/theirs/x.txt")
    assert not paths.missing(f"{gone}/theirs/x.txt")
    (tmp_path / "mount").mkdir()
    (tmp_path / "mount" / "x.txt").write_text("x")
    mounted = PathMap.of(roots, [("theirs", tmp_path / "mount")], "here")
    assert mounted.reachable(f"{gone}/theirs/x.txt")
    assert not mounted.missing(f"{gone}/theirs/x.txt")
    assert mounted.missing(f"{gone}/theirs/y.txt")
    unmounted = PathMap.of(roots, [("theirs", tmp_path / "nowhere")], "here")
    assert not unmounted.reachable(f"{gone}/theirs/x.txt")
    # a subfolder ingested first as a root of its own, then the share: mapping the share
    # reaches both
    nested = {**roots, "sub": (f"{gone}/theirs/sub", "there")}
    (tmp_path / "mount" / "sub").mkdir()
    outer = PathMap.of(nested, [("theirs", tmp_path / "mount")], "here")
    assert outer.root_of(f"{gone}/theirs/sub/y.txt") == ("sub", f"{gone}/theirs/sub")
    assert outer.local(f"{gone}/theirs/sub/y.txt") == str(tmp_path / "mount" / "sub" / "y.txt")
    assert outer.reachable(f"{gone}/theirs/sub/y.txt")


def test_a_folder_is_placed_in_its_root_or_named_as_a_new_one() -> None:
    roots = {"docs": ("/home/u/docs", ""), "policies": ("/mnt/a/p", "")}
    paths = PathMap.of(roots, [("policies", "/b/p")])
    assert paths.placed("/b/p/hr") == ("policies", "/mnt/a/p", False)  # under a mount
    assert paths.placed("/home/u/docs/sub") == ("docs", "/home/u/docs", False)
    assert paths.placed("/work/docs") == ("docs-2", "/work/docs", True)  # the name is taken
    fresh = PathMap.of({}, [("team", "/srv/share")])
    assert fresh.placed("/srv/share/x") == ("team", "/srv/share", True)  # named by the setting
    assert name_roots(["/a/docs", "/a/docs/sub", "/b/docs"], {}) == {
        "docs": "/a/docs",
        "docs-2": "/b/docs",
    }


def test_source_roots_from_the_config_file_and_the_environment(tmp_path: Path) -> None:
    config = tmp_path / "localqa.toml"
    config.write_text('[store]\nsource_roots = { policies = "/mnt/share/policies/" }\n')
    settings = load_settings(config_file=config, environ={})
    assert settings.store.source_roots == (("policies", Path("/mnt/share/policies")),)
    env = {"LOCALQA_SOURCE_ROOTS": "policies=/mnt/p, hr=/srv/hr"}
    assert dict(load_settings(environ=env).source_roots) == {
        "policies": Path("/mnt/p"),
        "hr": Path("/srv/hr"),
    }
    config.write_text('source_roots = { policies = "share/policies" }\n')
    with pytest.raises(ConfigError, match=r"localqa.toml line 1: source_roots: .*absolute path"):
        load_settings(config_file=config, environ={})
    config.write_text("source_roots = 3\n")
    with pytest.raises(ConfigError, match="give a table of root names and folders"):
        load_settings(config_file=config, environ={})


def test_the_chats_o_opens_the_file_where_this_machine_mounts_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from localqa.answering.conversations import Source
    from localqa.schema import Chunk
    from localqa.tui.opener import open_in_viewer

    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "faq.txt").write_text("Salary is paid on the 20th.\n")
    text = "Salary is paid on the 20th."
    cited = Chunk("i", text, "faq.txt", "/a/policies/faq.txt", 1, 1, 1, 0, len(text), "d")
    source = Source(1, cited, quote=text)
    monkeypatch.setattr(shutil, "which", lambda name: None)  # no viewer: the extract is shown
    monkeypatch.delenv("PAGER", raising=False)
    app = cast(Any, None)  # not used where nothing can be opened
    assert "/a/policies/faq.txt is no longer there" in (open_in_viewer(app, source) or "")
    paths = PathMap.of({"policies": ("/a/policies", "a")}, [("policies", tmp_path / "b")], "b")
    assert (open_in_viewer(app, source, paths) or "").startswith("Nothing here can open files")


def test_an_embedded_index_from_before_roots_names_them_in_place(
    settings: Settings, embedder: Embedder, docs: Path
) -> None:
    """A catalog without the roots table (an older localqa's): read as it is, its folder
    named as the next writer names it; that writer names it in place, nothing re-keyed."""
    import sqlite3

    from localqa.store.index import CATALOG_FILE, Index

    assert ingest_paths(settings, embedder, docs).failed == []
    with Index(settings.store) as index:
        keys = sorted(d.abs_path for d in index.catalog.documents())
    with sqlite3.connect(settings.index_dir / CATALOG_FILE) as db:
        db.execute("DROP TABLE roots")
    with Index(settings.store, read_only=True) as index:
        assert index.catalog.named_roots() == {"docs": (str(docs), "")}
        assert index.paths().root_of(keys[0]) == ("docs", str(docs))
    with sqlite3.connect(settings.index_dir / CATALOG_FILE) as db:
        assert not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'roots'").fetchone()
    with Index(settings.store) as index:
        assert sorted(d.abs_path for d in index.catalog.documents()) == keys
    with sqlite3.connect(settings.index_dir / CATALOG_FILE) as db:
        assert db.execute("SELECT * FROM roots").fetchall() == [("docs", str(docs), "")]


def _json(*args: str) -> object:
    result = runner.invoke(cli, list(args))
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_an_index_read_on_a_machine_that_mounts_the_share_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Machine A ingests /a/policies; machine B (a copy of A's index, its own home) mounts
    the same folder at /b/policies and maps it. On B: every citation, `sources` and
    `forget` use B's paths, a re-ingest finds every file unchanged; without the mapping,
    B says the documents are on a folder it does not reach, and `forget --missing` keeps
    them."""
    share = tmp_path / "a" / "policies"
    shutil.copytree(SAMPLE_DOCS, share)
    home_a, home_b = tmp_path / "home-a", tmp_path / "home-b"
    monkeypatch.setenv("LOCALQA_HOME", str(home_a))
    assert runner.invoke(cli, ["ingest", "-q", str(share)]).exit_code == 0
    shutil.copytree(home_a, home_b)  # the index, carried to machine B
    with same_folder_elsewhere(share, tmp_path / "b" / "policies") as mount:
        gone = share.rename(tmp_path / "a" / "unmounted")  # A's path does not exist on B
        monkeypatch.setenv("LOCALQA_HOME", str(home_b))
        listed = _json("sources", "--json")
        assert isinstance(listed, list) and len(listed) == 10
        assert all(not d["reachable"] and not d["missing"] for d in listed)
        sources = runner.invoke(cli, ["sources"])
        assert sources.stdout.count("\tUNREACHABLE") == 10 and "FILE MISSING" not in sources.stdout
        forget = runner.invoke(cli, ["forget", "--missing"])
        assert forget.exit_code == 0 and "0 document(s)" in forget.stderr

        monkeypatch.setenv("LOCALQA_SOURCE_ROOTS", f"policies={mount}")
        listed = _json("sources", "--json")
        assert isinstance(listed, list)
        assert {d["abs_path"] for d in listed} == {
            str(mount / p.name) for p in SAMPLE_DOCS.iterdir()
        }
        assert all(d["reachable"] and not d["missing"] and d["root"] == "policies" for d in listed)
        asked = _json("ask", "--extractive", "--json", "When is salary paid?")
        assert isinstance(asked, dict) and asked["citations"]
        assert all(c["abs_path"].startswith(f"{mount}/") for c in asked["citations"])
        assert all(c["abs_path"].startswith(f"{mount}/") for c in asked["contexts"])
        doctor = _json("doctor", "--json")
        assert isinstance(doctor, dict)
        assert doctor["configuration"]["source_roots"] == {"policies": str(mount)}
        foreseen = _json("ingest", "--dry-run", "-q", "--json", str(mount))
        assert isinstance(foreseen, dict) and foreseen["unchanged"] == 10
        again = _json("ingest", "-q", "--json", str(mount))
        assert isinstance(again, dict)
        assert again["unchanged"] == 10 and again["files"]["added"] == []
        assert again["moved"] == 0 and again["removed"] == 0
        cited = asked["citations"][0]
        forgot = runner.invoke(cli, ["forget", cited["abs_path"]])  # B's own path
        assert forgot.exit_code == 0, forgot.stderr
        assert f"forgot {cited['source']}" in forgot.stderr and str(mount) in forgot.stderr
        assert len(_json("sources", "--json")) == 9  # type: ignore[arg-type]
        kept = next(d["path"] for d in listed if d["path"] != cited["source"])
        (mount / kept).unlink()  # gone from the share: missing, not unreachable
        sources = runner.invoke(cli, ["sources"])
        assert sources.stdout.count("\tFILE MISSING") == 1 and "UNREACHABLE" not in sources.stdout
        assert f"{kept}\t" in sources.stdout.split("FILE MISSING")[0].splitlines()[-1]
        gone.rename(share)


def test_a_share_ingested_before_its_mapping_is_kept_once_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Machine B ingests the share at its own mount before saying where it mounts it: the
    folder becomes a second root ("policies-2") and the report says how to make it the
    first one; with the mapping set, the next ingest keeps each document once, under the
    first root, nothing read again."""
    share = tmp_path / "a" / "policies"
    shutil.copytree(SAMPLE_DOCS, share)
    monkeypatch.setenv("LOCALQA_HOME", str(tmp_path / "home-a"))
    assert runner.invoke(cli, ["ingest", "-q", str(share)]).exit_code == 0
    shutil.copytree(tmp_path / "home-a", tmp_path / "home-b")
    monkeypatch.setenv("LOCALQA_HOME", str(tmp_path / "home-b"))
    with same_folder_elsewhere(share, tmp_path / "b" / "policies") as mount:
        first = _json("ingest", "-q", "--json", str(mount))
        assert isinstance(first, dict) and first["added"] == 10
        said = " ".join(w["reason"] for w in first["warnings"])
        assert "named root 'policies-2'" in said and f'policies = "{mount}"' in said
        monkeypatch.setenv("LOCALQA_SOURCE_ROOTS", f"policies={mount}")
        again = _json("ingest", "-q", "--json", str(mount))
        assert isinstance(again, dict)
        assert again["unchanged"] == 10 and again["removed"] == 10 and again["added"] == 0
        listed = _json("sources", "--json")
        assert isinstance(listed, list) and len(listed) == 10
        assert {d["root"] for d in listed} == {"policies"}


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "localqa", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return done


def test_a_shared_index_on_two_machines_that_mount_the_share_at_two_paths(
    settings: Settings, postgres: PostgresServer, chroma_port: int, tmp_path: Path
) -> None:
    """Real PostgreSQL and a Chroma server; machine A ingests /a/policies, machine B (its
    own home) mounts the same folder at /b/policies. B's re-ingest finds every file
    unchanged; B's answers, `sources` and `forget` use B's paths, and A sees B's forget
    with its own; without the mapping, and A's folder not there, B says the share is out
    of reach and `forget --missing` keeps every document."""
    shared = shared_settings(settings, postgres, chroma_port)
    share = tmp_path / "a" / "policies"
    shutil.copytree(SAMPLE_DOCS, share)
    env_a = environment(shared, tmp_path / "machine-a")
    _cli(env_a, "ingest", "--quiet", str(share))
    with same_folder_elsewhere(share, tmp_path / "b" / "policies") as mount:
        env_b = environment(shared, tmp_path / "machine-b")
        env_b["LOCALQA_SOURCE_ROOTS"] = f"policies={mount}"
        again = json.loads(_cli(env_b, "ingest", "--quiet", "--json", str(mount)).stdout)
        assert again["unchanged"] == 10 and again["files"]["added"] == []
        assert again["removed"] == 0 and again["moved"] == 0
        listed = json.loads(_cli(env_b, "sources", "--json").stdout)
        assert {d["abs_path"] for d in listed} == {
            str(mount / p.name) for p in SAMPLE_DOCS.iterdir()
        }
        assert all(d["reachable"] and d["root"] == "policies" for d in listed)
        asked = json.loads(
            _cli(env_b, "ask", "--extractive", "--json", "When is salary paid?").stdout
        )
        cited = asked["citations"][0]
        assert all(c["abs_path"].startswith(f"{mount}/") for c in asked["citations"])
        forgot = _cli(env_b, "forget", cited["abs_path"])
        assert f"forgot {cited['source']}" in forgot.stderr
        on_a = json.loads(_cli(env_a, "sources", "--json").stdout)
        assert {d["abs_path"] for d in on_a} == {
            str(share / p.name) for p in SAMPLE_DOCS.iterdir() if p.name != cited["source"]
        }

        away = share.rename(tmp_path / "a" / "unmounted")
        try:
            del env_b["LOCALQA_SOURCE_ROOTS"]
            sources = _cli(env_b, "sources")
            assert sources.stdout.count("\tUNREACHABLE") == 9
            assert "0 document(s)" in _cli(env_b, "forget", "--missing").stderr
        finally:
            away.rename(share)


def test_serve_and_mcp_cite_where_this_machine_mounts_the_share(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`localqa serve` (/v1/sources, /v1/ask, /v1/chat/completions) and `localqa mcp`
    (search, ask, sources) on machine B give B's paths, A's folder not being there."""
    import httpx

    from tests.test_mcp import ok, run_session
    from tests.test_server import start, stop

    share = tmp_path / "a" / "policies"
    shutil.copytree(SAMPLE_DOCS, share)
    monkeypatch.setenv("LOCALQA_HOME", str(tmp_path / "home-a"))
    assert runner.invoke(cli, ["ingest", "-q", str(share)]).exit_code == 0
    shutil.copytree(tmp_path / "home-a", tmp_path / "home-b")
    machine_b = load_settings(environ={"LOCALQA_HOME": str(tmp_path / "home-b")})
    with same_folder_elsewhere(share, tmp_path / "b" / "policies") as mount:
        away = share.rename(tmp_path / "a" / "unmounted")
        server, url = start(machine_b, tmp_path, LOCALQA_SOURCE_ROOTS=f"policies={mount}")
        try:
            listed = httpx.get(f"{url}/v1/sources", timeout=120).json()
            asked = httpx.post(f"{url}/v1/ask", json={"question": QUESTION}, timeout=300).json()
            chat = {"model": "localqa", "messages": [{"role": "user", "content": QUESTION}]}
            replied = httpx.post(f"{url}/v1/chat/completions", json=chat, timeout=300).json()
        finally:
            stop(server)
        config = tmp_path / "machine-b.toml"
        config.write_text(f'source_roots = {{ policies = "{mount}" }}\n')

        async def script(client: Any) -> dict[str, Any]:
            return {
                "search": await client.call_tool("search", {"query": QUESTION, "top_k": 3}),
                "ask": await client.call_tool("ask", {"question": QUESTION}),
                "sources": await client.call_tool("sources", {}),
            }

        calls = run_session(machine_b, tmp_path, script, "--extractive", "--config", str(config))
        away.rename(share)
    paths = [d["abs_path"] for d in listed] + [c["abs_path"] for c in asked["citations"]]
    paths += [c["abs_path"] for c in replied["citations"]]
    paths += [p["abs_path"] for p in ok(calls["search"])["passages"]]
    paths += [c["abs_path"] for c in ok(calls["ask"])["citations"]]
    paths += [d["abs_path"] for d in ok(calls["sources"])["sources"]]
    assert len(listed) == 10 and asked["citations"] and replied["citations"]
    assert paths and all(p.startswith(f"{mount}/") for p in paths), paths
    assert all(d["reachable"] and not d["missing"] for d in listed)
