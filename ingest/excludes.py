"""What a folder holds that is no document: the `exclude` setting's patterns
(localqa/sections.py DEFAULT_EXCLUDES) and why each leaves an entry out, and the Office
lock file, which is never reported as a damaged document."""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from pathlib import PurePath

# Why each default `exclude` pattern (localqa/sections.py) leaves an entry out.
_LOCK = "an Office lock file (the document is open in Word, Excel or PowerPoint), not a document"
_BACKUP = "an editor's backup or swap file"
_BUILD = "a dependency or build folder"
_VCS = "a version-control folder"
EXCLUDED_BECAUSE = {
    "~$*": _LOCK,
    "*~": _BACKUP,
    ".*.swp": _BACKUP,
    ".*.swo": _BACKUP,
    "#*#": _BACKUP,
    ".#*": _BACKUP,
    "node_modules": _BUILD,
    ".venv": _BUILD,
    "__pycache__": _BUILD,
    "vendor": _BUILD,
    "dist": _BUILD,
    "target": _BUILD,
    ".git": _VCS,
    ".hg": _VCS,
    ".svn": _VCS,
}


def excluded(name: str, relative: str, patterns: Sequence[str]) -> str:
    """Why an entry is left out ("" when it is not): the first of `patterns` (globs, case
    sensitive) matching its name, or, for a pattern with a "/", its path under the folder
    ingested (`relative`, "/"-separated)."""
    for pattern in patterns:
        if fnmatch.fnmatchcase(relative if "/" in pattern else name, pattern):
            why = EXCLUDED_BECAUSE.get(pattern, "")
            what = f"{why}: " if why else ""
            return (
                f"{what}left out by the exclude setting ({pattern!r}); "
                "`localqa ingest --no-default-excludes` or `exclude = []` reads it"
            )
    return ""


def lock_file(source: str) -> str:
    """Why a file that failed to read is skipped instead ("" when it is no lock file): an
    Office lock file read (`exclude` emptied) fails as a damaged document, and is none."""
    return EXCLUDED_BECAUSE["~$*"] if PurePath(source).name.startswith("~$") else ""
