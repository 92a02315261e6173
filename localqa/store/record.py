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
