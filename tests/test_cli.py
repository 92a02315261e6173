"""The command line, in-process through Typer's runner, on the real pipeline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from localqa.cli.main import cli
from localqa.config import Settings
from localqa.embedding.embedder import Embedder
from localqa.store.index import Index
from localqa.store.lock import WriterLock

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("LOCALQA_HOME", str(home))
    monkeypatch.chdir(tmp_path)  # no stray models/ or localqa.toml
    return home


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_ingest_json_report_and_sources(home: Path, docs: Path, embedder: Embedder) -> None:
    code, out, _ = invoke("ingest", str(docs), "--json", "--quiet")
    assert code == 0
    report = json.loads(out)
    for key in ("added", "updated", "unchanged", "removed", "skipped", "failed", "chunks"):
        assert key in report
    assert report["added"] == 10 and report["failed"] == [] and report["chunks"] > 20
    assert isinstance(report["seconds"], float)
    code, out, _ = invoke("sources", "--json")
    listed = {s["path"]: s for s in json.loads(out)}
    assert listed["northwind-handbook.pdf"]["last_page"] == 8
    assert sum(s["chunks"] for s in listed.values()) == report["chunks"]
    assert all(s["ingested_at"] for s in listed.values())
    code, _, err = invoke("forget", "northwind-handbook.pdf")
    assert code == 0 and "forgot northwind-handbook.pdf" in err
    code, _, err = invoke("forget", "northwind-handbook.pdf")
    assert (code, err) == (
        1,
        "localqa: error: northwind-handbook.pdf is not in index 'default'; see `localqa sources`\n",
    )
    _, out, _ = invoke("sources", "--json")
    assert "northwind-handbook.pdf" not in {s["path"] for s in json.loads(out)}


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_dry_run_changes_nothing_under_the_index(home: Path, docs: Path) -> None:
    import os

    assert invoke("ingest", str(docs), "--quiet")[0] == 0
    # every kind of change the real run would act on: new, edited, deleted, touched
    (docs / "new.txt").write_text("The new canteen opens in May.\n")
    with (docs / "faq.txt").open("a") as handle:
        handle.write("\nQ: Is there parking? A: Yes, level -2.\n")
    (docs / "price-list.csv").unlink()
    stat = (docs / "security-policy.md").stat()
    os.utime(docs / "security-policy.md", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    index_dir = home / "indexes" / "default"
    before = snapshot(index_dir)
    code, out, _ = invoke("ingest", str(docs), "--dry-run", "--json", "--quiet")
    assert code == 0
    report = json.loads(out)
    assert (report["added"], report["updated"], report["removed"]) == (1, 1, 1)
    assert snapshot(index_dir) == before
    # the summary says so first, not "... 0 failed would be"
    code, out, err = invoke("ingest", str(docs), "--dry-run")
    assert code == 0 and "dry run, nothing changed: 1 added, 1 updated" in out + err
    assert "would be" not in out + err and snapshot(index_dir) == before
    # a dry run against an index that does not exist yet creates none
    code, out, _ = invoke("ingest", str(docs), "--dry-run", "--json", "--index", "fresh")
    assert code == 0 and json.loads(out)["added"] == 10
    assert not (home / "indexes" / "fresh").exists()
    # the real run does what the dry run listed
    code, out, _ = invoke("ingest", str(docs), "--json", "--quiet")
    assert (json.loads(out)["added"], json.loads(out)["updated"]) == (1, 1)


def test_failures_give_one_line_each_and_a_non_zero_exit(home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "good.txt").write_text("The dry dock is 120 metres long.\n")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n this is not really a pdf")
    code, out, err = invoke("ingest", str(folder), "--json")
    assert code == 1
    report = json.loads(out)
    assert report["added"] == 1
    [failure] = report["failed"]
    assert failure["path"] == "broken.pdf" and "\n" not in failure["reason"]
    assert "FAILED broken.pdf" in err


def test_a_second_writer_is_refused_at_once(home: Path, docs: Path, settings: Settings) -> None:
    held = Settings.model_validate({**settings.model_dump(), "home": home})
    with WriterLock(Index(held.store).path / "ingest.lock"):
        code, _, err = invoke("ingest", str(docs / "faq.txt"))
    assert code == 1
    assert "being written by process" in err and err.count("\n") == 1


def test_commands_without_an_index_say_what_to_do(home: Path) -> None:
    for command in (["sources"], ["ask", "anything"], ["forget", "x.pdf"]):
        code, _, err = invoke(*command)
        assert code == 1 and "run `localqa ingest PATH` first" in err, command


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["forget"], 2, "give a document to forget, or --missing (not both)"),
        (["forget", "x.pdf", "--missing"], 2, "give a document to forget, or --missing (not both)"),
        (["eval"], 2, "give a questions file (JSONL), or --from squad|aragog PATH --out DIR"),
        (["eval", "absent.jsonl"], 2, "cannot read absent.jsonl: No such file or directory"),
        (
            ["eval", "--from", "nope", "x", "--out", "y"],
            2,
            "--from must be one of squad, aragog, not 'nope'",
        ),
        (["eval", "--from", "squad"], 2, "--from squad needs the benchmark PATH and --out DIR"),
        (
            ["eval", "--from", "squad", "broken\x1b[2J.json", "--out", "out"],
            1,
            "cannot convert broken\\x1b[2J.json: Expecting value: line 1 column 1 (char 0)",
        ),
    ],
)
def test_what_a_command_cannot_do_is_one_error_line(
    home: Path, args: list[str], code: int, message: str
) -> None:
    Path("broken\x1b[2J.json").write_text("not json")
    assert invoke(*args)[::2] == (code, f"localqa: error: {message}\n")


def test_bad_setting_is_one_line(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCALQA_TOP_K", "many")
    code, _, err = invoke("sources")
    assert code == 2 and "top_k" in err and err.count("\n") == 1


def test_doctor_reports_versions_index_and_network(
    home: Path, docs: Path, embedder: Embedder
) -> None:
    code, out, _ = invoke("doctor", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["index"]["state"].startswith("not built yet")
    assert "extractive" in report["models"]["none"]
    assert report["packages"]["chromadb"] != "not installed"
    assert report["network"]["chroma"] == "embedded" and "warning" not in report["network"]
    invoke("ingest", str(docs), "--quiet")
    report = json.loads(invoke("doctor", "--json")[1])
    assert report["index"]["documents"] == 10 and report["index"]["chunks"] > 20
    assert report["index"]["bm25_arrays"] == "current"
    # this machine has no GPU: both sides run on ONNX Runtime int8, whose export exists now
    assert report["embedding"]["ingest"] == "all-MiniLM-L6-v2 int8 on ONNX Runtime int8, CPU"
    assert report["embedding"]["questions"] == report["embedding"]["ingest"]
    assert Path(report["embedding"]["questions_onnx_file"]).is_file()
    assert report["embedding"]["ingest_precision"].startswith("int8: embed_backend = ")
    assert "avx2" in report["embedding"]["cpu"]  # the flags that decide it
    code, out, _ = invoke("doctor")  # the plain form: one `key: value` line per fact
    assert code == 0 and "index:" in out and "  documents: 10" in out


def test_doctor_describes_a_model_file(home: Path, tiny_gguf: Path) -> None:
    import hashlib

    report = json.loads(invoke("doctor", "--json", "--model", str(tiny_gguf))[1])
    facts = report["models"][str(tiny_gguf)]
    assert facts["sha256"] == hashlib.sha256(tiny_gguf.read_bytes()).hexdigest()
    assert facts["size_mb"] == round(tiny_gguf.stat().st_size / 1e6, 1)
    assert facts["quantisation"] in {"ALL_F32", "F16"}  # the tiny model's stated file type
    assert facts["architecture"] == "llama"
    # greedy answers do not follow the load by default; `threads = follow` says they may
    assert facts["threads"].startswith("decoding on 1 whatever the load")
    code, out, _ = invoke("doctor", "--model", str(tiny_gguf))  # lines, not a dict's repr
    assert code == 0 and "{" not in out and f"    sha256: {facts['sha256']}" in out
    absent = str(home / "absent.gguf")
    report = json.loads(invoke("doctor", "--json", "--model", absent)[1])
    assert report["models"][absent] == "missing"
