"""The shared index on real servers: PostgreSQL (a private cluster, tests/support/postgres.py)
and a Chroma server (`chroma run`). Real `localqa ingest` processes: two at once share the
work, each file stored once; one killed by SIGKILL mid-run leaves nothing half-visible and
a re-run completes it. Lexical search ranks as the embedded index's BM25 does. Failures
are one line naming the server, never the password; an older schema is upgraded in place.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from localqa.config import Settings, load_settings
from localqa.embedding.embedder import Embedder
from localqa.store.index import Index
from localqa.store.postgres.connection import SCHEMA, SCHEMA_VERSION, Database
from localqa.store.postgres.index import PgIndex
from tests.conftest import REPO, SAMPLE_DOCS, ingest_paths
from tests.support.postgres import PASSWORD, PostgresServer, free_port
from tests.support.servers import shared_settings

COPIES = 3
FILES = 10 * COPIES  # sample_docs holds 10 documents
LEASE_S = "3"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    for n in range(COPIES):
        shutil.copytree(SAMPLE_DOCS, root / f"copy{n}")
    return root


@pytest.fixture(scope="module")
def clean_chunks(
    corpus: Path, embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> set[tuple[str, int, str]]:
    """What one embedded run makes of the corpus: (source, page, text) of every chunk."""
    settings = load_settings(environ={"LOCALQA_HOME": str(tmp_path_factory.mktemp("clean"))})
    assert ingest_paths(settings, embedder, corpus).failed == []
    with Index(settings.store) as index:
        return visible(index)


def visible(index: Any) -> set[tuple[str, int, str]]:
    return {
        (c.source, c.page, c.text)
        for d in index.catalog.documents()
        for c in index.chunks.of_document(d.abs_path)
    }


def environment(settings: Settings, home: Path) -> dict[str, str]:
    """A `localqa` process on another "machine" (its own home) using `settings`' index."""
    return {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "LOCALQA_HOME": str(home),
        "LOCALQA_INDEX": settings.index,
        "LOCALQA_DATABASE_URL": settings.database_url.get_secret_value(),
        "LOCALQA_CHROMA_HOST": settings.chroma_host,
        "LOCALQA_CHROMA_PORT": str(settings.chroma_port),
        "LOCALQA_CLAIM_LEASE_S": LEASE_S,
    }


