"""The office's pgpass file, looked at when its server starts: libpq passes over a named password
file that is missing, unreadable for this user or readable by others (the last with an English
warning), and then says only "no password supplied"; a wrong password it calls "password
authentication failed". Neither is a database that cannot be reached, and no restart mends
them (r-admin-4, finding 4): each is one sentence naming the file and what to do, status 2
(`StoreUnavailable`, not `StoreUnreachable`).

The file is the URL's `passfile` (`willkommen-server host` puts an office's `pgpass` there), else
`PGPASSFILE` (the systemd unit's), else libpq's own `~/.pgpass`. Only a file named explicitly
is checked before the connection (a missing `~/.pgpass` is no mistake: trust, peer or
certificates need none)."""

from __future__ import annotations

import getpass
import os
import pwd
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict

from server.store.reasons import one_line
from server.store.unavailable import StoreUnavailable

REFUSED = ("password authentication failed", "no password supplied")
# libpq's words for a host it did not reach: with several hosts in the URL (a standby's), one
# that refused the password beside one that is down is still a database not reached, each
# host's reason said (status 1: systemd tries again, the primary may come back)
NOT_REACHED = ("Connection refused", "No such file or directory", "could not connect", "timeout expired",
               "could not translate host name", "Network is unreachable", "No route to host")


def named(url: str) -> Path | None:
    """The password file this connection names: the URL's `passfile`, else `PGPASSFILE`."""
    try:
        found = conninfo_to_dict(url).get("passfile") or os.environ.get("PGPASSFILE")
    except psycopg.ProgrammingError:
        return None
    return Path(str(found)) if found else None


def used(url: str) -> Path:
    """The password file libpq reads for this connection."""
    return named(url) or Path(os.path.expanduser("~")) / ".pgpass"


def before(url: str, shown: str) -> StoreUnavailable | None:
    """A named password file libpq would pass over without a word, or None."""
    path = named(url)
    if path is None:
        return None
    user = getpass.getuser()
    if not path.is_file():
        return StoreUnavailable(f"database {shown}: the password file {path} is not there", why="db_pgpass_missing",
                                file=shown, passfile=path)
    if not os.access(path, os.R_OK):
        owner = _owner(path)
        return StoreUnavailable(f"database {shown}: the password file {path} is not readable for {user} "
                                f"(it belongs to {owner})", why="db_pgpass_unreadable", file=shown, passfile=path,
                                user=user, owner=owner)
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        return StoreUnavailable(f"database {shown}: the password file {path} may be read by others "
                                f"(mode {mode:04o}), so libpq ignores it", why="db_pgpass_open", file=shown,
                                passfile=path, mode=f"{mode:04o}")
    return None


def refused(url: str, shown: str, exc: psycopg.Error) -> StoreUnavailable | None:
    """The database was reached and refused the login for its password, or None."""
    detail = one_line(exc)
    if not any(reason in detail for reason in REFUSED) or any(other in detail for other in NOT_REACHED):
        return None
    path = used(url)
    why = "db_pg_password" if REFUSED[0] in detail else "db_pg_no_password"
    if why == "db_pg_no_password" and named(url) is None and not path.is_file():  # no file given at all
        why = "db_pg_no_password_file"
    return StoreUnavailable(f"database {shown} refuses the login ({detail}); the password file is {path}", why=why,
                            file=shown, detail=detail, passfile=path)


def _owner(path: Path) -> str:
    try:
        return pwd.getpwuid(path.stat().st_uid).pw_name
    except (KeyError, OSError):
        return "?"
