"""Each storage fault's one line (localqa/store/faults.py), for the errnos and SQLite codes
a test cannot make happen here as root in a container (permission denied, an I/O error, a
quota): the path, what it means and what to do, and the exit code. The faults that can be
injected for real are in tests/test_storage_faults.py and tests/test_index_repair.py."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import pytest

from localqa.errors import IndexDamaged, StorageError
from localqa.store.faults import sqlite_fault, storage_error, translate, vector_fault


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (errno.ENOSPC, "no space left"),
        (errno.EDQUOT, "quota"),
        (errno.EROFS, "read-only"),
        (errno.EACCES, "permission denied"),
        (errno.EPERM, "not permitted"),
        (errno.EIO, "I/O error"),
    ],
)
def test_an_os_error_is_one_line_naming_its_file(code: int, words: str) -> None:
    err = OSError(code, "os text", "/home/u/.local/share/localqa/indexes/default/build.json")
    found = storage_error(err, Path("/somewhere/else"))
    assert isinstance(found, StorageError) and found.exit_code == 3
    assert str(found).startswith("/home/u/.local/share/localqa/indexes/default/build.json: ")
    assert words in str(found) and "\n" not in str(found)


def test_what_is_no_storage_fault_is_left_alone() -> None:
    assert storage_error(FileNotFoundError(errno.ENOENT, "gone", "x"), "x") is None
    assert translate(ValueError("a bug")) is None


def test_sqlite_faults_by_code(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.sqlite"
    catalog.write_bytes(b"not a database at all" * 100)
    with pytest.raises(sqlite3.DatabaseError) as raised:
        sqlite3.connect(catalog).execute("SELECT * FROM sqlite_master").fetchall()
    damaged = sqlite_fault(raised.value, catalog)
    assert isinstance(damaged, IndexDamaged) and damaged.exit_code == 4
    assert str(catalog) in str(damaged) and "localqa index repair" in str(damaged)
    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorcode = 13  # type: ignore[attr-defined]
    assert "no space left" in str(sqlite_fault(full, catalog))
    io = sqlite3.OperationalError("disk I/O error")
    io.sqlite_errorcode = 10 | (4 << 8)  # type: ignore[attr-defined]  # SQLITE_IOERR_READ
    assert "I/O error" in str(sqlite_fault(io, catalog))


def test_a_chroma_error_names_the_store() -> None:
    found = vector_fault(RuntimeError("error returned from database: disk is full"), "Chroma X")
    assert isinstance(found, StorageError) and "no space left" in str(found)
    assert "Chroma X" in str(vector_fault(RuntimeError("Could not connect"), "Chroma X"))
