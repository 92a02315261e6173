"""Faults a disk gives, injected for real into the real command (issue 27):

- permission denied (EACCES): the command runs as root without the capabilities that let
  root ignore file modes (`setpriv` drops CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH and
  CAP_FOWNER from its bounding set), on files owned by `nobody`, so the kernel refuses as it
  would refuse any user; Python itself stays readable (it lives under root's home here).
- I/O error (EIO): `strace` fails the named system calls on the named files with EIO, as a
  failing disk does (the kernel call is really made to fail, for that process only).

Both need root and the tool: elsewhere the tests skip with the reason, and fail under CI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import cache
from pathlib import Path

from tests.support.needs import missing

NOBODY = 65534
DAC_CAPS = "-dac_override,-dac_read_search,-fowner"


@cache
def _works(*command: str) -> str:
    """'' when `command` runs here, else why not."""
    if os.geteuid() != 0:
        return "needs root"
    if shutil.which(command[0]) is None:
        return f"{command[0]} is not installed"
    done = subprocess.run(command, capture_output=True, text=True)
    return "" if done.returncode == 0 else done.stderr.strip()[:200]


def without_file_rights(command: list[str]) -> list[str]:
    """`command`, run with only the file rights of its user and group (no root bypass)."""
    if why := _works("setpriv", f"--bounding-set={DAC_CAPS}", "--", "true"):
        missing(f"cannot drop root's file capabilities here: {why}")
    return ["setpriv", f"--bounding-set={DAC_CAPS}", "--", *command]


def owned_by_nobody(folder: Path, mode_dirs: int = 0o755, mode_files: int = 0o644) -> None:
    """Give `folder` and all below it to `nobody`, with these modes."""
    for path in (folder, *folder.rglob("*")):
        os.chown(path, NOBODY, NOBODY, follow_symlinks=False)
        os.chmod(path, mode_dirs if path.is_dir() else mode_files)


def with_io_errors(command: list[str], files: list[Path], calls: str, after: int) -> list[str]:
    """`command`, whose system calls `calls` (comma-separated, e.g. "pwrite64") on `files`
    fail with EIO from the `after`-th one on (1: every one)."""
    if why := _works("strace", "-f", "-qq", "-o", "/dev/null", "true"):
        missing(f"strace cannot inject faults here: {why}")
    paths = [arg for file in files for arg in ("-P", str(file))]
    inject = f"inject={calls}:error=EIO:when={after}+"
    return ["strace", "-f", "-qq", "-o", "/dev/null", *paths, "-e", inject, *command]
