"""Visitor feedback: "How was your visit?" on the phone page and at the exit terminal.

    WS   /feedback/ws              `rate` (a phone) and `tap` (an exit terminal) -> `thanked`
                                   or `error` (server.wire.protocol, "visitor feedback")
    GET  /feedback?terminal=…&token=…   the exit terminal's page: five large faces, labels
                                   rotating through the site languages, one tap per visitor
    GET  /feedback/<file>          the scripts and styles of both (display/static/feedback-*)

**Why a websocket.** websockets' HTTP side (`process_request`) reads no request bodies, so
there is no POST; a GET that changes data would be followed by link checkers and prefetchers,
and could be sent by any page a visitor opens (an image tag). The browser's WebSocket is what
the office's pages already use (the manager's sign-in does the same), and a frame is decoded
and validated by `server.wire.protocol` like every terminal's. The socket is public, as the phone
page is: what entitles a frame is inside it (the ticket's unguessable status token, or the
exit terminal's id and token from the site config), so nothing is kept per connection. Only
pages of this server may open it (the Origin is checked, as for the manager's sockets).

**One answer per ticket.** `Office.rate` refuses a ticket that is not finished or has
answered already (`already_answered`): a phone that sends twice, or after a reload, is told
so and its first answer stands. The answer is two events (`server.core.feedback`): the ticket
has answered, and the answer itself with its service and language, no ticket, counter or clerk.

**The exit terminal** authenticates like a display that is not anonymous: a `[[terminals]]`
entry with `role = "feedback"` and a token, both in the page's URL (a kiosk-mode browser
cannot keep a secret better), sent with every tap. A feedback terminal adds answers to the
statistics, so unlike a display it is never anonymous. Wrong tokens count against the
address like wrong hellos (server.edge.limits: after a few, that address waits). The server takes
at most `[feedback] taps_per_minute` taps a minute from one terminal (a token bucket on the
server's monotonic clock, a burst of 3); the page itself shows a thank-you and takes no tap
for `thanks_seconds` after each one.
"""

from __future__ import annotations

import hmac
import html
import json
import logging
from functools import partial
from importlib import resources
from string import Template
from typing import Callable, Mapping
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection
from websockets.http11 import Request, Response

from config import Site, strings

from server.core import Office
from server.core.feedback import REASONS, SCORES
from server.core.model import DONE, Ticket
from server.edge.frames import serve_frames
from server.edge.limits import Gate, HelloThrottle
from server.edge.replies import other_origin, respond
from server.edge.ratelimit import Pacer, TokenBucket
from server.store.writer import Writer
from server.wire import protocol as p
from server.wire.errors import NotAllowed, RateLimited, UnknownTicket

log = logging.getLogger("willkommen.feedback")
SOCKET = "/feedback/ws"
PATHS = ("/feedback", "/feedback/*")  # in the edge's route table (`server.edge.routes`)
FILES = {"feedback-phone.js": "text/javascript", "feedback-phone.css": "text/css",
         "feedback-terminal.js": "text/javascript", "feedback-terminal.css": "text/css"}
FACE_WORDS = {1: "very_bad", 2: "bad", 3: "okay", 4: "good", 5: "very_good"}
TAP_BURST = 3