def start_ingest(env: dict[str, str], folder: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "localqa", "ingest", "--quiet", "--json", str(folder)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def consistent(index: PgIndex) -> int:
    """Visible chunks == chunk rows == vectors; every visible chunk has its vector; no
    orphans, no piece twice, every document's count right. The visible count."""
    count = index.chunks.count()
    assert index.chunks.orphan_ids(index.worker) == []
    assert index.vectors.count() == count
    ids = []
    for doc in index.catalog.documents():
        chunks = index.chunks.of_document(doc.abs_path)
        assert len(chunks) == doc.chunks
        ids += [c.id for c in chunks]
    assert len(set(ids)) == count
    stored = index.vectors._collection.get(ids=ids, include=[])["ids"]
    assert sorted(stored) == sorted(ids)
    return count


@pytest.fixture
def shared(settings: Settings, postgres: PostgresServer, chroma_port: int) -> Settings:
    return shared_settings(settings, postgres, chroma_port)


def test_two_ingest_runs_share_the_work(
    shared: Settings, corpus: Path, tmp_path: Path, clean_chunks: set[tuple[str, int, str]]
) -> None:
    runs = [start_ingest(environment(shared, tmp_path / f"machine{n}"), corpus) for n in (1, 2)]
    reports = []
    for run in runs:
        out, err = run.communicate(timeout=600)
        assert run.returncode == 0, err
        reports.append(json.loads(out))
    did = [set(r["files"]["added"]) for r in reports]
    assert did[0].isdisjoint(did[1])  # none embedded twice
    assert len(did[0] | did[1]) == FILES  # the union accounts for every file
    assert [r["by_others"] for r in reports] == [len(did[1]), len(did[0])]
    with PgIndex(shared.store) as index:
        assert consistent(index) == len(clean_chunks)
        assert visible(index) == clean_chunks
    again = start_ingest(environment(shared, tmp_path / "machine3"), corpus)
    out, _ = again.communicate(timeout=600)
    assert json.loads(out)["unchanged"] == FILES


def test_sigkill_mid_ingest_then_a_rerun_completes(
    shared: Settings, corpus: Path, tmp_path: Path, clean_chunks: set[tuple[str, int, str]]
) -> None:
    env = environment(shared, tmp_path / "machine1")
    run = start_ingest(env, corpus)
    with PgIndex(shared.store) as index:
        deadline = time.monotonic() + 300
        while run.poll() is None and time.monotonic() < deadline:
            if len(index.catalog.documents()) >= 8:
                run.send_signal(signal.SIGKILL)
                break
            time.sleep(0.02)
        run.wait(timeout=30)
        assert run.returncode == -signal.SIGKILL, "ingest finished before it could be killed"
        # what is visible is whole: each committed document with all its chunks and vectors
        for doc in index.catalog.documents():
            chunks = index.chunks.of_document(doc.abs_path)
            assert len(chunks) == doc.chunks > 0
            got = index.vectors._collection.get(ids=[c.id for c in chunks], include=[])
            assert len(got["ids"]) == len(chunks)
    rerun = start_ingest(environment(shared, tmp_path / "machine2"), corpus)
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err
    report = json.loads(out)
    assert report["added"] + report["unchanged"] == FILES and report["failed"] == []
    with PgIndex(shared.store) as index:
        assert consistent(index) == len(clean_chunks)
        assert visible(index) == clean_chunks


def test_lexical_search_ranks_as_the_embedded_bm25(
    sample_index: Settings, shared: Settings
) -> None:
    """The same chunks in both stores: the same hits in the same order, the same scores,
    from PostgreSQL while this machine's copy of the postings is stale, and from the copy
    once the write that changed them has ended (store/postgres/arrays.py)."""
    with Index(sample_index.store) as embedded, PgIndex(shared.store) as pg:
        with pg.writing():
            for doc in embedded.catalog.documents():
                pg.chunks.add(embedded.chunks.of_document(doc.abs_path))
                pg.catalog.commit(doc, pg.worker)
            assert not copy_in_use(pg)
            ranks_as_embedded(embedded, pg)
        assert copy_in_use(pg)  # made as the write ended
        ranks_as_embedded(embedded, pg)
        with PgIndex(shared.store) as again:  # another process here: the copy on disk
            assert copy_in_use(again)
            ranks_as_embedded(embedded, again)
        # a write elsewhere (another machine): the copy is stale, the server answers
        gone = [c.id for c, _ in pg.lexical.search("When is salary paid?", 2)]
        pg.chunks.delete(gone)
        assert not copy_in_use(pg)
        found = [c.id for c, _ in pg.lexical.search("When is salary paid?", 10)]
        assert found and not set(found) & set(gone)
        pg.lexical.copy.refresh()
        assert copy_in_use(pg)
        assert [c.id for c, _ in pg.lexical.search("When is salary paid?", 10)] == found


def copy_in_use(index: PgIndex) -> bool:
    """Whether a search of `index` now scores from its copy of the postings."""
    with index.db.transaction() as conn:
        return index.lexical.copy.current(conn) is not None


def ranks_as_embedded(embedded: Index, pg: PgIndex) -> None:
    questions = [
        "When is salary paid?",
        "Which boat is used for sea trials?",
        "How many weeks of parental leave do employees get?",
        "远程办公的规定是什么",
        "price of the sensor",
    ]
    for question in questions:
        want = [(c.id, s) for c, s in embedded.lexical.search(question, 10)]
        got = [(c.id, s) for c, s in pg.lexical.search(question, 10)]
        assert [i for i, _ in got] == [i for i, _ in want], question
        assert [s for _, s in got] == pytest.approx([s for _, s in want], rel=1e-9)
    docs = [d.abs_path for d in embedded.catalog.documents()][:3]
    within = embedded.lexical.search_documents("policy", 5, docs)
    assert [c.id for c, _ in pg.lexical.search_documents("policy", 5, docs)] == [
        c.id for c, _ in within
    ]
    assert pg.lexical.word_rarity(["salary", "the"]) == pytest.approx(
        embedded.lexical.word_rarity(["salary", "the"])
    )


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "localqa", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_unreachable_server_or_wrong_password_is_one_line(
    shared: Settings,
    postgres: PostgresServer,
    tmp_path: Path,
    docs: Path,
) -> None:
    closed = free_port()
    cases = {
        f"127.0.0.1:{closed}": f"postgresql://localqa:{PASSWORD}@127.0.0.1:{closed}/localqa",
        "refused the credentials": postgres.url.replace(PASSWORD, "wrong-pw-123"),
    }
    for expected, url in cases.items():
        env = {**environment(shared, tmp_path / "home"), "LOCALQA_DATABASE_URL": url}
        for args in (("sources",), ("ingest", "--quiet", str(docs))):
            done = run_cli(env, *args)
            assert done.returncode == 1, done.stderr
            (line,) = done.stderr.strip().splitlines()
            assert line.startswith("localqa: error: PostgreSQL server ") and expected in line
            assert PASSWORD not in done.stderr and "wrong-pw-123" not in done.stderr
    doctor = run_cli(
        {
            **environment(shared, tmp_path / "home"),
            "LOCALQA_DATABASE_URL": cases[f"127.0.0.1:{closed}"],
        },
        "doctor",
        "--json",
    )
    servers = json.loads(doctor.stdout)["servers"]
    assert "cannot be reached" in servers["database_problem"]
    assert doctor.returncode == 1 and "PostgreSQL down" in doctor.stderr, doctor.stderr
    assert PASSWORD not in doctor.stdout


def test_doctor_checks_both_servers(shared: Settings, tmp_path: Path, docs: Path) -> None:
    env = environment(shared, tmp_path / "home")
    assert run_cli(env, "ingest", "--quiet", str(docs)).returncode == 0
    doctor = run_cli(env, "doctor", "--json")
    assert doctor.returncode == 0, doctor.stderr
    servers = json.loads(doctor.stdout)["servers"]
    assert servers["documents"] == 10 and servers["chunks"] > 20
    assert servers["schema_version"] == f"{SCHEMA_VERSION} (current)"
    assert servers["chroma"].startswith(f"server 127.0.0.1:{shared.chroma_port}: reachable")
    assert PASSWORD not in json.dumps(servers)
    # the Chroma server down: said, and exit 1 as a command that needs it would
    closed = {**env, "LOCALQA_CHROMA_PORT": str(free_port())}
    doctor = run_cli(closed, "doctor", "--json")
    assert json.loads(doctor.stdout)["servers"]["chroma"].startswith("problem:")
    assert doctor.returncode == 1 and "Chroma server down" in doctor.stderr, doctor.stderr


def test_a_schema_of_an_older_version_is_upgraded_in_place(
    shared: Settings,
    postgres: PostgresServer,
) -> None:
    """Version 1 had no `chunks.length` and no `claims.finished`, and recorded no version;
    before 3, no named roots."""
    db = Database(postgres.url, shared.index, create=False)
    with db.transaction() as conn:
        conn.execute(f'CREATE SCHEMA "{db.schema}"')
        conn.execute(SCHEMA)
        conn.execute(
            "INSERT INTO documents(abs_path, source, root, doc_hash, size, mtime_ns) "
            "VALUES ('/docs/a.txt', 'a.txt', '/docs', 'h1', 1, 0)"
        )
    db.close()
    with PgIndex(shared.store) as index:
        assert [d.source for d in index.catalog.documents()] == ["a.txt"]
        facts = index.db.describe()
        assert facts["schema_version"] == f"{SCHEMA_VERSION} (current)"
        # its documents' folder named as a root in place, keys unchanged (version 3)
        assert index.catalog.named_roots() == {"docs": ("/docs", "")}
        assert index.catalog.documents()[0].abs_path == "/docs/a.txt"
        with index.db.transaction() as conn:
            columns = conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
                "AND table_name = 'chunks'",
                (index.db.schema,),
            ).fetchall()
        assert ("length",) in columns


