"""What ingest remembers between runs beside the catalog: files that failed (or were
skipped) when read, and each stored document's warnings.

A file that failed and has not changed since is a *remembered failure*: the next run
lists it with its reason but does not read it again, and it is not a new error (exit 0),
so a cron job meeting the same legacy `.ppt` every night does not fail every night. It is
read again when it changes (size and times, else its content hash), when a setting that
decides reading changes (`fingerprint`: chunk text and the per-file limits), or with
`localqa ingest --retry-failed`.

Warnings are kept per document so that a run interrupted before its report does not
lose them: the next run repeats the warnings no complete run has reported yet.

Kept in `ingest-memory.json` in the index's folder, replaced atomically on each save
(a kill leaves the old file or the new one). A store without a folder (a server-backed
one) remembers for the length of one run only.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

MEMORY_FILE = "ingest-memory.json"


@dataclass(frozen=True, slots=True)
class Remembered:
    """A file that failed (or was skipped, `skipped`) when read: its stat (size in bytes,
    mtime and ctime in ns) and content hash when it did, and why. `reported`: a complete
    run has listed it in its report (one interrupted before its report has not)."""

    abs_path: str
    source: str
    size: int
    mtime_ns: int
    ctime_ns: int
    digest: str
    reason: str
    skipped: bool
    reported: bool = False

    def stat(self) -> tuple[int, int, int]:
        return self.size, self.mtime_ns, self.ctime_ns


@dataclass(frozen=True, slots=True)
class DocumentWarnings:
    """The warnings a document's version (`doc_hash`) was stored with."""

    doc_hash: str
    warnings: tuple[str, ...]
    reported: bool = False


class IngestMemory:
    """Remembered failures and per-document warnings of one index (`folder`: None keeps
    them in memory only). `fingerprint` names the settings they hold for: entries written
    under another are dropped when loaded."""

    def __init__(self, folder: Path | None, fingerprint: str) -> None:
        self._path = folder / MEMORY_FILE if folder is not None else None
        self._fingerprint = fingerprint
        self.failures: dict[str, Remembered] = {}
        self.warnings: dict[str, DocumentWarnings] = {}
        self._load()

    def _load(self) -> None:
        if self._path is None:
            return
        try:
            data: Any = json.loads(self._path.read_text(encoding="utf-8"))
            if data.get("fingerprint") == self._fingerprint:
                for row in data.get("failures", []):
                    self.failures[row["abs_path"]] = Remembered(**row)
            for path, row in data.get("warnings", {}).items():
                warnings = tuple(str(w) for w in row["warnings"])
                self.warnings[path] = DocumentWarnings(row["doc_hash"], warnings, row["reported"])
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return  # none yet, or unreadable: every file is simply read as if new

    def save(self) -> None:
        """Write the memory (atomically); a disk that refuses costs only the memory."""
        if self._path is None:
            return
        data = {
            "fingerprint": self._fingerprint,
            "failures": [asdict(r) for r in self.failures.values()],
            "warnings": {
                path: {"doc_hash": w.doc_hash, "warnings": list(w.warnings), "reported": w.reported}
                for path, w in self.warnings.items()
            },
        }
        tmp = self._path.with_name(MEMORY_FILE + ".tmp")
        with contextlib.suppress(OSError):
            self._path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, self._path)

    def forget_failures(self) -> None:
        """`--retry-failed`: every remembered failure is read again."""
        self.failures.clear()

    def failed(self, failure: Remembered) -> None:
        self.failures[failure.abs_path] = failure
        self.save()

    def stored(self, abs_path: str, doc_hash: str, warnings: tuple[str, ...]) -> None:
        """A document was stored (its failure, if any, is over), with these warnings."""
        changed = self.failures.pop(abs_path, None) is not None
        if warnings:
            self.warnings[abs_path] = DocumentWarnings(doc_hash, warnings)
            changed = True
        elif self.warnings.pop(abs_path, None) is not None:
            changed = True
        if changed:
            self.save()

    def unreported_warnings(self, abs_path: str) -> tuple[str, ...]:
        """Warnings of the stored version that no complete run has reported."""
        noted = self.warnings.get(abs_path)
        return () if noted is None or noted.reported else noted.warnings

    def settle(self, kept_failures: set[str], scanned: list[str], gone: set[str]) -> None:
        """After a complete run, its report printed: what it met is reported (the failures
        in `kept_failures`, the warnings of scanned paths: files, or folders ending in
        "/"); failures of scanned paths it did not meet again are dropped, as are the
        warnings of documents `gone`."""

        def scanned_now(path: str) -> bool:
            return any(path == s or (s.endswith(os.sep) and path.startswith(s)) for s in scanned)

        self.failures = {
            path: replace(r, reported=r.reported or path in kept_failures)
            for path, r in self.failures.items()
            if path in kept_failures or not scanned_now(path)
        }
        self.warnings = {
            path: replace(w, reported=w.reported or scanned_now(path))
            for path, w in self.warnings.items()
            if path not in gone
        }
        self.save()
