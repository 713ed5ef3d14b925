"""The manager's page family: sign-in, the floor board, statistics and the monthly report.

    GET  /signin                 the sign-in form (board/static/signin.html)
    WS   /signin/ws              `sign_in {name, password}` -> `signed_in {code}` (one-time, 30 s)
    GET  /signin/done?code=…     trades the code for the session cookie, then to /board (or to=:
                                 the counter, or the statistics page asked for: `returning_to`)
    GET  /signout                forgets the session
    GET  /board                  the floor board (board/static/board.html); its files /board/<file>
    GET  /staff/words.json       the staff catalogue in the signed-in person's language (German
                                 before a sign-in; ?lang=en on the sign-in page) (server/manager/words.py)
    WS   /board/ws               the live floor and a supervisor's actions (`server.manager.board`)
    GET  /counter …              the counter in the browser (`server.manager.counter_page`)
    GET  /stats?…                statistics (`server.manager.stats.web`), /stats.csv?table=…, /stats.xlsx
    GET  /report.pdf?month=…     the monthly report (/report.html: the same as a page)
    GET  /display/announcements.json, /display/announce.js   what the waiting room shows of
                                 a supervisor's announcements (public, like the display)

Everything but the sign-in form, its script and style and the display's announcements needs
a signed-in session, over HTTP (else 303 to /signin, or 401 for data) and websocket (the
upgrade is refused with 401; the Origin must be this host). The sign-in is over a websocket
because websockets' HTTP side takes no request bodies; the session cookie is HttpOnly, so it
is set by a plain GET trading a one-time code.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import sys
import threading
from importlib import resources
from functools import partial
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, parse_qsl, quote, urlencode, urlsplit, urlunsplit

import msgspec
from websockets.asyncio.server import ServerConnection
from websockets.http11 import Request, Response

from config import Site

from server.core import Office
from server.edge.frames import serve_frames
from server.edge.limits import Gate
from server.edge.replies import from_this_site, other_origin, respond
from server.edge.ratelimit import Pacer
from server.edge.terminals import Terminals
from server.manager.board import Board
from server.visitors.speech import Speech
from server.wire import protocol as p
from server.wire.errors import BadRequest, NotAllowed, RateLimited
from server.manager.lockout import KEY_CHARS
from server.manager.counter_page import CounterPage
from server.store.threads import carrying
from server.manager.people import People, SignedIn, Throttled, cookie_value
from server.manager.stats.worker import Reports
from server.manager.words import page_words, staff_lang
from server.store.writer import Writer

log = logging.getLogger("willkommen.manager")
CODE_SECONDS = 30.0
BROWSER_COOKIE = "willkommen_signin"  # binds a one-time sign-in code to the browser that asked for it
VERIFYING = 2  # password checks at once
FILES = {"signin.html": "text/html", "signin.js": "text/javascript", "board.html": "text/html",
         "board.js": "text/javascript", "network.js": "text/javascript", "manager.css": "text/css", "staff.js": "text/javascript"}
PUBLIC_FILES = ("signin.js", "manager.css", "staff.js")
WEBSOCKETS = ("/signin/ws", "/board/ws")
STATISTICS = ("/stats", "/stats.csv", "/stats.xlsx", "/report.pdf", "/report.html")
# the paths this room answers, in the edge's route table (`server.edge.routes`): a path added to
# `Manager.answer` is reached only once it is here ("*": every path below)
PATHS = ("/signin", "/signin/done", "/signout", "/staff/*", "/board", "/board/*", "/counter", "/counter/*",
         *STATISTICS, "/display/announcements.json", "/display/announce.js")


def returning_to(to: str) -> str | None:
    """The statistics page a signed-out person asked for (`to`), to come back to after the
    sign-in; None for anything else: only a path of this server's own, never another site's
    address (`//evil.example`, `https://…`: no open redirect), its query written anew."""
    url = urlsplit(to)
    if url.scheme or url.netloc or url.path not in STATISTICS:
        return None
    return urlunsplit(("", "", url.path, urlencode(parse_qsl(url.query)), ""))


class Manager:
    """The people's side of the port. The board is made by the edge (it needs the terminals);
    the statistics read the file at `db_path` in a worker process (`server.manager.stats.worker`)."""

    def __init__(self, site: Site, office: Office, people: People, board: Board, terminals: Terminals,
                 speech: Speech, gate: Gate, writer: Writer, *, db_path: Path | str, clock: Callable[[], float],
                 monotonic: Callable[[], float]):
        self.site, self.office, self.people, self.board, self.speech = site, office, people, board, speech
        self.writer = writer  # sign-outs are kept in the store (`_keep_sign_out`)
        self.gate, self.db_path, self.clock, self.monotonic = gate, db_path, clock, monotonic
        self.pacer = Pacer(rate=gate.limits.signin_per_second, burst=gate.limits.signin_burst,
                           peers=gate.limits.peers)  # sign-in frames per address
        self.counter_page = CounterPage(site, terminals, people, office)  # the counter in the browser (/counter)
        self.codes: dict[str, tuple[SignedIn, float, str]] = {}  # code -> session, until, browser
        # a password check takes ~0.3 s and 128 MiB (scrypt N=2^17): two at a time, the rest wait
        self.verifying = asyncio.Semaphore(VERIFYING)
        self.checks = carrying(VERIFYING, "willkommen-password", initializer=yielding)  # lines name the office
        self.reports = Reports()  # statistics and reports are made in a worker process

    def stop(self) -> None:
        self.board.stop()
        self.reports.stop()
        self.checks.shutdown(wait=False, cancel_futures=True)

    # ---- websockets -----------------------------------------------------------------------

    def upgrade(self, request: Request) -> Response | None:
        """None to let a websocket upgrade through; a refusal for the manager's sockets
        without a session or from another origin."""
        path = urlsplit(request.path).path
        if path not in (*WEBSOCKETS, "/counter/ws"):
            return None
        if (refused := other_origin(request)) is not None:
            return refused
        if path == "/counter/ws":
            return self.counter_page.upgrade(request)
        who = self.people.from_headers(request.headers)
        if path == "/board/ws" and (who is None or who.role == "clerk"):
            return respond(401, "sign in first\n")
        return None

    def owns(self, ws: ServerConnection) -> bool:
        return urlsplit(ws.request.path).path in WEBSOCKETS

    async def connection(self, ws: ServerConnection) -> None:
        if urlsplit(ws.request.path).path == "/signin/ws":
            return await self._sign_in(ws)
        who = self.people.from_headers(ws.request.headers)
        if who is None:  # expired between the upgrade and now
            return await ws.close(4401, "sign in first")
        await self.board.serve(ws, who)

    async def _sign_in(self, ws: ServerConnection) -> None:
        """Sign-in frames wait for their address's `[limits] signin_per_second` (each may cost a
        password check: a flood must not take the server's cores from the kiosks)."""
        address = self.gate.peer(ws)
        await serve_frames(ws, p.decode_manager, partial(self._try, ws), pace=partial(self.pacer.pace, address))

    async def _try(self, ws: ServerConnection, message: msgspec.Struct) -> p.SignedIn:
        address = self.gate.peer(ws)
        if not isinstance(message, p.SignIn):
            raise BadRequest("sign in first")
        try:
            self.people.attempt(message.name, address=address)
        except Throttled as exc:
            self._log("sign-in throttled", "signin_throttled", message.name, address)
            raise RateLimited(str(exc)) from None
        async with self.verifying:
            person = await asyncio.get_running_loop().run_in_executor(
                self.checks, self.people.verify, message.name, message.password)
        session = self.people.signed_in(person, message.name, address=address)
        if session is None:
            self._log("sign-in refused: wrong name or password", "signin_wrong", message.name, address)
            raise NotAllowed("wrong name or password")
        log.info("sign-in", extra={"fields": {"name": session.name, "ok": True, "address": address}})
        code = secrets.token_urlsafe(24)
        self.codes[code] = (session, self.clock() + CODE_SECONDS, self._browser(ws.request))
        return p.SignedIn(re=message.id, code=code)

    def _log(self, message: str, kind: str, name: str, address: str) -> None:
        """Refused sign-ins: one line per kind and `[limits] log_interval_seconds`, counting
        those left out, so a flood of guesses is no flood of log lines (a person's successful
        sign-in is always logged)."""
        left_out = self.gate.pressure.note(kind, self.monotonic())
        if left_out is not None:
            log.warning(message, extra={"fields": {"name": name[:KEY_CHARS], "address": address, "left_out": left_out}})

    # ---- HTTP -----------------------------------------------------------------------------

    async def answer(self, request: Request) -> Response | None:
        """The manager's pages, never in another site's frame (a same-site page framing the live
        board could trick a click on its buttons); None for paths that are not theirs. (HSTS is
        on every answer of the port under TLS: `server.edge.pages.strict_transport`.)"""
        response = await self._answer(request)
        if response is not None:
            response.headers["X-Frame-Options"] = "DENY"
            response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
        return response

    async def _answer(self, request: Request) -> Response | None:
        url = urlsplit(request.path)
        path, query = url.path.rstrip("/") or "/", parse_qs(url.query)
        if path == "/signin":
            return self._signin_form(request)
        if path == "/signin/done":
            return self._signed_in(request, query.get("code", [""])[0], query.get("to", [""])[0],
                                   query.get("counter", [""])[0])
        if path == "/staff/words.json":
            who = self.people.from_headers(request.headers)
            lang = who.lang if who is not None else query.get("lang", ["de"])[0]
            return respond(200, json.dumps(page_words(staff_lang(lang)), ensure_ascii=False),
                           "application/json; charset=utf-8")
        if path == "/signout":
            return await self._signed_out(request)
        if (page := await self.counter_page.answer(request, path)) is not None:
            return page
        if path.startswith("/board/") and path.removeprefix("/board/") in PUBLIC_FILES:
            return file(path.removeprefix("/board/"))
        if path == "/display/announcements.json":
            return respond(200, json.dumps(self.announcements(), ensure_ascii=False), "application/json; charset=utf-8")
        if path == "/display/announce.js":
            return respond(200, (resources.files("display") / "static" / "announce.js").read_bytes(),
                           "text/javascript; charset=utf-8")
        if not (path in ("/board", *STATISTICS) or path.startswith("/board/")):
            return None
        who = self.people.from_headers(request.headers)
        if who is None:  # a statistics page asked for is where the sign-in comes back to
            back = f"?to={quote(request.path, safe='')}" if path in STATISTICS else ""
            return respond(303, "sign in first\n", Location=f"/signin{back}")
        if who.role == "clerk" and path != "/board/me.json":  # a clerk's page is the counter
            return respond(303, "a clerk works at /counter\n", Location="/counter")
        if path == "/board":
            return file("board.html")
        if path == "/board/me.json":
            return respond(200, json.dumps({"name": who.name, "role": who.role}), "application/json")
        if path.startswith("/board/") and path.removeprefix("/board/") in FILES:
            return file(path.removeprefix("/board/"))
        if path in STATISTICS:
            from server.manager.stats import web as stats_web  # pygal, openpyxl and weasyprint load only when asked for

            return await stats_web.answer(self, path, query, staff_lang(who.lang))
        return respond(404, "not found\n")

    def _signin_form(self, request: Request) -> Response:
        """The form, with a cookie of this browser's own (SameSite=Strict: a page of another
        site cannot send it) that the one-time code is bound to."""
        browser = self._browser(request) or secrets.token_urlsafe(24)
        cookie = f"{BROWSER_COOKIE}={browser}; Path=/signin; HttpOnly; SameSite=Strict" + (
            "; Secure" if self._secure() else "")
        response = file("signin.html")
        response.headers["Set-Cookie"] = cookie
        return response

    def _signed_in(self, request: Request, code: str, to: str = "", counter: str = "") -> Response:
        """Trade a one-time code for the session cookie, in the browser that signed in only:
        login CSRF (another site sending the victim's browser here with the attacker's code,
        to sign it in as the attacker) finds no browser cookie, or another one, and is refused."""
        session, until, browser = self.codes.pop(code, (None, 0.0, ""))
        now = self.clock()
        self.codes = {c: v for c, v in self.codes.items() if v[1] > now}
        if session is None or until <= now:
            return respond(303, "sign in again\n", Location="/signin")
        if not from_this_site(request) or not browser or self._browser(request) != browser:
            log.warning("sign-in code refused: not from the browser that signed in",
                        extra={"fields": {"name": session.name, "site": request.headers.get("Sec-Fetch-Site", "")}})
            return respond(403, "this sign-in belongs to another browser: sign in here\n")
        # a clerk (or anyone who came from the counter page) goes to the counter, others to the board
        page = "/counter" if to == "counter" or session.role == "clerk" else (returning_to(to) or "/board")
        if page == "/counter" and counter in session.counters:  # the PC's own counter (a bookmark)
            page += f"?counter={counter}"
        return respond(303, "signed in\n", Location=page,
                       **{"Set-Cookie": self.people.cookie(session, secure=self._secure())})

    async def _signed_out(self, request: Request) -> Response:
        """Forget the session and close its boards and browser counters at once; a request another site
        started (logout CSRF) is refused and forgets nothing."""
        if not from_this_site(request):
            return respond(403, "sign out from this server's own pages\n")
        who = self.people.from_headers(request.headers)
        if who is not None:
            await self._keep_sign_out(self.people.sign_out(who.id))
            self.board.signed_out(who.id)
            self.counter_page.signed_out(who.id)
            log.info("sign-out", extra={"fields": {"name": who.name}})
        return respond(303, "signed out\n", Location="/signin",
                       **{"Set-Cookie": self.people.cookie(None, secure=self._secure())})

    @staticmethod
    def _browser(request: Request) -> str:
        return cookie_value(request.headers.get("Cookie", ""), BROWSER_COOKIE) or ""

    async def _keep_sign_out(self, kept: tuple[str, float] | None) -> None:
        """Into the store, so a restart does not take the cookie up again (`People.sign_out`).
        Failing, the sign-out still holds until the server stops, and is logged."""
        if kept is None:
            return
        try:
            session, until = kept
            await self.writer.keep(lambda store: store.sign_out(session, until, self.clock()))
        except Exception:
            log.exception("a sign-out could not be kept in the store: it holds until the server stops")

    def _secure(self) -> bool:
        """Cookies only over TLS: the server's own, or a proxy's in front (public_url https)."""
        return self.site.tls_cert is not None or self.site.public_url.startswith("https://")

    def announcements(self) -> list[dict]:
        """What the waiting room shows now, with the server's recordings where it speaks."""
        speech, now = self.speech, self.clock()
        shown = []
        for a in self.office.current_announcements(now):
            audio = {lang: speech.url(key) for lang, text in a.texts.items()
                     if (key := speech.register(lang, text)) is not None}
            # as with calls: a language the server has no voice for is shown, not handed to the
            # browser's voice (which reads Pashto or Tigrinya as noise, if at all)
            silent = [lang for lang in a.texts if lang not in audio] if speech.engine else []
            shown.append({"id": a.id, "texts": a.texts, "until": a.until, "audio": audio, "silent": silent})
        return shown


def file(name: str) -> Response:
    data = (resources.files("board") / "static" / name).read_bytes()
    return respond(200, data, f"{FILES[name]}; charset=utf-8")


def yielding() -> None:
    """A password-check thread at the lowest CPU priority (Linux keeps a nice value per thread):
    scrypt runs without the GIL, so while a stranger floods the sign-in page with guesses (the
    first `[limits] signin_free_address` of them are each checked), the event loop, which answers
    the kiosks' draws, gets the cores first; a manager's own check takes longer only when the
    cores are busy."""
    if sys.platform == "linux":
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