class Feedback:
    def __init__(self, site: Site, office: Office, writer: Writer, gate: Gate, *, monotonic: Callable[[], float]):
        self.site, self.office, self.writer, self.gate, self.monotonic = site, office, writer, gate, monotonic
        self.buckets: dict[str, TokenBucket] = {}      # exit terminal -> its taps
        self.pacer = Pacer(rate=gate.limits.feedback_per_second, burst=gate.limits.feedback_burst,
                           peers=gate.limits.peers)  # frames per address
        self.unknown = HelloThrottle(gate.limits)      # addresses sending unknown ticket tokens

    # ---- the socket -----------------------------------------------------------------------

    def upgrade(self, request: Request) -> Response | None:
        """A refusal for the feedback socket opened from another site's page; else None."""
        if urlsplit(request.path).path != SOCKET:
            return None
        return other_origin(request)

    def owns(self, ws: ServerConnection) -> bool:
        return urlsplit(ws.request.path).path == SOCKET

    async def connection(self, ws: ServerConnection) -> None:
        peer = self.gate.peer(ws)
        await serve_frames(ws, p.decode_feedback, partial(self.handle, peer), pace=partial(self.pacer.pace, peer))

    async def handle(self, peer: str, message: p.Rate | p.Tap) -> p.Thanked:
        """`thanked`, once the answer is committed; a bad frame loses nothing and closes nothing.
        A flood costs little: an address's frames wait for its `[limits] feedback_per_second`
        (the connection loop's pacer), and a frame from an address that sent a few unknown
        ticket tokens is refused before the writer (it waits, as a wrong hello's address does,
        on a count of its own)."""
        if isinstance(message, p.Rate):
            self._check_ticket(message, peer)
            await self.writer.submit(partial(self._rate, message))
        else:
            self._check_terminal(message, peer)
            await self.writer.submit(partial(self._tap, message))
        return p.Thanked(re=message.id)

    def _check_ticket(self, message: p.Rate, peer: str) -> None:
        if self.unknown.wait(peer, self.monotonic()):
            raise RateLimited("too many unknown tickets from this address: wait a little")
        if message.ticket not in self.office.by_token:
            self.unknown.failed(peer, self.monotonic())
            raise UnknownTicket("this ticket is not (or no longer) valid")

    def _rate(self, message: p.Rate, now: float) -> None:
        if not self.site.feedback.phone:
            raise NotAllowed("this office does not ask for feedback on the phone page")
        self.office.rate(token=message.ticket, score=message.score, reasons=message.reasons, now=now)

    def _tap(self, message: p.Tap, now: float) -> None:
        self.office.tap(score=message.score, now=now)

    def _check_terminal(self, message: p.Tap, peer: str) -> None:
        """The tap's terminal and token against the site config (constant time), then the
        terminal's rate: a wrong token counts against the address as a wrong hello does."""
        gate = self.gate
        if gate.hello_wait(peer):
            raise RateLimited("too many wrong tokens from this address: wait a little")
        terminal = self.site.terminal(message.terminal)
        expected = terminal.token if terminal is not None and terminal.role == "feedback" else "\0" * 32
        if not hmac.compare_digest(message.token.encode(), expected.encode()) or terminal is None \
                or terminal.role != "feedback":
            gate.wrong_token(peer)
            raise NotAllowed(f"{message.terminal!r} is not a feedback terminal of this office, or its token is wrong")
        per_minute = self.site.feedback.taps_per_minute
        bucket = self.buckets.get(terminal.id)
        if bucket is None:
            bucket = self.buckets[terminal.id] = TokenBucket(rate=per_minute / 60, burst=min(per_minute, TAP_BURST))
        if not bucket.take(self.monotonic()):
            raise RateLimited(f"feedback terminal {terminal.id} sends more than {per_minute} taps a minute")

    # ---- HTTP -----------------------------------------------------------------------------

    def answer(self, request: Request) -> Response | None:
        """The feedback pages and files; None for paths that are not theirs."""
        url = urlsplit(request.path)
        if url.path in ("/feedback", "/feedback/"):
            return self.terminal_page(parse_qs(url.query))
        name = url.path.removeprefix("/feedback/")
        if url.path.startswith("/feedback/") and name in FILES:
            data = (resources.files("display") / "static" / name).read_bytes()
            return respond(200, data, f"{FILES[name]}; charset=utf-8")
        return None

    def terminal_page(self, query: dict[str, list[str]]) -> Response:
        """The exit terminal's page. Its token is checked with each tap, where wrong ones are
        counted against the address; the page itself answers alike for any token, so it is no
        way to try tokens unthrottled."""
        terminal_id, token = query.get("terminal", [""])[0], query.get("token", [""])[0]
        if not terminal_id or not token:
            return respond(400, "A feedback terminal opens /feedback?terminal=<id>&token=<token>, with a "
                                "[[terminals]] entry of role \"feedback\" in the site file (see README).\n")
        site = self.site
        terminal = site.terminal(terminal_id)
        languages = list(terminal.languages) if terminal is not None and terminal.languages else list(site.languages)
        first = languages[0]
        words = {lang: terminal_words(site.words(lang)) for lang in languages}
        fields = {"lang": first, "dir": site.words(first)["direction"], "office": html.escape(site.name),
                  "faces": "".join(terminal_face(score, site.words(first)) for score in SCORES),
                  "question": html.escape(words[first]["question"]), "tap": html.escape(words[first]["tap"]),
                  "config": script_json({"terminal": terminal_id, "token": token, "languages": languages,
                                         "words": words, "thanks_seconds": site.feedback.thanks_seconds,
                                         "staff": {k: strings("de", "staff")[f"feedback.{k}"]
                                                   for k in ("terminal_refused", "offline")}})}
        return respond(200, template("feedback-terminal.html").substitute(fields), "text/html; charset=utf-8")

    # ---- the phone page (server.edge.pages) ----------------------------------------------------

    def phone_state(self, ticket: Ticket) -> str:
        """"ask" for a finished visit that has not answered, "given" once it has, else ""."""
        if not self.site.feedback.phone or ticket.state != DONE:
            return ""
        return "given" if ticket.rated else "ask"

    def phone_section(self, ticket: Ticket, words: Mapping[str, str]) -> str:
        """The question as part of the status page, in the visitor's language. It is there
        for every ticket until answered and shows once the visit is done (feedback-phone.css),
        so a page left open from the waiting room asks without a reload."""
        if not self.site.feedback.phone:
            return ""
        e = html.escape
        faces = "".join(
            f'<label class="face face-{score}"><input type="radio" name="score" value="{score}">'
            f'{face_svg(score)}<span>{e(words["feedback." + FACE_WORDS[score]])}</span></label>'
            for score in SCORES)
        reasons = "".join(
            f'<label class="reason"><input type="checkbox" name="reason" value="{reason}">'
            f'<span>{e(words["feedback.reason." + reason])}</span></label>' for reason in REASONS)
        state = "given" if ticket.rated else "ask"
        return (f'<section class="feedback" id="feedback" data-feedback="{state}" aria-labelledby="feedback-question" '
                f'data-thanks="{e(words["feedback.thanks"])}">'
                f'<form id="feedback-form"><fieldset class="faces"><legend id="feedback-question">'
                f'{e(words["feedback.question"])}</legend><div class="face-row">{faces}</div></fieldset>'
                f'<fieldset class="reasons"><legend>{e(words["feedback.reasons"])}</legend>'
                f'<div class="reason-list">{reasons}</div></fieldset>'
                f'<button type="submit" id="feedback-send" disabled>{e(words["feedback.send"])}</button>'
                f'<p class="feedback-failed" id="feedback-failed" role="alert" hidden>{e(words["feedback.failed"])}</p>'
                f'<p class="feedback-note">{e(words["feedback.anonymous"])}</p></form>'
                f'<p class="feedback-thanks" id="feedback-thanks" role="status">'
                f'{e(words["feedback.thanks"]) if ticket.rated else ""}</p></section>')


