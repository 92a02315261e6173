"""What a store that several ingest runs may write at once offers beyond `IndexWriter`
(localqa/store/base.py): a shared index (localqa/store/postgres/) lets runs on one machine
or several share the work, each document claimed by exactly one of them.

`IndexWriter.writing` stays exclusive (forget, upgrades: one writer alone); `sharing`
admits any number of ingest runs at once, but no exclusive writer beside them. Within
`sharing`, a run writes only documents it has claimed (`WorkClaims.claim`), and
`collect_orphans` leaves alone the chunks of documents other live runs claim.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Protocol

from localqa.store.base import IndexWriter


class WorkClaims(Protocol):
    """One ingest run's claims on documents; each lasts a lease the run renews while it
    lives, so a run that dies gives its documents up to others."""

    def claim(self, items: Sequence[tuple[str, str]], limit: int) -> list[str]:
        """Claim up to `limit` of `items` ((abs_path, doc_hash), in order): those no other
        live run holds and none did since this run began. The paths claimed."""
        ...

    def held_elsewhere(self, paths: Sequence[str]) -> set[str]:
        """Which of `paths` other live runs hold."""
        ...

    def done_elsewhere(self, paths: Sequence[str]) -> int:
        """How many of `paths` other runs finished (committed, failed, skipped) since this
        run began."""
        ...

    def settle(self) -> None:
        """Give up the claims still held: the documents this run failed or skipped."""
        ...


class SharedIndexWriter(IndexWriter, Protocol):
    """An `IndexWriter` that several ingest runs may write at once."""

    def sharing(self) -> AbstractContextManager[WorkClaims]:
        """Join the index's writers as one ingest run among others (raising IndexBusy while
        an exclusive writer holds it): its claims, renewed until the block ends, then
        settled. Polls for others' claims to end wait `poll_s` seconds."""
        ...

    @property
    def poll_s(self) -> float:
        """How long to wait before looking again at documents other runs hold (s)."""
        ...