def test_settings_without_a_database_keep_the_embedded_index(settings: Settings) -> None:
    from localqa.builder import Builder

    with Builder(settings).index() as index:
        assert isinstance(index, Index)
    assert settings.store.database_url == SecretStr("")


def test_postgresql_restarting_mid_ingest_loses_nothing(
    shared: Settings,
    postgres: PostgresServer,
    corpus: Path,
    tmp_path: Path,
    clean_chunks: set[tuple[str, int, str]],
) -> None:
    """The run either rides over the restart (its pool reconnects) or stops with one line
    and exit 1; what it reported is stored, and a re-run completes the work."""
    run = start_ingest(environment(shared, tmp_path / "machine1"), corpus)
    with PgIndex(shared.store) as index:
        deadline = time.monotonic() + 300
        while run.poll() is None and time.monotonic() < deadline:
            if len(index.catalog.documents()) >= 5:
                postgres.pg_ctl("restart", "-m", "fast")
                break
            time.sleep(0.05)
    out, err = run.communicate(timeout=600)
    assert run.returncode in (0, 1), err
    if run.returncode == 1:
        (line,) = err.strip().splitlines()
        assert line.startswith("localqa: error: PostgreSQL server ") and PASSWORD not in err
    reported = json.loads(out)["files"]["added"] if run.returncode == 0 else []
    rerun = start_ingest(environment(shared, tmp_path / "machine2"), corpus)
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err
    assert json.loads(out)["unchanged"] >= len(reported)
    with PgIndex(shared.store) as index:
        assert consistent(index) == len(clean_chunks)
        assert visible(index) == clean_chunks


