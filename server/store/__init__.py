"""The office's store: an SQLite file (`server.store.sqlite`, the default) or a PostgreSQL
database (`server.store.postgres`), chosen by what `--db` (or the site file's `database`)
names: a path, or a `postgresql://` URL. Both offer the same methods to the writer and the
server (`server.store.projection`)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:
    from server.store.postgres import PostgresStore
    from server.store.sqlite import Store

URL_SCHEMES = ("postgresql://", "postgres://")


def is_url(db: object) -> bool:
    return isinstance(db, str) and db.startswith(URL_SCHEMES)


def database(text: str) -> Union[str, Path]:
    """What `--db` names: a URL stays as it is (a Path would fold its `//`), else a file."""
    return text if is_url(text) else Path(text)


def open_store(db: Union[str, Path], *, timezone: str, synchronous: str = "normal") -> "Store | PostgresStore":
    if is_url(db):
        from server.store.postgres import PostgresStore  # psycopg only where PostgreSQL is used
        return PostgresStore(str(db), timezone=timezone, synchronous=synchronous)
    from server.store.sqlite import Store
    return Store(db, timezone=timezone, synchronous=synchronous)


def open_read_only(db: Union[str, Path], *, application: str, transaction: bool = False) -> Any:
    """The office's database for reading beside its running server (statistics, the network's
    send, the demo month's check): the SQLite file read-only (WAL: the writer never waits; as a
    file URI, so a '#', '?' or '%' in a folder's name is quoted, not read as URI syntax), or a
    session of its own on PostgreSQL named `application` (`server.store.postgres.Sql`: the same
    SQL, `?` placeholders). With `transaction`, one transaction rolled back at `close` (what the
    statistics' queries make needs no TEMPORARY right). PostgreSQL out of reach raises
    psycopg.OperationalError; a missing SQLite file sqlite3.OperationalError."""
    if is_url(db):
        import psycopg  # only where PostgreSQL is used

        from server.store.postgres import CONNECT_TIMEOUT, Sql
        return Sql(psycopg.connect(str(db), autocommit=not transaction, connect_timeout=CONNECT_TIMEOUT,
                                   application_name=application))
    return sqlite3.connect(f"{Path(db).absolute().as_uri()}?mode=ro", uri=True)
