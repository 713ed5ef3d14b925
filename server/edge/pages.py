"""The HTTP side of the one port: small pages and files, answered in `process_request`.

    GET /                     a short index; the demo's links every page and shows its accounts
    GET /healthz              live state as JSON
    GET /display              the waiting-room page (display/static/), ?zone=…&terminal=…&token=…
    GET /display/<file>       its script and style, the phone page's (ticket.js, ticket.css) and
                              the fonts both share (fonts.css); /display/strings.json its words
    GET /t/<token>            a visitor's ticket status page (the QR code on the ticket)
    GET /privacy?lang=…       the visitor's privacy notice in their language (the phone page and
                              the kiosk link it; Accept-Language without ?lang)
    GET /t/<token>.json       the same, for the page to refresh itself
    GET /display/fonts/<f>    the fonts fonts.css names (printing/fonts: Ethiopic, extended Arabic, ...)
    GET /speech/<key>.wav     a call the server spoke (only texts it announced itself)

Only GET and HEAD (the same answer without its body); any other method gets 405 with
`Allow: GET, HEAD`.

The status page shows nothing that identifies the visitor: number, place, estimate, and when
called the counter and its direction. A token that is unknown or from an earlier day gets a
friendly 404 page in the language the phone asks for (Accept-Language), which says so once
and does not poll.
"""

from __future__ import annotations

import functools
import html
import json
import re
from urllib.parse import parse_qs, urlsplit
from importlib import resources
from string import Template
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Mapping, Protocol

from websockets.datastructures import MultipleValuesError
from websockets.http11 import Request, Response

from config import Site, strings

from server.core import Office, Ticket
from server.edge.replies import preferred, respond
from server.core.model import CALLED, WAITING
from server.visitors.speech import Speech
from server.wire import partners


class PhoneFeedback(Protocol):
    def phone_state(self, ticket: Ticket) -> dict[str, Any]: ...
    def phone_section(self, ticket: Ticket, words: Mapping[str, str]) -> str: ...


@dataclass(frozen=True)
class Sources:
    """What the public pages read: given by the edge, never the whole src."""

    site: Site
    office: Office
    speech: Speech
    feedback: PhoneFeedback
    clock: Callable[[], float]
    health: Callable[[], dict[str, Any]]


STATIC = {"display.js": "text/javascript; charset=utf-8", "sound.js": "text/javascript; charset=utf-8",
          "display.css": "text/css; charset=utf-8",
          "display.html": "text/html; charset=utf-8", "fonts.css": "text/css; charset=utf-8",
          "ticket.js": "text/javascript; charset=utf-8", "ticket.css": "text/css; charset=utf-8",
          "referral.js": "text/javascript; charset=utf-8", "referral.css": "text/css; charset=utf-8"}
TICKET = re.compile(r"^/t/([A-Za-z0-9_-]{8,64})(\.json)?$")
SPEECH = re.compile(r"^/speech/([0-9a-f]{20})\.wav$")
FONT = re.compile(r"^/display/fonts/([A-Za-z0-9-]+\.ttf)$")
PATHS = ("/", "/healthz", "/favicon.ico", "/display", "/display/*", "/t/*", "/speech/*", "/privacy")  # in the route table
STATUS_KEYS = {"called": "your_turn", "serving": "serving", "done": "done", "no_show": "missed", "parked": "parked"}


async def answer(src: Sources, request: Request) -> Response:
    path = request.path.split("?", 1)[0]
    if path == "/healthz":
        return respond(200, json.dumps(src.health(), ensure_ascii=False, indent=1), "application/json")
    if path in ("/display", "/display/"):
        return static("display.html")
    if path == "/display/strings.json":
        return respond(200, json.dumps(display_strings(src.site), ensure_ascii=False),
                       "application/json; charset=utf-8")
    if path.startswith("/display/") and path.removeprefix("/display/") in STATIC:
        return static(path.removeprefix("/display/"))
    if match := TICKET.match(path):
        return ticket_page(src, match.group(1), as_json=bool(match.group(2)),
                           accept=request.headers.get("Accept-Language", ""))
    if path == "/privacy":
        return privacy_page(src, request)
    if match := FONT.match(path):
        return font(match.group(1))
    if match := SPEECH.match(path):
        return await speech(src, match.group(1))
    if path == "/favicon.ico":
        return respond(204, b"")
    if path == "/":
        return home(src)
    return respond(404, "not found\n")


