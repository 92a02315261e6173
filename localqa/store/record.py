"""The build record of an embedded index (`build.json` beside its catalog): how the index
was made (embedder, precision, the settings that shaped its chunks, when its files were
last looked at), the folders ingest was given and the roots they are under. A file of its
own, so that it reads when the catalog does not: `localqa index repair` re-ingests those
folders, each where this machine mounts its root."""

from __future__ import annotations

import json
import os
from pathlib import Path

BUILD_FILE = "build.json"


def read_record(index_dir: Path) -> dict[str, str]:
    """The record of the index in `index_dir`; {} where there is none or it cannot be read."""
    try:
        record = json.loads((index_dir / BUILD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(record, dict):
        return {}
    return {k: v for k, v in record.items() if isinstance(v, str)}


def update_record(index_dir: Path, **fields: str) -> None:
    """Set `fields` in the record, atomically (readers see the old record or the new).
    Raises OSError."""
    index_dir.mkdir(parents=True, exist_ok=True)
    tmp = index_dir / (BUILD_FILE + ".tmp")
    tmp.write_text(json.dumps({**read_record(index_dir), **fields}), encoding="utf-8")
    os.replace(tmp, index_dir / BUILD_FILE)


def recorded_roots(index_dir: Path) -> list[str]:
    """The folders and files ingest was given, as the record keeps them ([]: none kept)."""
    try:
        roots = json.loads(read_record(index_dir).get("roots", "[]"))
    except ValueError:
        return []
    return [r for r in roots if isinstance(r, str)] if isinstance(roots, list) else []


def recorded_named_roots(index_dir: Path) -> dict[str, tuple[str, str]]:
    """The named roots as the record keeps them (name -> (the path first ingested from, the
    machine that named it): localqa/store/roots.py); {} where none are kept."""
    try:
        named = json.loads(read_record(index_dir).get("named_roots", "{}"))
    except ValueError:
        return {}
    if not isinstance(named, dict):
        return {}
    return {
        str(name): (str(kept[0]), str(kept[1]))
        for name, kept in named.items()
        if isinstance(kept, list) and len(kept) == 2
    }


class RecordedBuild:
    """What an embedded index answers from its build record (store/index.py's Index mixes
    it in): which embedder, precision and settings made it, the roots ingest was given,
    when its files were last scanned; each `note_*` writes the record at once."""

    path: Path  # the index's folder, where the record is kept
    _roots: set[str] | None  # the recorded roots, read on first use

    def _record(self) -> dict[str, str]:
        return read_record(self.path)

    def _update_record(self, **fields: str) -> None:
        update_record(self.path, **fields)

    def note_embedder(self, name: str, precision: str) -> None:
        """Record which model and precision make this index's vectors, so questions are
        embedded the same way (`embedder_precision`)."""
        self._update_record(embedder=name, precision=precision)

    def embedder_precision(self) -> str:
        """How the vectors were made, "int8" or "fp32"; "fp32" for indexes from before the
        record existed (torch made those)."""
        return "int8" if self._record().get("precision") == "int8" else "fp32"

    def note_settings(self, fingerprint: str) -> None:
        """Record the settings that shaped every document's chunks and vectors, once a run
        has brought them all up to date."""
        self._update_record(settings=fingerprint)

    def settings_fingerprint(self) -> str | None:
        """What `note_settings` last recorded; None for an index that never recorded it."""
        return self._record().get("settings")

    def _note_root(self, root: str) -> None:
        """Keep the folders (or files) ingest was given in the build record, beside the
        catalog: what `localqa index repair` re-ingests when the catalog is lost."""
        if self._roots is None:
            self._roots = set(self.roots())
        if root not in self._roots:
            self._roots.add(root)
            self._update_record(roots=json.dumps(sorted(self._roots)))

    def roots(self) -> list[str]:
        """The folders and files given to ingest (`_note_root`); [] where none were kept."""
        return recorded_roots(self.path)

    def note_scan(self, started_ns: int) -> None:
        self._update_record(scanned_ns=str(started_ns))

    def last_scan_ns(self) -> int:
        try:
            return int(self._record().get("scanned_ns", "0"))
        except ValueError:
            return 0
