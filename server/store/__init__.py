"""The office's store: an SQLite file (`server.store.sqlite`, the default) or a PostgreSQL
database (`server.store.postgres`), chosen by what `--db` (or the site file's `database`)
names: a path, or a `postgresql://` URL. Both offer the same methods to the writer and the
server (`server.store.projection`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Union

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
