"""Why a store cannot be used, for both stores (an SQLite file: `server.store.sqlite_file`;
PostgreSQL: `server.store.postgres`, `server.store.pg_refusals`). The server stops before
serving and the command line says the staff's sentence (`why`) with exit status 2, or 1 for
`StoreUnreachable`, which may pass.

    StoreUnavailable        cannot be opened or used (a folder, no rights, ...)
      StoreLocked           another running server holds it (one server per office)
      StoreUnreachable      no session with the database server (yet)
      StoreCorrupt          not Willkommen's, or damaged
      StoreNewer            an event or schema step this version cannot read

An event is decoded from its stored text with `stored_event`, which names a newer version's
event by its seq and kind.
"""

from __future__ import annotations

from server.core import Event
from server.core import events as ev

NEWER = "written by a newer Willkommen? Start that version, or restore a backup"


class StoreUnavailable(Exception):
    """The database file cannot be used; `str()` is one line naming the file and why. `why` (if
    set) names the staff catalogue's `[cli.file]` sentence the command line says instead, with
    `fields` (`config.command.file_sentence`)."""

    def __init__(self, message: str, *, why: str = "", **fields: object):
        super().__init__(message)
        self.why, self.fields = why, {key: str(value) for key, value in fields.items()}


class StoreLocked(StoreUnavailable):
    pass


class StoreUnreachable(StoreUnavailable):
    """No session with the database server (PostgreSQL during a failover, not up yet after a
    reboot): trying again later may work (the CLI exits 1, which systemd restarts; the others
    2, which it does not: a login refused for its password or password file is one of those,
    `server.store.pgpass`)."""


class StoreCorrupt(StoreUnavailable):
    pass


class StoreNewer(StoreUnavailable):
    """An event in the file this version cannot read (a newer version wrote it)."""


def stored_event(seq: int, data: str) -> Event:
    """The event stored at `seq` as `data`; `StoreNewer` naming both when this version cannot read it."""
    try:
        return ev.decode(data)
    except ev.UnknownEvent as exc:
        raise StoreNewer(f"holds event {seq} of kind {exc.kind!r}, which this version cannot read: "
                         f"{exc.problem.removesuffix(' (written by a newer Willkommen?)')} ({NEWER})") from None