def home(src: Sources) -> Response:
    """An office's `/` names its public pages only; the demo's links every page and shows its
    public accounts (`server.manager.home`). The demo is the office that is always open: only
    `--demo` starts a server so (server/cli.py)."""
    if src.office.always_open:
        from server.manager.home import page

        return respond(200, page(src.site), "text/html; charset=utf-8")
    return respond(200, f"Willkommen — {src.site.name}\n\n/display   waiting-room screen\n"
                        "/healthz   live state (JSON)\nws://<this host>/   terminals (see README)\n")


METHODS = ("GET", "HEAD")
HSTS_SECONDS = 180 * 86_400


def strict_transport(connection: Any, request: Request, response: Response) -> None:
    """Under TLS, every answer of the port says HSTS (websockets' `process_response`: pages,
    files, 404s, refused and accepted upgrades alike): a browser that once reached the office
    over https:// never tries plain http:// on it again, where a stranger on the network could
    answer in the server's place. One header: assigning to `Headers` would add a second."""
    if "Strict-Transport-Security" not in response.headers:
        response.headers["Strict-Transport-Security"] = f"max-age={HSTS_SECONDS}"


def once_each(answer: Callable[[Any, Request], Awaitable[Response | None]]) -> Callable[..., Awaitable[Response | None]]:
    """`answer` (the port's `process_request`), with a header that may be given once and came
    twice (two Host lines, say: websockets' `Headers.get` raises) answered 400 as the sender's
    error, without a log line: it was a 500 and a 20-line traceback in the log for each such
    request, from anyone."""
    async def answering(connection: Any, request: Request) -> Response | None:
        try:
            return await answer(connection, request)
        except MultipleValuesError as exc:
            return respond(400, f"the header {exc} is given more than once\n")
    return answering


def method_not_allowed(request: Request) -> Response:
    return respond(405, "method not allowed: only GET and HEAD\n", Allow=", ".join(METHODS))


def busy() -> Response:
    """An upgrade to a socket anyone may open, from an address that holds its share of them
    (`[limits] public_per_address`): refused before the handshake. A page's socket fails as on
    a network fault and its script tries again."""
    return respond(503, "too many open sockets from this address: try again later\n", **{"Retry-After": "10"})


def without_body(response: Response) -> Response:
    """The answer to HEAD: GET's status and headers (its Content-Length too), no body."""
    return Response(response.status_code, response.reason_phrase, response.headers, b"")


@functools.cache
def font_file(name: str) -> bytes | None:
    """A font the kiosk prints with (printing/fonts), for the pages' fonts.css: one copy of each."""
    path = resources.files("printing") / "fonts" / name
    return path.read_bytes() if path.is_file() else None


def font(name: str) -> Response:
    data = font_file(name)
    if data is None:
        return respond(404, "no such font\n")
    return respond(200, data, "font/ttf", **{"Cache-Control": "max-age=604800"})


def static(name: str) -> Response:
    data = (resources.files("display") / "static" / name).read_bytes()
    return respond(200, data, STATIC[name])


def display_strings(site) -> dict[str, dict[str, str]]:
    """The words a display needs, per site language; its notice for staff (sound blocked) from
    the staff catalogue. `call.announcement` lets a display that (re)loads during a call say it
    in the caller's language as the live `called` push did (`server.edge.views.called`)."""
    wanted = ("language_name", "direction", "call.counter", "call.announcement")
    return {lang: {k: v for k, v in site.words(lang).items() if k in wanted or k.startswith("display.")}
            | {"display.sound_blocked": strings(lang, "staff")["display.sound_blocked"]}
            for lang in site.languages}


def ticket_page(src: Sources, token: str, *, as_json: bool, accept: str) -> Response:
    ticket = src.office.by_token.get(token)
    lang = ticket.lang if ticket else preferred(accept, src.site.languages)
    words = src.site.words(lang)
    if ticket is None:
        return gone_page(src, lang, words, as_json=as_json)
    status = ticket_status(src, ticket, words) | {"lang": lang, "dir": words["direction"],
                                                     "feedback": src.feedback.phone_state(ticket),
                                                     "referrals": partners.for_ticket(src.site, ticket, words)}
    if words["direction"] == "rtl":
        status.update({key: isolate_numbers(status[key]) for key in ("headline", "detail")})
    if as_json:
        return respond(200, json.dumps(status, ensure_ascii=False), "application/json; charset=utf-8")
    fields = {key: html.escape(str(value)) for key, value in status.items()}
    fields["referrals"] = html.escape(json.dumps(status["referrals"], ensure_ascii=False))  # referral.js reads it
    fields |= {key: html.escape(words[f"status.{key}"]) for key in ("offline", "notify", "notify_on",
                                                                        "notify_note", "updated", "title")}
    fields |= {"privacy": html.escape(words["privacy.link"])}
    fields |= {"token": token, "office": html.escape(src.site.name), "turn": "turn" if status["turn"] else "",
               "where_hidden": "" if status["where"] else "hidden",
               "feedback": src.feedback.phone_section(ticket, words),  # server/visitors/feedback.py
               # a place won by lot: the passport will be compared (server/visitors/register.py)
               "registered": f'<p class="registered" id="registered">{html.escape(words["register.ticket_note"])}</p>'
               if src.office.registered_person(ticket) else ""}
    return respond(200, page("ticket.html").substitute(fields), "text/html; charset=utf-8")


