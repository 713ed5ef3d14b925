"""The counter in the browser: a clerk's workstation without an install.

    GET  /counter             the page (counter/static/counter.html); without a sign-in 303 to
                              /signin?to=counter, which comes back here
    GET  /counter/<file>      its script and style (public: they hold no data)
    GET  /counter/me.json     who is signed in and the counters they may staff (`[[people]]
                              counters`), each with whether another person works there now
    WS   /counter/ws          the terminals' own protocol (server/wire/protocol.py): the page
                              says `hello {role: "counter", terminal: <counter id>}` and then
                              sends what the Textual counter sends (next, call, finish, ...)

No token is on the page: the websocket's upgrade carries the person's session cookie, and the
hello is accepted only for a counter that person may staff (`authorise`), and not while another
person works there in the browser. The queue's rules stay in the core: the page gets the same
welcome, replies and pushes as a counter terminal, whose figures (waiting, longest wait,
estimate, why this visitor) the server computes once for both.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Iterable
from urllib.parse import urlsplit

from websockets.asyncio.server import ServerConnection
from websockets.http11 import Request, Response

from config import Site, languages

from server.edge.pages import respond
from server.edge.terminals import Terminals
from server.manager.people import People, SignedIn
from server.manager.words import staff_lang

SOCKET = "/counter/ws"
FILES = {"counter.html": "text/html", "counter.js": "text/javascript", "counter.css": "text/css"}
BROWSER = "person-"  # a browser counter's terminal name: "person-" and the person's name


class Refused(Exception):
    """The hello of a browser counter that this person may not staff (now)."""


class CounterPage:
    def __init__(self, site: Site, terminals: Terminals, people: People):
        self.site, self.terminals, self.people = site, terminals, people

    # ---- the websocket ----------------------------------------------------------------------

    def owns(self, ws: ServerConnection) -> bool:
        return urlsplit(ws.request.path).path == SOCKET

    def upgrade(self, request: Request) -> Response | None:
        """The socket's upgrade: only with a live session (the page then signs in again)."""
        if self.people.from_headers(request.headers) is None:
            return respond(401, "sign in first\n")
        return None

    def authorise(self, ws: ServerConnection, counter: str, sessions: Iterable) -> SignedIn:
        """The person behind a browser counter's hello for `counter`, or `Refused`."""
        who = self.people.from_headers(ws.request.headers)
        if who is None:
            raise Refused("your sign-in has expired: sign in again")
        if counter not in who.counters:
            raise Refused(f"{who.name} may not staff counter {counter!r} (the site file lets them staff "
                          f"{', '.join(who.counters) or 'no counter'})")
        other = next((s.terminal.removeprefix(BROWSER) for s in sessions
                      if s.counter == counter and s.terminal.startswith(BROWSER) and s.terminal != BROWSER + who.name),
                     None)
        if other is not None:
            raise Refused(f"counter {counter} is staffed by {other} now")
        return who

    # ---- HTTP -------------------------------------------------------------------------------

    def answer(self, request: Request, path: str) -> Response | None:
        if path.startswith("/counter/") and path.removeprefix("/counter/") in ("counter.js", "counter.css"):
            return file(path.removeprefix("/counter/"))
        if path not in ("/counter", "/counter/me.json"):
            return None
        who = self.people.from_headers(request.headers)
        if who is None:
            return respond(303, "sign in first\n", Location="/signin?to=counter")
        if path == "/counter":
            return file("counter.html")
        return respond(200, json.dumps(self.me(who), ensure_ascii=False), "application/json; charset=utf-8")

    def me(self, who: SignedIn) -> dict:
        staffed = {s.counter: s.terminal.removeprefix(BROWSER) for s in self.terminals.sessions.values()
                   if s.terminal.startswith(BROWSER)}
        names, site = {c.id: c.name for c in self.site.counters}, self.site
        return {"name": who.name, "role": who.role, "lang": who.lang, "board": who.role != "clerk",
                # the same CLDR names the Textual counter shows ("Dari", "Tigrinya"), in the person's language
                "language_names": {tag: languages.name(tag, staff_lang(who.lang)) for tag in site.languages},
                "counters": [{"id": c, "name": names[c], "taken": staffed.get(c, who.name) != who.name}
                             for c in who.counters]}


def file(name: str) -> Response:
    data = (resources.files("counter") / "static" / name).read_bytes()
    return respond(200, data, f"{FILES[name]}; charset=utf-8")
