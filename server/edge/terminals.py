"""Who is connected: each terminal's session, the three audiences pushes go to, and the last
printer report of each kiosk. The edge keeps it; the floor board and /healthz read it.
`Presence` is it with the joining and leaving that records a kiosk's going (its last connection ended)
and coming back as events (`kiosk_offline`, `kiosk_online`, `server.core.kiosk`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable

from websockets.asyncio.server import ServerConnection

from server.wire.errors import WillkommenError

log = logging.getLogger("willkommen.server")


@dataclass
class Session:
    """Who is on the other end of a connection, as the site config (not the client) says."""

    role: str
    terminal: str
    counter: str | None = None
    person: str = ""  # a counter in the browser: the signed-in person's session (server/manager/counter_page.py)
    lang: str = "de"       # the staff language its errors are explained in
    explain: bool = False  # errors with fields and the staff's sentence (hello `explain`; the browser's pages)


@dataclass
class Terminals:
    sessions: dict[ServerConnection, Session] = field(default_factory=dict)
    staff: set[ServerConnection] = field(default_factory=set)     # counters and admins: every change
    displays: set[ServerConnection] = field(default_factory=set)  # calls, and tickets leaving the "now" spot (before the commit)
    kiosks: set[ServerConnection] = field(default_factory=set)    # queue lengths only
    printers: dict[str, dict[str, Any]] = field(default_factory=dict)  # kiosk -> its last report

    def join(self, ws: ServerConnection, session: Session) -> bool:
        """Add a connection; True when it is its terminal's only one (the terminal came, rather
        than a reconnect racing the old connection's close)."""
        first = not self.connected(session.terminal)
        self.sessions[ws] = session
        self._audience(session).add(ws)
        return first

    def leave(self, ws: ServerConnection) -> Session:
        session = self.sessions.pop(ws)
        self._audience(session).discard(ws)
        if session.role == "kiosk" and not self.connected(session.terminal):
            # a kiosk gone is a printer nobody watches: its last report says nothing any more
            # (the board shows it unknown) until the kiosk reports again on reconnecting
            self.printers.pop(session.terminal, None)
        return session

    def connected(self, terminal: str) -> bool:
        return any(s.terminal == terminal for s in self.sessions.values())

    def by_role(self) -> dict[str, list[str]]:
        """The terminals connected now, by role (for /healthz)."""
        connected: dict[str, list[str]] = {}
        for session in self.sessions.values():
            connected.setdefault(session.role, []).append(session.terminal or "(anonymous)")
        return {role: sorted(ids) for role, ids in connected.items()}

    def _audience(self, session: Session) -> set[ServerConnection]:
        return {"kiosk": self.kiosks, "display": self.displays}.get(session.role, self.staff)



@dataclass
class Presence(Terminals):
    """`Terminals`, joined and left through `arrive` and `depart`, which record a kiosk's going
    and coming back in the event log: a restarted server's board says since when a kiosk is
    offline (it said: since the restart), and the statistics can count the time. While the
    server itself stops (`serving()` is false) its kiosks' connections end with it: they did
    not go, the server did, and nothing is recorded. `writer()`: the server's, once it has one."""

    office: Any = None
    writer: Callable[[], Any] = lambda: None
    serving: Callable[[], bool] = lambda: True

    async def arrive(self, ws: ServerConnection, session: Session) -> None:
        if self.join(ws, session) and session.role == "kiosk":
            await self._record(session.terminal, online=True)

    async def depart(self, ws: ServerConnection) -> None:
        session = self.leave(ws)
        if session.role == "kiosk" and not self.connected(session.terminal) and self.serving():
            await self._record(session.terminal, online=False)

    async def _record(self, kiosk: str, *, online: bool) -> None:
        command = self.office.kiosk_online if online else self.office.kiosk_offline
        try:
            await self.writer().submit(lambda now: command(kiosk=kiosk, now=now))
        except WillkommenError as exc:  # the store failed: the server stops for a restart anyway
            log.warning("kiosk not recorded", extra={"fields": {"kiosk": kiosk, "online": online, "why": str(exc)}})
