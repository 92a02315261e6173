"""Which store an index is kept in, by settings: the embedded one (SQLite and embedded
Chroma, localqa/store/index.py) by default, the shared one (PostgreSQL, and a Chroma server
when `chroma_host` is set: localqa/store/postgres/) when `database_url` is set. Callers
get the protocols of localqa/store/base.py either way."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from localqa.errors import LocalqaError
from localqa.sections import StoreSettings
from localqa.store.index import Index, IndexMissing

if TYPE_CHECKING:
    from localqa.store.base import IndexWriter


_HEARTBEATS: dict[str, Any] = {}  # a Chroma server's client for `chroma_problem`, by host:port


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


def database_problem(settings: StoreSettings, timeout_s: int) -> str:
    """The one line on why the PostgreSQL server of `database_url` takes no connection of
    its own within `timeout_s` (never the pool's, which waits 15 s for one); "" when it
    does (`localqa serve`'s /healthz)."""
    from localqa.store.postgres.connection import probe

    try:
        probe(settings.database_url.get_secret_value(), connect_timeout=timeout_s)
    except LocalqaError as err:
        return str(err)
    return ""


def database_name(settings: StoreSettings) -> str:
    """The server of `database_url`, without its password."""
    from localqa.store.postgres.connection import server_name

    return server_name(settings.database_url.get_secret_value())


def chroma_problem(settings: StoreSettings) -> str:
    """The one line on why the Chroma server of `chroma_host` does not answer its
    heartbeat, and what to do; "" when it does. Its client is made once per server (making
    one takes seconds on a busy machine; a heartbeat is one request)."""
    from localqa.store.vectors import open_client

    where = f"{settings.chroma_host}:{settings.chroma_port}"
    try:
        client = _HEARTBEATS.get(where)
        if client is None:
            client = open_client(
                settings.index_dir / "chroma", settings.chroma_host, settings.chroma_port
            )
            _HEARTBEATS[where] = client
        client.heartbeat()
    except LocalqaError as err:  # the client could not be made
        return f"{err}; start it or fix chroma_host and chroma_port (server {where})"
    except Exception as err:  # noqa: BLE001 - chromadb's client raises what its HTTP stack does
        said = " ".join(str(err).split()) or type(err).__name__
        return (
            f"Chroma server {where} cannot be reached ({said}); start it or fix chroma_host "
            "and chroma_port"
        )
    return ""