def privacy_page(src: Sources, request: Request) -> Response:
    """What the office keeps about a visit, in the visitor's language, with a link to each other
    site language (named in its own script)."""
    site, asked = src.site, parse_qs(urlsplit(request.path).query).get("lang", [""])[0]
    lang = asked if asked in site.languages else preferred(request.headers.get("Accept-Language", ""), site.languages)
    words = site.words(lang)
    others = " ".join(f'<a href="/privacy?lang={other}" lang="{other}" dir="{site.words(other)["direction"]}">'
                      f'{html.escape(site.words(other)["language_name"])}</a>'
                      for other in site.languages if other != lang)
    fields = {"lang": lang, "dir": words["direction"], "office": html.escape(site.name),
              "title": html.escape(words["privacy.title"]), "link": html.escape(words["privacy.link"]),
              "text": html.escape(words["privacy.text"].format(days=site.retention_days)), "languages": others,
              # an office that gives places by lot keeps a registrant's name for a day (server/visitors/register.py)
              # and a way back to the registration form the notice was opened from
              "register": f'<p class="privacy-register">{html.escape(words["register.privacy_text"])}</p>'
              f'<p class="privacy-back"><a href="/register?lang={lang}">{html.escape(words["register.title"])}</a></p>'
              if site.access.enabled else ""}
    return respond(200, page("privacy.html").substitute(fields), "text/html; charset=utf-8")


NUMBERS = re.compile(r"\d+(?:\s*[–-]\s*\d+)?")


def isolate_numbers(text: str) -> str:
    """Each count or range as a left-to-right run of its own (LRI ... PDI), so that inside an
    Arabic or Persian sentence 15–25 does not read 25–15."""
    return NUMBERS.sub(lambda match: f"\u2066{match.group(0)}\u2069", text)


def gone_page(src: Sources, lang: str, words, *, as_json: bool) -> Response:
    """An unknown or expired token: said once, in the phone's language; the page does not poll."""
    if as_json:
        status = {"state": "unknown", "turn": False, "headline": words["status.unknown"], "lang": lang,
                  "dir": words["direction"]}
        return respond(404, json.dumps(status, ensure_ascii=False), "application/json; charset=utf-8")
    fields = {"lang": lang, "dir": words["direction"], "headline": html.escape(words["status.unknown"]),
              "office": html.escape(src.site.name)}
    return respond(404, page("ticket-gone.html").substitute(fields), "text/html; charset=utf-8")


def page(name: str) -> Template:
    return Template((resources.files("display") / "static" / name).read_text(encoding="utf-8"))


def ticket_status(src: Sources, ticket, words) -> dict[str, Any]:
    """What the visitor's phone says, in the visitor's language."""
    office = src.office
    status = {"state": ticket.state, "number": ticket.number, "turn": ticket.state == CALLED, "detail": "",
              "service": src.site.service(ticket.service).name(ticket.lang), "where": "", "direction": ""}
    if ticket.state == WAITING:
        ahead = office.ahead(ticket)
        eta = office.estimate(ticket.number, src.clock())
        status["headline"] = words["status.ahead"].format(n=ahead)
        status["detail"] = words["status.eta"].format(low=eta[0], high=eta[1]) if eta else words["status.no_eta"]
    elif ticket.state in STATUS_KEYS:
        counter = src.site.counter(ticket.counter) if ticket.counter else None
        status["headline"] = words[f"status.{STATUS_KEYS[ticket.state]}"].format(
            counter=counter.name if counter else "")
        if ticket.state == CALLED and counter:  # where to go: the counter and its direction
            status.update(where=words["call.counter"].format(counter=counter.name), direction=counter.direction)
    else:
        status["headline"] = words["status.unknown"]
    return status


async def speech(src: Sources, key: str) -> Response:
    sound = await src.speech.sound(key)
    if sound is None:
        return respond(404, "no such announcement\n")
    return respond(200, sound, "audio/wav", **{"Cache-Control": "max-age=86400"})
