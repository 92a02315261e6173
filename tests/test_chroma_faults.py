"""A real Chroma server (`chroma run`) shared and lost (issue 27): two LOCALQA_HOMEs on one
server keep their own collections (an id in each catalog), an index from before ids is
upgraded in place, and with the server down readers answer lexically with one line while
writers stop with one line (exit 1); after a restart the re-run completes."""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from localqa.config import Settings, load_settings
from localqa.embedding.embedder import Embedder
from localqa.store.faults import VectorStoreError
from localqa.store.index import Index
from localqa.store.vectors import open_client
from tests.conftest import SAMPLE_DOCS, ingest_paths
from tests.support.faulty_index import invoke, one_error_line
from tests.test_chroma_server import free_port

QUESTION = "Which boat is used for sea trials?"


class ChromaServer:
    """`chroma run` on 127.0.0.1, stopped and started again at will (same port, same data)."""

    def __init__(self, data: Path) -> None:
        chroma = Path(sys.executable).parent / "chroma"
        if not chroma.exists():
            pytest.skip("the chroma command is not installed in this environment")
        self.command = [str(chroma), "run", "--host", "127.0.0.1", "--path", str(data)]
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
        self.process = subprocess.Popen(
            [*self.command, "--port", str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        pytest.fail("chroma server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ChromaServer]:
    running = ChromaServer(tmp_path / "server-data")
    running.start()
    yield running
    running.stop()


def on_server(home: Path, server: ChromaServer) -> Settings:
    environ = {
        "LOCALQA_HOME": str(home),
        "LOCALQA_CHROMA_HOST": "127.0.0.1",
        "LOCALQA_CHROMA_PORT": str(server.port),
    }
    return load_settings(environ=environ)


def use(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCALQA_HOME", str(settings.home))
    monkeypatch.setenv("LOCALQA_CHROMA_HOST", settings.chroma_host)
    monkeypatch.setenv("LOCALQA_CHROMA_PORT", str(settings.chroma_port))


def integrity(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> tuple[int, dict[str, str]]:
    use(settings, monkeypatch)
    code, out, _ = invoke("doctor", "--json")
    return code, json.loads(out)["integrity"]


def test_two_homes_on_one_server_keep_their_own_vectors(
    server: ChromaServer,
    tmp_path: Path,
    embedder: Embedder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    docs = tmp_path / "docs"
    shutil.copytree(SAMPLE_DOCS, docs)  # one folder: both machines' chunks get the same ids
    first, second = on_server(tmp_path / "a", server), on_server(tmp_path / "b", server)
    for settings in (first, second):
        assert not ingest_paths(settings, embedder, docs).failed
    names = set()
    for settings in (first, second):
        with Index(settings.store, read_only=True) as index:
            names.add(index.collection_name())
            held = index.vectors.count()
    assert len(names) == 2 and all(n.startswith("default-") for n in names)
    use(first, monkeypatch)
    assert invoke("forget", "faq.txt")[0] == 0
    code, found = integrity(second, monkeypatch)  # the other machine lost nothing
    assert code == 0 and found["verdict"] == "whole", found
    with Index(second.store, read_only=True) as index:
        assert index.vectors.count() == held
    assert integrity(first, monkeypatch)[0] == 0


def test_an_index_from_before_ids_is_upgraded_in_place(
    server: ChromaServer,
    tmp_path: Path,
    embedder: Embedder,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = on_server(tmp_path / "old", server)
    assert not ingest_paths(settings, embedder, SAMPLE_DOCS).failed
    with Index(settings.store) as index:
        ids = set(index.all_chunk_ids())
        name = index.collection_name()
    # as an index made before ids: no id in the catalog, vectors in `default-chunks`
    import sqlite3

    db = sqlite3.connect(settings.index_dir / "catalog.sqlite")
    db.execute("DROP TABLE info")
    db.commit()
    db.close()
    client = open_client(Path(), "127.0.0.1", server.port)
    client.get_collection(name).modify(name="default-chunks")
    use(settings, monkeypatch)
    with caplog.at_level(logging.WARNING, logger="localqa"):
        code, out, _ = invoke("ask", "--extractive", QUESTION)  # a reader keeps working
    assert code == 0 and "MS Kittiwake" in out
    assert not [r for r in caplog.records if "dense search skipped" in r.getMessage()]
    assert invoke("ingest", str(SAMPLE_DOCS), "--quiet")[0] == 0  # the writer upgrades
    with Index(settings.store, read_only=True) as index:
        assert index.collection_name() != "default-chunks"
        assert index.vectors.ids() == ids
    assert client.get_collection("default-chunks").count() == len(ids)  # left as it was
    code, found = integrity(settings, monkeypatch)
    assert code == 0 and found["verdict"] == "whole", found


def test_a_server_down_at_question_and_ingest_time(
    server: ChromaServer,
    tmp_path: Path,
    embedder: Embedder,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.chdir(tmp_path)
    docs = tmp_path / "docs"
    shutil.copytree(SAMPLE_DOCS, docs)
    settings = on_server(tmp_path / "home", server)
    assert not ingest_paths(settings, embedder, docs).failed
    server.stop()
    use(settings, monkeypatch)
    with caplog.at_level(logging.WARNING, logger="localqa"):
        code, out, _ = invoke("ask", "--extractive", QUESTION)
    assert code == 0 and "MS Kittiwake" in out  # from lexical search alone
    skipped = [r.getMessage() for r in caplog.records if "dense search skipped" in r.message]
    assert len(skipped) == 1 and f"127.0.0.1:{server.port}" in skipped[0]
    code, found = integrity(settings, monkeypatch)
    assert code == 1 and "start the server" in found["vectors"], found
    (docs / "faq.txt").write_text("The trials boat is painted blue.\n", encoding="utf-8")
    for args in (("ingest", str(docs), "--quiet"), ("forget", "README.md")):
        code, _, err = invoke(*args)
        assert code == 1, (args, err)
        assert f"Chroma server 127.0.0.1:{server.port}" in one_error_line(err)
    server.start()
    assert invoke("ingest", str(docs), "--quiet")[0] == 0
    code, found = integrity(settings, monkeypatch)
    assert code == 0 and found["verdict"] == "whole", found


class StopsTheServer:
    """The real embedder, which stops the Chroma server once it has embedded a batch: the
    server dies between the embedding of chunks and their storing, at no timing's mercy."""

    def __init__(self, inner: Embedder, server: ChromaServer) -> None:
        self._inner = inner
        self._server = server

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    def embed(self, texts: list[str], **options: object) -> object:
        vectors = self._inner.embed(texts, **options)
        self._server.stop()
        return vectors


def test_a_server_killed_mid_ingest_then_a_lost_collection(
    server: ChromaServer,
    tmp_path: Path,
    embedder: Embedder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    first, docs = tmp_path / "first", tmp_path / "docs"
    shutil.copytree(SAMPLE_DOCS, docs)
    first.mkdir()
    shutil.copy(docs / "faq.txt", first / "faq.txt")
    settings = on_server(tmp_path / "home", server)
    assert not ingest_paths(settings, embedder, first).failed
    with pytest.raises(VectorStoreError) as raised:
        ingest_paths(settings, StopsTheServer(embedder, server), docs)  # type: ignore[arg-type]
    assert raised.value.exit_code == 1 and "\n" not in str(raised.value)
    assert f"Chroma server 127.0.0.1:{server.port}" in str(raised.value)
    with Index(settings.store, read_only=True) as index:  # what was stored is intact
        assert [d.source for d in index.catalog.documents()] == ["faq.txt"]
    server.start()
    assert not ingest_paths(settings, embedder, docs).failed  # the re-run completes
    code, found = integrity(settings, monkeypatch)
    assert code == 0 and found["verdict"] == "whole", found
    with Index(settings.store, read_only=True) as index:
        ids, name = set(index.all_chunk_ids()), index.collection_name()
    open_client(Path(), "127.0.0.1", server.port).delete_collection(name)
    code, found = integrity(settings, monkeypatch)
    assert code == 4 and "localqa index repair" in found["vectors"], found
    code, _, err = invoke("index", "repair")
    assert code == 0 and "re-embedded" in err, err
    with Index(settings.store, read_only=True) as index:
        assert index.vectors.ids() == ids
