"""The visitor's registration for the day's places by lot (issue #27): the page and its outcome.

    GET /register?lang=…            the form, in the visitor's language (Accept-Language without
                                    ?lang): service (only those given by lot), name as in the
                                    passport, date of birth, an optional contact and an optional
                                    "my permit expires on" (an urgent claim)
    GET /register/<entry>?lang=…    the entry's outcome: waiting, won (the code as text and as a QR
                                    code, the time window), not drawn, offered ("come now")
    GET /register/<file>            its script and style (display/static/register.*)
    GET /register/qr/<code>.svg     a place's code as a QR code (what the kiosk's scanner reads)
    WS  /register/ws                `register` -> `registered`, `outcome` -> `outcome_view`
                                    (server/wire/access.py; answered by server.access)

**Why one page with two views.** The form and the outcome are one template: the page sends
`register` over the socket and, once `registered` comes back, shows the outcome of the new
entry at its own address (`/register/<entry>`, kept in the phone's localStorage too, so a
visitor who opens /register again finds the way back to their result). The entry is the
visitor's only key to it: unguessable, never shown elsewhere.

**What the page says, and what it does not.** It explains in plain words that places are drawn
by lot at a set time (speed does not matter) and that the place is bound to the person (the
counter compares the passport). The name and the date of birth are sent once and never shown
again: the outcome shows the service, the code and the window, nothing that names the visitor.
Every text from outside (the office's service names, the catalogue) goes in as text.

**The QR code** holds only the code, which the visitor has anyway; drawing it asks nothing of
the store, so the address is no way to learn or try codes.
"""

from __future__ import annotations

import html
import io
import json
import re
from datetime import date, time, timedelta
from importlib import resources
from string import Template
from typing import Callable, Mapping
from urllib.parse import parse_qs, urlsplit

import segno
from babel.dates import format_date, format_time
from websockets.http11 import Request, Response

from config import Site, languages
from server.edge.replies import preferred, respond

PATHS = ("/register", "/register/*")  # in the edge's route table (`server.edge.routes`)
SOCKET = "/register/ws"
FILES = {"register.js": "text/javascript; charset=utf-8", "register.css": "text/css; charset=utf-8"}
ENTRY = re.compile(r"^/register/([A-Za-z0-9_-]{16,128})$")
QR = re.compile(r"^/register/qr/([A-Za-z0-9-]{3,32})\.svg$")


class RegisterPage:
    """The registration page and its outcome view, in every site language."""

    def __init__(self, site: Site, day: Callable[[], tuple[str, bool]] | None = None):
        # `day`: the lottery day a registration now is for and whether its window is open
        # (`Access.registration_day`); without it the form names no day
        self.site, self.day = site, day

    def answer(self, request: Request) -> Response | None:
        url = urlsplit(request.path)
        query = parse_qs(url.query)
        if not self.site.access.enabled:
            return None  # an office without places by lot: no such page (404)
        if url.path in ("/register", "/register/"):
            return self.page(self.language(request, query), entry="")
        name = url.path.removeprefix("/register/")
        if name in FILES:
            return respond(200, (resources.files("display") / "static" / name).read_bytes(), FILES[name])
        if match := QR.match(url.path):
            return qr_code(match.group(1))
        if match := ENTRY.match(url.path):
            return self.page(self.language(request, query), entry=match.group(1))
        return None

    def language(self, request: Request, query: Mapping[str, list[str]]) -> str:
        asked = query.get("lang", [""])[0]
        if asked in self.site.languages:
            return asked
        return preferred(request.headers.get("Accept-Language", ""), self.site.languages)

    def page(self, lang: str, *, entry: str) -> Response:
        site, e = self.site, html.escape
        words = site.words(lang)
        rules = site.access
        # the window as it is: from `opens` the day before, or on the day itself (`same_day`)
        w = {key.removeprefix("register."): words[rules.words(key)] for key in words if key.startswith("register.")}
        times = {"opens": clock(rules.opens, lang), "closes": clock(rules.closes, lang),
                 "draw_at": clock(rules.draw_at, lang)}
        fields = {key: e(text) for key, text in w.items()}
        fields |= {
            "lang": lang, "dir": words["direction"], "office": e(site.name), "entry": entry,
            "view": "outcome" if entry else "form", "state": "waiting" if entry else "",
            "when": e(w["when"].format(**times)), "lottery_day": e(self.day_said(w, times, lang)),
            "urgent_hint": e(w["urgent_hint"].format(days=rules.urgent_days)),
            "privacy_link": e(words["privacy.link"]), "services": self.services(lang),
            "languages": self.language_links(lang, entry), "languages_label": e(w["language"]),
            "words": script_json({"lang": lang, "timezone": site.timezone, "words": w,
                                  "times": times | {"days": rules.urgent_days}}),
        }
        return respond(200, template().substitute(fields), "text/html; charset=utf-8")

    def day_said(self, w: Mapping[str, str], times: Mapping[str, str], lang: str) -> str:
        """Which day the registration is for, as a date in the visitor's language; when the
        window is closed, the day whose registration opens next and when it opens."""
        if self.day is None:
            return ""
        day, open_now = self.day()
        on = date.fromisoformat(day)
        if open_now:
            return w["day_open"].format(day=long_date(on, lang), **times)
        eve = on - timedelta(days=self.site.access.days_before)  # the day its registration opens
        return w["day_next"].format(day=long_date(on, lang), eve=long_date(eve, lang), **times)

    def services(self, lang: str) -> str:
        """One radio button a service given by lot, named in the visitor's language (chosen
        already when there is only one)."""
        offered = [service for service in map(self.site.service, self.site.access.services) if service is not None]
        checked = " checked" if len(offered) == 1 else ""  # one service: nothing to choose
        return "".join(f'<label class="service"><input type="radio" name="service" value="{html.escape(service.id)}"'
                       f'{checked}><span>{html.escape(service.name(lang))}</span></label>' for service in offered)

    def language_links(self, lang: str, entry: str) -> str:
        """Each other site language, named in its own script and marked with its own direction."""
        path = f"/register/{entry}" if entry else "/register"
        links = []
        for other in self.site.languages:
            other_words = self.site.words(other)
            current = ' aria-current="page"' if other == lang else ""
            links.append(f'<a href="{path}?lang={other}" lang="{other}" dir="{other_words["direction"]}" '
                         f'hreflang="{other}"{current}>{html.escape(other_words["language_name"])}</a>')
        return "".join(links)


def clock(value: str | time, lang: str) -> str:
    """A time of day from the site file ("06:05") the way the visitor's language writes it."""
    at = value if isinstance(value, time) else time.fromisoformat(value)
    locale = languages.locale(lang)
    return format_time(at, "short", locale=locale) if locale is not None else at.strftime("%H:%M")


def long_date(day: date, lang: str) -> str:
    """A date with its weekday ("Tuesday, 8 December 2026") as the visitor's language writes it."""
    locale = languages.locale(lang)
    return format_date(day, "full", locale=locale) if locale is not None else day.isoformat()


def qr_code(code: str) -> Response:
    buffer = io.BytesIO()
    segno.make(code, error="m").save(buffer, kind="svg", scale=8, border=4, dark="#000", light="#fff",
                                     xmldecl=False, title=code)
    return respond(200, buffer.getvalue(), "image/svg+xml", **{"Cache-Control": "max-age=86400"})


def script_json(value) -> str:
    """JSON to stand inside <script type="application/json">: no "</script>" can end it early."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace("&", "\\u0026")


def template() -> Template:
    return Template((resources.files("display") / "static" / "register.html").read_text(encoding="utf-8"))
