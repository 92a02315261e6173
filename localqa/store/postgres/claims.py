"""Documents claimed by ingest workers, so that several `localqa ingest` runs, on one
machine or several, share the work: each document is written by the one worker that holds
its claim. A claim is a row of `claims` with a lease (`expires`) that its worker renews
while it runs (`Heartbeat`); a worker killed, or cut off, stops renewing, and once the lease
has run out any other worker may claim the document again (and collect what the first
left: chunks.ORPHANS_SQL). A worker settles its claims when it is done with them: `done`
in the transaction that commits the document (catalog.py), else `settled` (failed,
skipped); a settled claim records when (`finished`), so a run can tell the documents others
did while it ran."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime

from localqa.store.postgres.connection import Database, DatabaseError

# Claims this document for `worker` unless another's claim is live, or another settled
# this version since the run began (done once is enough; a failure is retried next run).
CLAIM_SQL = """
INSERT INTO claims(abs_path, doc_hash, worker, expires, state, finished)
VALUES (%(path)s, %(hash)s, %(worker)s, now() + %(lease)s * interval '1 second', 'claimed', NULL)
ON CONFLICT (abs_path) DO UPDATE SET doc_hash = excluded.doc_hash, worker = excluded.worker,
    expires = excluded.expires, state = 'claimed', finished = NULL
WHERE (claims.state = 'claimed' AND (claims.expires <= now() OR claims.worker = excluded.worker))
   OR (claims.state <> 'claimed'
       AND (claims.doc_hash <> excluded.doc_hash OR claims.finished < %(since)s))
RETURNING abs_path
"""


class Claims:
    """One worker's claims in the shared index (`worker`: its id, unique per run), each
    lasting `lease_s` seconds unless renewed; `since`: when its run began (the server's
    clock)."""

    def __init__(self, db: Database, worker: str, lease_s: float) -> None:
        self._db = db
        self.worker = worker
        self.lease_s = lease_s
        with db.transaction() as conn:
            row = conn.execute("SELECT now()").fetchone()
        assert row is not None
        self.since: datetime = row[0]

    def claim(self, items: Sequence[tuple[str, str]], limit: int) -> list[str]:
        """Claim up to `limit` of `items` ((abs_path, doc_hash), in order); the paths
        claimed."""
        claimed: list[str] = []
        for path, digest in items:
            if len(claimed) >= limit:
                break
            params = {
                "path": path,
                "hash": digest,
                "worker": self.worker,
                "lease": self.lease_s,
                "since": self.since,
            }
            with self._db.transaction() as conn:
                if conn.execute(CLAIM_SQL, params).fetchone():
                    claimed.append(path)
        return claimed

    def held_elsewhere(self, paths: Sequence[str]) -> set[str]:
        """Which of `paths` another worker holds a live claim on."""
        with self._db.transaction() as conn:
            rows = conn.execute(
                "SELECT abs_path FROM claims WHERE abs_path = ANY(%s) AND state = 'claimed' "
                "AND worker <> %s AND expires > now()",
                (list(paths), self.worker),
            )
            return {row[0] for row in rows}

    def done_elsewhere(self, paths: Sequence[str]) -> int:
        """How many of `paths` other workers settled since this run began."""
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT count(*) FROM claims WHERE abs_path = ANY(%s) AND state <> 'claimed' "
                "AND worker <> %s AND finished >= %s",
                (list(paths), self.worker, self.since),
            ).fetchone()
        return int(row[0]) if row else 0

    def settle(self) -> None:
        """Settle every claim this worker still holds (the documents it failed or
        skipped; committed ones were settled with their commit)."""
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE claims SET state = 'settled', finished = now() "
                "WHERE worker = %s AND state = 'claimed'",
                (self.worker,),
            )

    def renew(self) -> None:
        """Extend the lease of every claim this worker holds."""
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE claims SET expires = now() + %s * interval '1 second' "
                "WHERE worker = %s AND state = 'claimed'",
                (self.lease_s, self.worker),
            )


class Heartbeat:
    """Renews `claims` every third of their lease in a daemon thread, from `start()`
    until `stop()`. A renewal that fails (the server restarting) is tried again at the next
    beat; the lease gives the server two beats to come back."""

    def __init__(self, claims: Claims) -> None:
        self._claims = claims
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="localqa-claims", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._claims.lease_s / 3):
            try:
                self._claims.renew()
            except DatabaseError:
                continue

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
