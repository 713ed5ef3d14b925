"""One table for everything the port answers: HTTP paths and websocket endpoints.

A path is exact (`/board`) or a prefix ending in `*` (`/board/*`); an exact path wins, then
the longest prefix. Each HTTP route names the room that answers it; each websocket endpoint
names what may refuse its upgrade (before it is accepted: a wrong origin, no session) and what
serves its connection (none: a terminal's, `hello` first, as an upgrade to any path not in
the table is).

`Server.routes()` builds the table; the README's "How it works" lists it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from websockets.asyncio.server import ServerConnection
from websockets.http11 import Request, Response

Answer = Callable[[Request], Awaitable[Response | None]]
Refuse = Callable[[Request], Response | None]
Serve = Callable[[ServerConnection], Awaitable[None]]


@dataclass(frozen=True)
class Page:
    path: str
    room: str       # who answers, for the printed table and the log
    answer: Answer


@dataclass(frozen=True)
class Socket:
    path: str
    room: str
    refuse: Refuse
    serve: Serve | None  # None: a terminal's socket (`hello` first), such as the browser counter's
    public: bool = False  # open to anyone (no session, no token): counted in the gate's public pool


class Routes:
    def __init__(self, pages: list[Page], sockets: list[Socket]):
        self.pages = pages
        self.sockets = {s.path: s for s in sockets}
        self._exact = {p.path: p for p in pages if not p.path.endswith("*")}
        self._prefixes = sorted((p for p in pages if p.path.endswith("*")), key=lambda p: -len(p.path))
        if len(self._exact) + len(self._prefixes) != len(pages):
            raise ValueError("a path is in the route table twice")

    def page(self, path: str) -> Page | None:
        if path in self._exact:
            return self._exact[path]
        return next((p for p in self._prefixes if path.startswith(p.path[:-1])), None)

    def socket(self, path: str) -> Socket | None:
        return self.sockets.get(path)

    def public(self) -> frozenset[str]:
        """The paths of the sockets anyone may open (the gate turns a flood of them away at the door)."""
        return frozenset(s.path for s in self.sockets.values() if s.public)

    def table(self) -> list[dict[str, Any]]:
        """The routes as rows: what `python -m server routes` prints."""
        rows = [{"kind": "GET", "path": p.path, "room": p.room} for p in self.pages]
        rows += [{"kind": "WS", "path": s.path, "room": s.room} for s in self.sockets.values()]
        return rows
