"""Offices hosted on the shared PostgreSQL take part directly: the network reads their kept days.

An office whose `[[offices]]` entry has `read = "postgresql://…?options=-csearch_path%3D<schema>"`
is read by the network itself, with a login that may only SELECT the office schema's kept
statistics (`stats_days`, `stats_service_tickets`, `stats_service_times`, `stats_hour_tickets`,
`stats_interpreters`, `stats_referrals`, `stats_feedback`: README, "A network of offices"). The
same reading as `network send` (`summary.from_office`), into the same table, so a hosted office's
figures and a sending office's are made alike; the database's GRANTs keep tickets and events
out of the network's reach. Read at the network server's start and every `EVERY` seconds, the
last `DAYS` days each time (kept days only; a day kept again replaces itself), each office's
read logged ("giessen: 12 kept days read"; one that fails, a warning naming it and, for a
table not there yet or a GRANT missing, what to do: `HINTS`).

An office is read or sends, never both: the network refuses `POST /summaries` from an office
whose entry has `read` (409), so one source makes its figures (`listener.NetworkServer.summaries`).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from server.store.reasons import one_line
from server.network.settings import Network
from server.network.store import NetworkStore
from server.network.summary import from_office

log = logging.getLogger("willkommen.network")
EVERY = 3600.0
DAYS = 62


# what to do, for the two errors an IT provider's setup meets (README, "A network of offices")
HINTS = {
    "no_table": "the office's server has not started on this schema yet (its first start makes the statistics "
                "tables), or a newer version added one: start it once, then give the README's GRANTs (again)",
    "no_grant": "the network's login lacks the README's GRANTs on this schema (USAGE on it, SELECT on its "
                "stats_ tables)",
}


def why(exc: BaseException) -> str | None:
    """Which `HINTS` an error reading an office calls for, if any."""
    import psycopg

    if isinstance(exc, psycopg.errors.UndefinedTable):
        return "no_table"
    return "no_grant" if isinstance(exc, psycopg.errors.InsufficientPrivilege) else None


def collect(network: Network, store: NetworkStore, *, now: float, days: int = DAYS) -> dict[str, int]:
    """Read every hosted office's kept days into the network's store: office -> days read. An
    office that cannot be read is logged and skipped (the others are still read)."""
    from server.network.send import open_read_only

    today = datetime.fromtimestamp(now, timezone.utc).date()
    first, last = (today - timedelta(days=days)).isoformat(), today.isoformat()
    read: dict[str, int] = {}
    for office in (o for o in network.offices if o.read):
        try:
            conn = open_read_only(office.read)
            try:
                found = from_office(conn, first, last)
            finally:
                conn.close()
        except Exception as exc:  # psycopg's errors, a missing table, a refused login: the next office still
            log.warning("a hosted office could not be read", extra={"fields": {
                "office": office.id, "error": one_line(exc), **({"hint": HINTS[hint]} if (hint := why(exc)) else {})}})
            continue
        store.put_days(office.id, found, received_at=datetime.fromtimestamp(now, timezone.utc).isoformat())
        read[office.id] = len(found)
        # a line per office and read (at the start, then hourly): reading that works says so too
        log.info("%s: %d kept days read", office.id, len(found),
                 extra={"fields": {"office": office.id, "days": len(found), "first": first, "last": last}})
    return read
