"""The shared index's `meta` table: its own id and its build record (the embedder and
its precision, the settings' fingerprint, when the last scan began), as the embedded
index keeps them in its build record (localqa/store/record.py)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from localqa.store.postgres.connection import Database


class PgMeta:
    """`PgIndex`'s reads and writes of the `meta` table of its schema (`db`)."""

    db: Database

    def _index_id(self) -> str:
        """The shared index's own id (made by the first run to ask, kept in `meta`): its
        collection on a Chroma server is its own, whatever each machine calls the server.
        An index that holds chunks already, from before ids, gets "": it keeps the
        collection its vectors are in (`{index}-chunks`)."""
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO meta VALUES ('index_id', CASE WHEN EXISTS "
                "(SELECT 1 FROM chunks) THEN '' ELSE %s END) ON CONFLICT (key) DO NOTHING",
                (f"pg{uuid.uuid4().hex[:10]}",),
            )
            row = conn.execute("SELECT value FROM meta WHERE key = 'index_id'").fetchone()
        return str(row[0]) if row else ""

    def _meta(self, key: str) -> str | None:
        with self.db.transaction() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = %s", (key,)).fetchone()
        return str(row[0]) if row else None

    def _set_meta(self, **fields: str) -> None:
        with self.db.transaction() as conn:
            for key, value in fields.items():
                conn.execute(
                    "INSERT INTO meta VALUES (%s, %s) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )

    def note_embedder(self, name: str, precision: str) -> None:
        self._set_meta(embedder=name, precision=precision)

    def embedder_precision(self) -> str:
        return "int8" if self._meta("precision") == "int8" else "fp32"

    def note_settings(self, fingerprint: str) -> None:
        self._set_meta(settings=fingerprint)

    def settings_fingerprint(self) -> str | None:
        return self._meta("settings")

    def note_scan(self, started_ns: int) -> None:
        self._set_meta(scanned_ns=str(started_ns))

    def last_scan_ns(self) -> int:
        try:
            return int(self._meta("scanned_ns") or "0")
        except ValueError:
            return 0
