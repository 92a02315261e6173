"""A real PostgreSQL server for the tests: a private cluster on loopback, made and started
once per test session, stopped and removed at its end.

Debian's PostgreSQL 15 (`/usr/lib/postgresql/15/bin`, or `LOCALQA_PG_BIN`) is used where
installed; `initdb` refuses to run as root, so as root the cluster runs as the `postgres`
user. Without PostgreSQL the tests that need it skip with the reason, except under CI
(tests/support/needs.py) and where `LOCALQA_REQUIRE_POSTGRES` is set (`.ci/run` sets it),
where they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

from tests.support.needs import missing

PG_BIN = Path(os.environ.get("LOCALQA_PG_BIN", "/usr/lib/postgresql/15/bin"))
USER = "localqa"
PASSWORD = "test-secret-pw"
# Set by .ci/run: the shared index's tests must run there, never skip.
REQUIRED = "LOCALQA_REQUIRE_POSTGRES"


@dataclass(frozen=True)
class PostgresServer:
    """A running cluster: `url` reaches its database `localqa` as the user `localqa`."""

    port: int
    data: Path
    run_as: str | None  # the OS user the server runs as (None: this one)

    @property
    def url(self) -> str:
        return f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{self.port}/localqa"

    def url_for(self, database: str) -> str:
        return f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{database}"

    def pg_ctl(self, *args: str) -> None:
        """Run pg_ctl on this cluster (stop, start, restart), as the server's user."""
        log = self.data.parent / "server.log"
        command = [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(log), "-w", *args]
        if args[0] in {"start", "restart"}:
            command += ["-o", f"-p {self.port} -k {self.data.parent} -c listen_addresses=127.0.0.1"]
        _run(command, self.run_as)


def _run(command: list[str], user: str | None) -> None:
    if user:
        command = ["su", user, "-s", "/bin/sh", "-c", " ".join(_quote(c) for c in command)]
    subprocess.run(command, check=True, capture_output=True, timeout=120)


def _quote(word: str) -> str:
    return "'" + word.replace("'", "'\\''") + "'"


def needed(reason: str) -> NoReturn:
    """Skip for `reason`, but fail under CI or where `.ci/run` requires these servers."""
    if os.environ.get(REQUIRED):
        pytest.fail(f"{REQUIRED} is set, so this test must run: {reason}")
    missing(reason)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_cluster() -> PostgresServer:
    """initdb, start on a free loopback port, create the user and database."""
    if not (PG_BIN / "initdb").is_file():
        needed(f"PostgreSQL is not installed ({PG_BIN}/initdb is absent)")
    run_as = "postgres" if os.geteuid() == 0 else None
    top = Path(tempfile.mkdtemp(prefix="localqa-pg-"))
    top.chmod(0o755)
    if run_as:
        shutil.chown(top, user=run_as)
    server = PostgresServer(free_port(), top / "data", run_as)
    _run(
        [
            str(PG_BIN / "initdb"),
            "-D",
            str(server.data),
            "-A",
            "scram-sha-256",
            "-U",
            "postgres",
            f"--pwfile={_password_file(top, run_as)}",
            "--no-sync",
        ],
        run_as,
    )
    server.pg_ctl("start")
    _wait(server.port)
    _create_user(server)
    return server


def _password_file(top: Path, run_as: str | None) -> Path:
    path = top / "pw"
    path.write_text(PASSWORD + "\n")
    if run_as:
        shutil.chown(path, user=run_as)
    return path


def _wait(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"PostgreSQL did not start on port {port}")


def _create_user(server: PostgresServer) -> None:
    import psycopg

    admin = f"postgresql://postgres:{PASSWORD}@127.0.0.1:{server.port}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE USER {USER} PASSWORD '{PASSWORD}'")
        conn.execute(f"CREATE DATABASE localqa OWNER {USER}")


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A private PostgreSQL cluster for the session (skips without PostgreSQL, but under
    CI)."""
    try:
        import psycopg  # noqa: F401
    except ModuleNotFoundError:
        needed("psycopg is not installed: run `make setup`")
    server = start_cluster()
    try:
        yield server
    finally:
        try:
            server.pg_ctl("stop", "-m", "immediate")
        finally:
            shutil.rmtree(server.data.parent, ignore_errors=True)
