"""Real file-system faults for tests: a small tmpfs (fills up for real), remounted
read-only (refuses writes even to root, which chmod does not). Mounting needs root (or
CAP_SYS_ADMIN): elsewhere the tests skip with that reason, and fail under CI."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.needs import missing


@contextmanager
def tmpfs(where: Path, size_kb: int) -> Iterator[Path]:
    """A tmpfs of `size_kb` KiB mounted at `where` (made if need be), unmounted after."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        missing("mounting a tmpfs needs root and mount(8)")
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        missing(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def remount_read_only(where: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)


def fill(where: Path, leave_kb: int) -> Path:
    """Fill the file system of `where` until about `leave_kb` KiB are free; the filler."""
    free_kb = shutil.disk_usage(where).free // 1024
    filler = where / "filler"
    with filler.open("wb") as handle:
        handle.write(b"\0" * max(0, (free_kb - leave_kb) * 1024))
    return filler


@contextmanager
def read_only_copy(source: Path, where: Path, size_kb: int = 65536) -> Iterator[Path]:
    """A copy of the folder `source` on a tmpfs at `where`, remounted read-only."""
    with tmpfs(where, size_kb) as mounted:
        shutil.copytree(source, mounted / source.name, symlinks=True)
        remount_read_only(mounted)
        yield mounted / source.name


@contextmanager
def same_folder_elsewhere(source: Path, where: Path) -> Iterator[Path]:
    """`source` reached at another path, `where`, as a share mounted at two places: a bind
    mount (the same files, the same times) where this process may mount; elsewhere a copy
    keeping the files' modification times (their inode change times differ: an ingest
    there hashes each file once and finds it unchanged)."""
    where.mkdir(parents=True, exist_ok=True)
    done = None
    if os.geteuid() == 0 and shutil.which("mount"):
        done = subprocess.run(
            ["mount", "--bind", str(source), str(where)], capture_output=True, text=True
        )
    if done is None or done.returncode:
        where.rmdir()
        shutil.copytree(source, where, copy_function=shutil.copy2)
        yield where
        return
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)
