"""What a disk or a server can do to an index, said in one line: every storage fault of the
embedded store becomes a `StorageError` (exit 3: no space, read-only, permission, I/O
error), an `IndexDamaged` (exit 4: `localqa index repair`) or a `VectorStoreError` (exit 1:
the vector store cannot be opened or reached), each naming the path or server and what
to do. No traceback reaches the user.

SQLite's faults are translated where they happen, by the catalog's own connection
(`GuardedConnection`: every statement and every row fetched), so a damaged page met in the
middle of a search is as clear as one met on opening. OS errors (`storage_error`) and
Chroma's (`vector_fault`) are translated at the store's boundary (`Index.writing`, the
vector store's methods).
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from localqa.errors import IndexDamaged, LocalqaError, StorageError

REPAIR = "run `localqa index repair` (it keeps the damaged files aside, then rebuilds)"
# errno -> what it means and what to do; the path is said before it
STORAGE_ERRNOS = {
    errno.ENOSPC: "no space left on the device: free some space and run the command again "
    "(what was stored before is kept)",
    errno.EDQUOT: "disk quota exceeded: free some space and run the command again "
    "(what was stored before is kept)",
    errno.EROFS: "read-only file system: writing needs a writable LOCALQA_HOME (reading "
    "works read-only)",
    errno.EACCES: "permission denied: fix the folder's permissions or use another LOCALQA_HOME",
    errno.EPERM: "operation not permitted: fix the folder's permissions or use another "
    "LOCALQA_HOME",
    errno.EIO: "I/O error: the disk may be failing; copy the index elsewhere, then run "
    "`localqa doctor`",
}
# SQLite's primary result codes (the low byte of an extended one) that are storage faults
SQLITE_STORAGE = {
    3: errno.EACCES,  # SQLITE_PERM
    8: errno.EROFS,  # SQLITE_READONLY
    10: errno.EIO,  # SQLITE_IOERR
    13: errno.ENOSPC,  # SQLITE_FULL
}
SQLITE_DAMAGED = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB
SQLITE_CANTOPEN = 14


class VectorStoreError(LocalqaError):
    """The vector store (Chroma) could not be opened, read or reached; readers answer from
    lexical search without it, writers stop."""

    http_status = 503


def storage_message(code: int, path: Path | str) -> str:
    """One line for an errno on `path`."""
    return f"{path}: {STORAGE_ERRNOS.get(code, errno.errorcode.get(code, str(code)))}"


def storage_error(err: OSError, path: Path | str) -> StorageError | None:
    """The StorageError an OSError is, naming its own file (else `path`); None when it is
    no storage fault (a file that is simply not there, say)."""
    if err.errno not in STORAGE_ERRNOS:
        return None
    return StorageError(storage_message(err.errno, err.filename or path))


def sqlite_fault(err: sqlite3.Error, path: Path | str) -> LocalqaError | None:
    """The one-line error a SQLite error on the catalog `path` is; None when it is not a
    storage fault or damage (a busy database, a bug)."""
    code = getattr(err, "sqlite_errorcode", None)
    if code is None:  # "file is not a database" comes without a code from some calls
        text = str(err)
        code = 26 if "not a database" in text else 11 if "malformed" in text else None
    if code is None:
        return None
    primary = code & 0xFF
    if primary in SQLITE_DAMAGED:
        return IndexDamaged(f"the index catalog {path} is damaged ({err}): {REPAIR}")
    if primary in SQLITE_STORAGE:
        return StorageError(storage_message(SQLITE_STORAGE[primary], path) + f" ({err})")
    if primary == SQLITE_CANTOPEN:
        return StorageError(f"{path}: cannot be opened ({err}); check the folder and its rights")
    return None


def vector_fault(err: Exception, where: str, advice: str = "") -> LocalqaError:
    """One line for any error of Chroma at `where` (its folder or its server); `advice`,
    what to do, ends a VectorStoreError's line."""
    if isinstance(err, LocalqaError):
        return err
    if isinstance(err, OSError) and (storage := storage_error(err, where)):
        return storage
    text = " ".join(str(err).split()) or type(err).__name__
    lowered = text.lower()
    for needle, code in (
        ("no space", errno.ENOSPC),
        ("disk is full", errno.ENOSPC),
        ("database or disk is full", errno.ENOSPC),
        ("read-only", errno.EROFS),
        ("readonly", errno.EROFS),
        ("permission denied", errno.EACCES),
        ("disk i/o error", errno.EIO),  # SQLite's SQLITE_IOERR inside chromadb
        ("input/output error", errno.EIO),
    ):
        if needle in lowered:
            return StorageError(storage_message(code, where) + f" ({text[:200]})")
    return VectorStoreError(f"{where}: {text[:300]}" + (f"; {advice}" if advice else ""))


@contextmanager
def storage_faults(path: Path | str) -> Iterator[None]:
    """Turn an OSError that is a storage fault into its StorageError (the file it names,
    else `path`); SQLite's faults on `path` likewise."""
    try:
        yield
    except OSError as err:
        if (translated := storage_error(err, path)) is None:
            raise
        raise translated from err
    except sqlite3.Error as err:
        if (fault := sqlite_fault(err, path)) is None:
            raise
        raise fault from err


class GuardedCursor(sqlite3.Cursor):
    """A cursor whose statements and fetched rows raise `sqlite_fault`'s one-line errors.
    Plain try/except, not a context manager: a row fetched costs ~0.5 µs more, not 3.6."""

    path: Path

    def _fault(self, err: sqlite3.Error) -> Exception:
        return sqlite_fault(err, self.path) or err

    def execute(self, sql: str, parameters: Any = (), /) -> GuardedCursor:
        try:
            super().execute(sql, parameters)
        except sqlite3.Error as err:
            raise self._fault(err) from err
        return self

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> GuardedCursor:
        try:
            super().executemany(sql, seq_of_parameters)
        except sqlite3.Error as err:
            raise self._fault(err) from err
        return self

    def fetchone(self) -> Any:
        try:
            return super().fetchone()
        except sqlite3.Error as err:
            raise self._fault(err) from err

    def fetchall(self) -> list[Any]:
        try:
            return super().fetchall()
        except sqlite3.Error as err:
            raise self._fault(err) from err

    def __next__(self) -> Any:
        try:
            return super().__next__()
        except sqlite3.Error as err:
            raise self._fault(err) from err


class GuardedConnection(sqlite3.Connection):
    """The catalog's connection (`sqlite3.connect(..., factory=GuardedConnection)`): its
    statements run on `GuardedCursor`s, so every SQLite fault is one clear line."""

    path: Path = Path("catalog.sqlite")

    def cursor(self, factory: Any = None) -> Any:
        cursor = super().cursor(factory or GuardedCursor)
        cursor.path = self.path
        return cursor

    def execute(self, sql: str, parameters: Any = (), /) -> Any:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> Any:
        return self.cursor().executemany(sql, parameters)

    def executescript(self, script: str, /) -> Any:
        with storage_faults(self.path):
            return super().executescript(script)


def translate(err: BaseException) -> LocalqaError | None:
    """The one-line error an exception that escaped a command is, when it is a storage
    fault (an OSError of the storage kinds, a SQLite fault on a file not named); None for
    anything else (a bug keeps its traceback)."""
    if isinstance(err, OSError):
        return storage_error(err, "a local file")
    if isinstance(err, sqlite3.Error):
        return sqlite_fault(err, "an SQLite file of localqa")
    return None
