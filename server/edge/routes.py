"""One table for everything the port answers: HTTP paths and websocket endpoints.

A path is exact (`/board`) or a prefix ending in `*` (`/board/*`); an exact path wins, then
the longest prefix. Each HTTP route names the room that answers it; each websocket endpoint
names what may refuse its upgrade (before it is accepted: a wrong origin, no session) and what
serves its connection (none: a terminal's, `hello` first, as an upgrade to any path not in
the table is).

`office_routes` builds the table of one office's port, room by room; `answer` is the HTTP
answer the port gives inside websockets' opening handshake (`process_request`): a page, a
refused upgrade, 404 or 405. The README's "How it works" lists the table's routes, room by
room (`tests/test_readme_map.py` holds the list to `office_routes`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, Awaitable, Callable
from urllib.parse import urlsplit

from websockets.asyncio.server import ServerConnection
from websockets.http11 import Request, Response

from server import messages
from server.access import room as access_room
from server.access.room import Access
from server.edge import pages
from server.edge.limits import Gate
from server.manager import counter_page
from server.manager import pages as manager_pages
from server.manager.pages import Manager
from server.messages import reports
from server.visitors import feedback, register
from server.visitors.feedback import Feedback
from server.visitors.register import RegisterPage

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
        """The routes as rows (the README's "How it works" lists them: tests/test_readme_map.py)."""
        rows = [{"kind": "GET", "path": p.path, "room": p.room} for p in self.pages]
        rows += [{"kind": "WS", "path": s.path, "room": s.room} for s in self.sockets.values()]
        return rows


def office_routes(manager: Manager, answers: Feedback, access: Access, registration: RegisterPage,
                  public: pages.Sources, outbox: messages.Outbox) -> Routes:
    """The route table: every HTTP path and websocket endpoint of the port, and its room."""
    async def sync(answer: Callable[[Request], Response | None], request: Request) -> Response | None:
        return answer(request)

    public_page = partial(pages.answer, public)
    return Routes(
        [*(Page(path, "manager", manager.answer) for path in manager_pages.PATHS),
         *(Page(path, "visitors", partial(sync, answers.answer)) for path in feedback.PATHS),
         *(Page(path, "access", access.answer) for path in access_room.PATHS),
         *(Page(path, "edge", public_page) for path in pages.PATHS),
         *(Page(path, "visitors", partial(sync, registration.answer)) for path in register.PATHS),
         *(Page(path, "messages", partial(sync, partial(reports.answer, outbox))) for path in messages.PATHS)],
        [Socket("/signin/ws", "manager", manager.upgrade, manager.connection, public=True),
         Socket("/board/ws", "manager", manager.upgrade, manager.connection),
         Socket(counter_page.SOCKET, "manager", manager.upgrade, None),  # a counter terminal in the browser
         Socket(feedback.SOCKET, "visitors", answers.upgrade, answers.connection, public=True),
         Socket(access_room.SOCKET, "access", access.upgrade, access.connection, public=True)])


async def answer(routes: Routes, gate: Gate, connection: ServerConnection, request: Request) -> Response | None:
    """The HTTP answer inside the opening handshake; None lets a websocket upgrade go on."""
    path = urlsplit(request.path).path
    if request.headers.get("Upgrade", "").lower() == "websocket":
        socket = routes.socket(path)
        if socket is not None and socket.public and gate.public_full(gate.peer(connection)):
            return pages.busy()  # before the handshake: no 101, no connection to close later
        return socket.refuse(request) if socket is not None else None
    if request.method not in pages.METHODS:
        return pages.method_not_allowed(request)
    page = routes.page(path.rstrip("/") or "/") or routes.page(path)
    response = await page.answer(request) if page is not None else None
    if response is None:
        response = pages.respond(404, "not found\n")
    return pages.without_body(response) if request.method == "HEAD" else response
