"""The coordinator's side of the network's port: sign-in and the comparison page.

    GET  /signin[?lang=en]   the sign-in form (the staff catalogue's `[signin]`)
    POST /signin             name and password (a form) -> the session cookie, then /network
    GET  /signout            forgets the session
    GET  /network?month=M    offices compared (`server.network.page`); without a session: /signin
    GET  /network.css        the manager pages' style (board/static/manager.css) and the page's own

Sign-in, sessions and the wrong-password throttle are the office's (`server.manager.people`,
`[limits] signin_*`): the network file's `[[people]]` with `role = "network"`, scrypt hashes, an
HttpOnly SameSite=Strict cookie. A sign-in posted from another site's page (its Origin not
this host) is refused 403. Every page says it may not be framed. What a page says outside the
form (a refusal, a wrong month) is the staff catalogue's `[network.answer]`: German, English for
`?lang=en` or a person whose `lang` is en (`server.network.said`).
"""

from __future__ import annotations

import asyncio
import html
from datetime import date, timedelta
from importlib import resources
from typing import Callable
from urllib.parse import parse_qs

from server.edge.replies import from_this_site
from server.manager.people import People, Throttled
from server.network.figures import Comparison
from server.network.httpd import Reply, Request
from server.network.page import page
from server.network.settings import ROLE, Network
from server.network.store import NetworkStore

OWN_CSS = """
section { overflow-x: auto; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; }
.charts figure { flex: 1 1 24rem; max-width: 40rem; }
td.hidden-figure { color: var(--muted); }
td.hidden-figure sup { line-height: 0; }  /* a marked cell is as tall as the others */
p.footnote { color: var(--muted); }
"""
HEADERS = (("X-Frame-Options", "DENY"), ("Content-Security-Policy",
           "default-src 'none'; style-src 'self'; img-src data:; form-action 'self'; frame-ancestors 'none'"),
           ("Cache-Control", "no-store"), ("Referrer-Policy", "same-origin"))
TREND_MONTHS = 12


