"""`GET /messages/dlr?m=<secret>&t=<type>&a=<answer>`: Kannel's delivery report for one SMS.

Kannel calls the `dlr-url` each SMS carried (`server.messages.sms`); `m` is that message's own
random secret, so nobody who does not know it can mark someone's message delivered or
failed, and a report for a message of another day (forgotten) or a made-up one is a 404.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from websockets.http11 import Request, Response

from server.edge.replies import respond
from server.messages.outbox import Outbox


def answer(outbox: Outbox, request: Request) -> Response:
    response = _answer(outbox, request)
    # the port answers one HTTP request per connection (websockets closes it after the answer):
    # said, so that Kannel's HTTP client does not count on keeping it for its next report
    response.headers["Connection"] = "close"
    return response


def _answer(outbox: Outbox, request: Request) -> Response:
    query = parse_qs(urlsplit(request.path).query)
    token, kind, said = (query.get(key, [""])[0] for key in ("m", "t", "a"))
    # Kannel's types are 1 to 16: a type of 5,000 digits raised in int() (a 500 and a traceback)
    if not (kind.isascii() and kind.isdigit() and len(kind) <= 6):
        return respond(400, "a delivery report needs t=<Kannel's %d>\n")
    if not outbox.delivery_report(token, int(kind), said[:200]):
        return respond(404, "no such message\n")
    return respond(200, "ok\n")
