"""Which store an index is kept in, by settings: the embedded one (SQLite and embedded
Chroma, localqa/store/index.py) by default, the shared one (PostgreSQL, and a Chroma server
when `chroma_host` is set: localqa/store/postgres/) when `database_url` is set. Callers
get the protocols of localqa/store/base.py either way."""

from __future__ import annotations

from typing import TYPE_CHECKING

from localqa.sections import StoreSettings
from localqa.store.index import Index, IndexMissing

if TYPE_CHECKING:
    from localqa.store.base import IndexWriter


def shared(settings: StoreSettings) -> bool:
    """Whether the settings name a shared index (`database_url`)."""
    return bool(settings.database_url.get_secret_value())


def open_index(settings: StoreSettings) -> IndexWriter:
    """The configured index, created on first write. Raises DatabaseError for a shared
    index whose server cannot be reached."""
    if shared(settings):
        from localqa.store.postgres.index import PgIndex

        return PgIndex(settings)
    return Index(settings)


def index_exists(settings: StoreSettings) -> bool:
    """Whether the configured index has been created (by an ingest)."""
    if not shared(settings):
        return Index.exists(settings)
    from localqa.store.postgres.connection import Database

    db = Database(settings.database_url.get_secret_value(), settings.index, create=False)
    try:
        return db.exists()
    finally:
        db.close()


def open_existing(settings: StoreSettings, read_only: bool = False) -> IndexWriter:
    """The configured index; raises IndexMissing when it was never created. `read_only`:
    an embedded index opened so that nothing is written (a shared one's readers never
    write to the server anyway)."""
    if not shared(settings):
        return Index.open_existing(settings, read_only=read_only)
    if not index_exists(settings):
        from localqa.store.postgres.connection import server_name

        where = server_name(settings.database_url.get_secret_value())
        raise IndexMissing(
            f"no index {settings.index!r} on {where}; run `localqa ingest PATH` first"
        )
    from localqa.store.postgres.index import PgIndex

    return PgIndex(settings)


def check_servers(settings: StoreSettings) -> dict[str, str | int]:
    """What `doctor` says of the servers the settings name: PostgreSQL (`database_url`)
    and the Chroma server (`chroma_host`), each reachable or one line on what is wrong and
    what to do. Never the password."""
    facts: dict[str, str | int] = {}
    if shared(settings):
        facts.update(_check_database(settings))
    if settings.chroma_host:
        facts["chroma"] = _check_chroma(settings)
    return facts


def _check_database(settings: StoreSettings) -> dict[str, str | int]:
    from localqa.errors import LocalqaError
    from localqa.store.postgres.connection import Database, server_name

    url = settings.database_url.get_secret_value()
    facts: dict[str, str | int] = {"database": server_name(url)}
    try:
        db = Database(url, settings.index, create=False)
    except LocalqaError as err:
        facts["database_problem"] = str(err)
        return facts
    try:
        facts.update(db.describe())
    except LocalqaError as err:
        facts["database_problem"] = str(err)
    finally:
        db.close()
    return facts


def _check_chroma(settings: StoreSettings) -> str:
    from localqa.errors import LocalqaError
    from localqa.store.vectors import open_client

    where = f"{settings.chroma_host}:{settings.chroma_port}"
    try:
        client = open_client(
            settings.index_dir / "chroma", settings.chroma_host, settings.chroma_port
        )
        client.heartbeat()
        return f"server {where}: reachable"
    except LocalqaError as err:
        return f"problem: {err}; start it or fix chroma_host and chroma_port"