def test_an_embedded_index_is_copied_without_re_embedding(
    sample_index: Settings, shared: Settings, embedder: Embedder
) -> None:
    from localqa.ingest.progress import PlainProgress
    from localqa.ingest.shared import make_ingestor
    from localqa.store.copy import copy_index

    with Index(sample_index.store) as source, PgIndex(shared.store) as target:
        copied = copy_index(source, target)
        assert (copied.documents, copied.unchanged) == (10, 0)
        assert copied.chunks == source.chunks.count() == consistent(target)
        assert visible(target) == visible(source)
        assert target.catalog.documents() == source.catalog.documents()
        ids = [c.id for c in source.chunks.of_document(source.catalog.documents()[0].abs_path)]
        assert target.vectors.vectors_of(ids) == pytest.approx(source.vectors.vectors_of(ids))
        assert copy_index(source, target).unchanged == 10  # again: nothing to do
        report = make_ingestor(target, embedder, shared.ingest, PlainProgress(quiet=True)).run(
            [SAMPLE_DOCS]
        )
    assert len(report.unchanged) == 10 and report.chunks_written == 0


def test_index_copy_to_postgresql_and_back(
    sample_index: Settings, shared: Settings, tmp_path: Path
) -> None:
    """`localqa index copy --to postgresql://...`, then from there `--to embedded` in
    another home: the same documents and chunks each way, vectors included."""
    url = shared.database_url.get_secret_value()
    out = {**os.environ, "PYTHONPATH": str(REPO), "LOCALQA_HOME": str(sample_index.home)}
    chroma = f"127.0.0.1:{shared.chroma_port}"
    there = run_cli(
        out, "index", "copy", "--to", url, "--to-chroma", chroma, "--index", sample_index.index
    )
    assert there.returncode == 0, there.stderr
    assert there.stderr.startswith("10 documents copied") and PASSWORD not in there.stderr
    with Index(sample_index.store, read_only=True) as source:  # the shared index's own
        assert source.lexical.fresh_arrays() is not None  # BM25 copy is kept apart
    back_home = tmp_path / "back"
    back = run_cli(
        {**environment(shared, back_home), "LOCALQA_INDEX": sample_index.index},
        "index",
        "copy",
        "--to",
        "embedded",
        "--to-chroma",
        "embedded",
    )
    assert back.returncode == 0, back.stderr
    copied = load_settings({"home": back_home, "index": sample_index.index}, environ={})
    with Index(sample_index.store) as source, Index(copied.store) as target:
        assert visible(target) == visible(source)
        assert target.vectors.count() == source.chunks.count()