def terminal_catalogue(words: Mapping[str, str], *, role: str = "kiosk") -> dict[str, str]:
    """A catalogue as kiosks and displays get it in their welcome: without the feedback words,
    which only the phone page and the exit terminal show (served with those pages), and for a
    display without the appointment and registration words too (only the kiosk's check-in and
    its registration show them). A display welcome is held in full by every display that stops
    reading: it stays small."""
    left_out = ("feedback.", "appointment.", "register.") if role == "display" else ("feedback.",)
    return {key: text for key, text in words.items() if not key.startswith(left_out)}


def terminal_words(words: Mapping[str, str]) -> dict[str, str]:
    """What the exit terminal shows of a language: the question, the faces' names, the hint
    and the thank-you, with the language's direction."""
    keys = ("question", "tap", "thanks", *FACE_WORDS.values())
    return {"direction": words["direction"], **{key: words[f"feedback.{key}"] for key in keys}}


def terminal_face(score: int, words: Mapping[str, str]) -> str:
    label = html.escape(words[f"feedback.{FACE_WORDS[score]}"])
    return (f'<button type="button" class="face face-{score}" data-score="{score}">{face_svg(score)}'
            f'<span class="label" data-word="{FACE_WORDS[score]}">{label}</span></button>')


# Faces from very bad to very good: the mouth, the eyebrows and the colour all change, so no
# face is told apart by colour alone (and each has its name beside it).
MOUTHS = {1: "M14 35 Q24 25 34 35", 2: "M15 34 Q24 29 33 34", 3: "M15 32 L33 32", 4: "M15 29 Q24 36 33 29",
          5: "M13 28 Q24 42 35 28 Z"}
BROWS = {1: "M12 14 L20 18 M36 14 L28 18", 2: "M13 16 L20 17 M35 16 L28 17"}
COLOURS = {1: "#e5484d", 2: "#f5a524", 3: "#f2d24b", 4: "#9bd35a", 5: "#3ccf7a"}


def face_svg(score: int) -> str:
    mouth_fill = "#1b1f24" if score == 5 else "none"
    brows = f'<path d="{BROWS[score]}" stroke="#1b1f24" stroke-width="2.5" stroke-linecap="round"/>' \
        if score in BROWS else ""
    return (f'<svg viewBox="0 0 48 48" aria-hidden="true" focusable="false">'
            f'<circle cx="24" cy="24" r="22" fill="{COLOURS[score]}"/>'
            f'<circle cx="17" cy="21" r="3" fill="#1b1f24"/><circle cx="31" cy="21" r="3" fill="#1b1f24"/>{brows}'
            f'<path d="{MOUTHS[score]}" fill="{mouth_fill}" stroke="#1b1f24" stroke-width="3" '
            f'stroke-linecap="round" stroke-linejoin="round"/></svg>')


def script_json(value) -> str:
    """JSON to stand inside <script type="application/json">: no "</script>" can end it early."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace("&", "\\u0026")


def template(name: str) -> Template:
    return Template((resources.files("display") / "static" / name).read_text(encoding="utf-8"))
