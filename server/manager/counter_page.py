"""The counter in the browser: a clerk's workstation without an install.

    GET  /counter             the page (counter/static/counter.html); without a sign-in 303 to
                              /signin?to=counter, which comes back here
    GET  /counter/<file>      its script and style (public: they hold no data)
    GET  /counter/me.json     who is signed in and the counters they may staff (`[[people]]
                              counters`), each with whether another person works there now
                              and whether it has a printer (`[[counters]] printer`)
    GET  /counter/slip?counter=…&ticket=…
                              prints the referral slip of a visitor this counter referred
                              today on the counter's printer (a browser reaches no printer):
                              JSON {printed} or {error} (502); only for a person who may staff it
    WS   /counter/ws          the terminals' own protocol (server/wire/protocol.py): the page
                              says `hello {role: "counter", terminal: <counter id>}` and then
                              sends what the Textual counter sends (next, call, finish, ...);
                              besides the terminals' frames it gets a `screen` after each change:
                              every sentence it shows, made by the Textual counter's own code
                              (server/manager/counter_screens.py), and errors with their `text`

No token is on the page: the websocket's upgrade carries the person's session cookie, and the
hello is accepted only for a counter that person may staff (`authorise`), and not while another
person works there in the browser. The queue's rules stay in the core: the page gets the same
welcome, replies and pushes as a counter terminal, whose figures (waiting, longest wait,
estimate, why this visitor) the server computes once for both.
"""

from __future__ import annotations

import asyncio
import json
import logging
from importlib import resources
from typing import Iterable
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection
from websockets.http11 import Request, Response

from config import Site, languages

from counter import slip as slips  # the counter's slip layout: the browser counter's is printed here
from server.core import Office
from server.edge import views
from server.edge.replies import respond
from server.edge.terminals import Terminals
from server.manager.people import People, SignedIn, session_cookie
from server.manager.words import staff_lang

log = logging.getLogger("willkommen.counter_page")
SOCKET = "/counter/ws"
FILES = {"counter.html": "text/html", "counter.js": "text/javascript", "counter.css": "text/css"}
BROWSER = "person-"  # a browser counter's terminal name: "person-" and the person's name


class Refused(Exception):
    """The hello of a browser counter that this person may not staff (now)."""


class CounterPage:
    def __init__(self, site: Site, terminals: Terminals, people: People, office: Office):
        self.site, self.terminals, self.people, self.office = site, terminals, people, office
        self._closing: set[asyncio.Task] = set()  # counters being closed after a sign-out

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

    def signed_out(self, session_id: str) -> None:
        """A sign-out ends the browser counters its session opened, now: the clerk's page
        goes to the sign-in, and nobody at that PC calls as them any more."""
        for ws in [ws for ws in self.terminals.sessions if self.owns(ws)
                   and session_cookie(ws.request.headers.get("Cookie", "")) == session_id]:
            task = asyncio.get_running_loop().create_task(ws.close(4401, "you have signed out"))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    # ---- HTTP -------------------------------------------------------------------------------

    async def answer(self, request: Request, path: str) -> Response | None:
        if path.startswith("/counter/") and path.removeprefix("/counter/") in ("counter.js", "counter.css"):
            return file(path.removeprefix("/counter/"))
        if path not in ("/counter", "/counter/me.json", "/counter/slip"):
            return None
        who = self.people.from_headers(request.headers)
        if who is None:  # a PC's bookmark /counter?counter=3 comes back to counter 3
            counter = parse_qs(urlsplit(request.path).query).get("counter", [""])[0]
            wanted = f"&counter={counter}" if counter in {c.id for c in self.site.counters} else ""
            return respond(303, "sign in first\n", Location=f"/signin?to=counter{wanted}")
        if path == "/counter":
            return file("counter.html")
        if path == "/counter/slip":
            query = parse_qs(urlsplit(request.path).query)
            return await self.slip(who, query.get("counter", [""])[0], query.get("ticket", [""])[0])
        return respond(200, json.dumps(self.me(who), ensure_ascii=False), "application/json; charset=utf-8")

    def me(self, who: SignedIn) -> dict:
        staffed = {s.counter: s.terminal.removeprefix(BROWSER) for s in self.terminals.sessions.values()
                   if s.terminal.startswith(BROWSER)}
        names, site = {c.id: c.name for c in self.site.counters}, self.site
        return {"name": who.name, "role": who.role, "lang": who.lang, "board": who.role != "clerk",
                # the same CLDR names the Textual counter shows ("Dari", "Tigrinya"), in the person's language
                "language_names": {tag: languages.name(tag, staff_lang(who.lang)) for tag in site.languages},
                "counters": [{"id": c, "name": names[c], "taken": staffed.get(c, who.name) != who.name,
                              "printer": site.counter(c).printer is not None} for c in who.counters]}

    async def slip(self, who: SignedIn, counter: str, number: str) -> Response:
        """The referral slip of `number` on `counter`'s printer, in a thread (printing blocks)."""
        site, ticket = self.site, self.office.tickets.get(number)
        if counter not in who.counters or ticket is None or ticket.counter not in (counter, None) \
                or not ticket.referrals:
            return respond(403, json.dumps({"error": "not a visitor this counter referred today"}),
                           "application/json; charset=utf-8")
        url = site.counter(counter).printer
        if url is None:
            return respond(404, json.dumps({"error": "this counter has no printer"}), "application/json; charset=utf-8")
        blocks = slips.layout(views.site(site), views.ticket(ticket),
                              [views.partner(x) for x in site.partners if x.id in ticket.referrals],
                              words={lang: site.words(lang) for lang in (ticket.lang, "de")})
        try:
            await asyncio.to_thread(_print, url, blocks, f"{ticket.number}-slip")
        except Exception as exc:  # PrinterError and what opening a device raises: the page says it
            log.warning("slip not printed", extra={"fields": {"counter": counter, "ticket": number, "error": str(exc)}})
            return respond(502, json.dumps({"error": str(exc)}, ensure_ascii=False), "application/json; charset=utf-8")
        return respond(200, json.dumps({"printed": bool(blocks)}), "application/json; charset=utf-8")


def _print(url: str, blocks: list, name: str) -> None:
    from printing.printers import open_printer  # python-escpos loads only where slips are printed

    if blocks:
        printer = open_printer(url)
        try:
            printer.print(blocks, name=name)
        finally:
            printer.close()


def file(name: str) -> Response:
    data = (resources.files("counter") / "static" / name).read_bytes()
    return respond(200, data, f"{FILES[name]}; charset=utf-8")