def test_a_renamed_file_is_moved_in_the_shared_index_without_reading_it(
    shared: Settings, tmp_path: Path, embedder: Embedder
) -> None:
    """issue 28's moves, on PostgreSQL: a renamed file keeps its chunks and vectors (those
    whose header names the file are embedded again from stored text) and is found by its
    new name; a moved folder embeds nothing."""
    from localqa.ingest.progress import PlainProgress
    from localqa.ingest.shared import make_ingestor

    folder = tmp_path / "docs"
    shutil.copytree(SAMPLE_DOCS, folder)

    def ingest() -> Any:
        with PgIndex(shared.store) as index:
            return make_ingestor(index, embedder, shared.ingest, PlainProgress(quiet=True)).run(
                [folder]
            )

    assert len(ingest().added) == 10
    (folder / "faq.txt").rename(folder / "questions-answered.txt")
    report = ingest()
    assert report.moved and report.added == [] and report.moved_embedded > 0
    with PgIndex(shared.store) as index:
        consistent(index)
        sources = {d.source for d in index.catalog.documents()}
        assert "questions-answered.txt" in sources and "faq.txt" not in sources
        found = index.lexical.search("questions answered", 5)
        assert found and found[0][0].source == "questions-answered.txt"
    (folder / "sub").mkdir()
    (folder / "questions-answered.txt").rename(folder / "sub" / "questions-answered.txt")
    report = ingest()
    assert report.moved and report.moved_embedded == 0


def test_a_shared_index_from_before_collection_ids_keeps_its_vectors(shared: Settings) -> None:
    """Shared indexes of the first version named their collection `{index}-chunks` and kept
    no id: opened now, they read that collection, not a new empty one."""
    from localqa.store.vectors import ChromaVectorStore
    from tests.test_store_contract import HARBOUR, chunks_of, entry, vectors

    harbour = chunks_of("/docs/harbour.txt", "1", HARBOUR)
    legacy = ChromaVectorStore(
        shared.index_dir / "chroma", "127.0.0.1", shared.chroma_port, f"{shared.index}-chunks"
    )
    stored = vectors(len(harbour))
    legacy.upsert([c.id for c in harbour], stored, [c.abs_path for c in harbour])
    with PgIndex(shared.store) as index:
        with index.db.transaction() as conn:  # what the first version wrote
            conn.execute("DELETE FROM meta WHERE key = 'index_id'")
        index.chunks.add(harbour)
        index.catalog.commit(entry(harbour), index.worker)
    with PgIndex(shared.store) as index:
        assert index.vectors.count() == 3
        assert index.vectors.query(stored[1], 1)[0][0] == harbour[1].id


class CountingProgress:
    """Records what an ingest tells its progress display."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.done: list[str] = []
        self.finished = 0

    def start(self, files: int, total_bytes: int = 0) -> None:
        self.starts.append(files)

    def reading(self, source: str, size: int) -> None:
        pass

    def file_done(
        self, source: str, outcome: str, chunks: int, note: str = "", size: int = 0
    ) -> None:
        self.done.append(source)

    def chunks_stored(self, count: int) -> None:
        pass

    def finish(self) -> None:
        self.finished += 1


def test_progress_counts_over_every_claimed_batch(
    shared: Settings, tmp_path: Path, embedder: Embedder
) -> None:
    """A shared ingest reads its files in claimed batches (ingest/shared.py); the display
    is started once for all of them, so it never shows "[5/4]" (a new user saw [9/2])."""
    from localqa.ingest.shared import make_ingestor

    folder = tmp_path / "docs"
    shutil.copytree(SAMPLE_DOCS, folder)
    progress = CountingProgress()
    with PgIndex(shared.store) as index:
        report = make_ingestor(index, embedder, shared.ingest, progress).run([folder])
    assert len(report.added) == 10
    assert progress.starts == [10] and progress.finished == 1
    assert sorted(progress.done) == sorted(report.added)