class Pages:
    def __init__(self, network: Network, store: NetworkStore, *, clock: Callable[[], float]):
        self.network, self.store, self.clock = network, store, clock
        self.people = People(network)  # type: ignore[arg-type]  # a Network offers what People reads of a Site
        self.verifying = asyncio.Semaphore(2)  # scrypt: 128 MiB and ~0.3 s a check
        self.secure = network.public_url.startswith("https://")  # reached through a TLS proxy

    async def answer(self, request: Request) -> Reply:
        path, lang = request.path, self.lang(request)
        if path == "/signin" and request.method == "POST":
            return await self.sign_in(request)
        if request.method != "GET":
            return Reply.text(405, lang, "method", ("Allow", "GET"), path=path[:80], method="GET")
        if path == "/network.css":
            manager_css = (resources.files("board") / "static" / "manager.css").read_text(encoding="utf-8")
            return Reply(200, manager_css + OWN_CSS, "text/css; charset=utf-8")
        if path == "/signin":
            return self.form(request.query.get("lang", "de"))
        if path == "/signout":
            if not from_this_site(_Asked(request)):  # type: ignore[arg-type]  # another site signing one out
                return Reply.text(403, lang, "sign_out_here")
            who = self.people.from_headers({"Cookie": request.headers.get("cookie", "")})
            if who is not None:
                self.people.sign_out(who.id)
            return Reply(303, b"", "text/plain", [("Location", "/signin"),
                                                    ("Set-Cookie", self.people.cookie(None, secure=self.secure))])
        if path in ("/", "/network"):
            return await self.comparison(request)
        return Reply.text(404, lang, "nothing_here")

    def lang(self, request: Request) -> str:
        """The page's language: `?lang=en`, else the signed-in person's, else German."""
        if request.query.get("lang") in ("de", "en"):
            return request.query["lang"]
        who = self.people.from_headers({"Cookie": request.headers.get("cookie", "")})
        return "en" if who is not None and who.lang == "en" else "de"

    def form(self, lang: str, problem: str = "", status: int = 200) -> Reply:
        from server.manager.words import StaffWords

        w = StaffWords(lang)
        e = html.escape
        other = w("page.other_language_tag")
        body = f"""<!doctype html>
<html lang="{w.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(w("signin.title"))}</title><link rel="stylesheet" href="/network.css"></head>
<body class="signin"><main><h1>{e(w("signin.heading"))}</h1><p>{e(w("network.signin_intro"))}</p>
<form method="post" action="/signin?lang={e(w.lang)}">
<label for="name">{e(w("signin.name"))}</label>
<input id="name" name="name" autocomplete="username" required autocapitalize="none" spellcheck="false" autofocus>
<label for="password">{e(w("signin.password"))}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">{e(w("signin.submit"))}</button>
<p id="problem" role="alert">{e(problem)}</p></form>
<p><a id="other-language" href="/signin?lang={e(other)}">{e(w("page.other_language"))}</a></p></main></body></html>
"""
        return Reply(status, body, "text/html; charset=utf-8", list(HEADERS))

    async def sign_in(self, request: Request) -> Reply:
        from server.manager.words import StaffWords

        lang = request.query.get("lang", "de")
        w = StaffWords(lang)
        if not from_this_site(_Asked(request)):  # type: ignore[arg-type]  # login CSRF
            return Reply.text(403, w.lang, "sign_in_here")
        fields = {k: v[0] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        name, password = fields.get("name", "").strip().lower(), fields.get("password", "")
        if not name or not password:
            return self.form(lang, w("signin.missing"), 400)
        try:
            self.people.attempt(name, address=request.peer)
        except Throttled as exc:
            return self.form(lang, w("signin.throttled", seconds=int(exc.wait) + 1), 429)
        async with self.verifying:
            person = await asyncio.to_thread(self.people.verify, name, password)
        session = self.people.signed_in(person, name, address=request.peer)
        if session is None or session.role != ROLE:
            return self.form(lang, w("signin.wrong"), 401)
        return Reply(303, b"", "text/plain", [("Location", "/network"),
                                                ("Set-Cookie", self.people.cookie(session, secure=self.secure))])

    async def comparison(self, request: Request) -> Reply:
        who = self.people.from_headers({"Cookie": request.headers.get("cookie", "")})
        if who is None or who.role != ROLE:
            return Reply(303, b"", "text/plain", [("Location", "/signin")])
        months = await asyncio.to_thread(self.store.months)
        month = request.query.get("month", "") or (months[0] if months else "")
        try:
            chosen = await asyncio.to_thread(self.compare, month) if month else None
        except ValueError:
            return Reply.text(400, "en" if who.lang == "en" else "de", "not_a_month", month=month[:20])
        body = await asyncio.to_thread(page, self.network.name, chosen, months, who.lang, await asyncio.to_thread(self.waiting))
        return Reply(200, body, "text/html; charset=utf-8", list(HEADERS))

    def waiting(self) -> list[str]:
        """The offices of the network file that have no day stored yet (none sent, none read)."""
        return [o.name for o in self.network.offices if not self.store.day_count(o.id)]

    def compare(self, month: str) -> Comparison:
        """The month's figures of every office that sent days, and the months before it."""
        first = date.fromisoformat(month + "-01")
        trend: dict[str, dict] = {}
        for back in range(TREND_MONTHS - 1, -1, -1):
            start = _months_before(first, back)
            found = self.store.period(start.isoformat(), (_months_before(start, -1) - timedelta(days=1)).isoformat())
            if found or trend:
                trend[start.isoformat()[:7]] = found
        now = trend.get(month, {})
        offices = [(o.id, o.name) for o in self.network.offices if o.id in now]
        return Comparison(month, offices, now, trend)


class _Asked:
    """A request as `from_this_site` reads one (headers by their names, in any case)."""

    def __init__(self, request: Request):
        self.headers = _AnyCase({k.lower(): v for k, v in request.headers.items()})


class _AnyCase(dict):
    def get(self, name: str, default=None):
        return super().get(name.lower(), default)


def _months_before(first: date, back: int) -> date:
    index = first.year * 12 + first.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)
