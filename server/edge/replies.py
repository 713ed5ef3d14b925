"""HTTP replies every page of the port builds: a complete response, the refusal of another
site's page or a form another site sent, the visitor's language. The rooms' pages (manager, access, visitors, messages)
take them from here: this module imports no room, so a room importing it reaches nothing that
imports the room back (tests/test_import_rules.py: the edge's kit)."""

from __future__ import annotations

import http
from urllib.parse import urlsplit

from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from config.languages import negotiate as languages_negotiate


def respond(status: int, body: str | bytes, content_type: str = "text/plain; charset=utf-8",
            **headers: str) -> Response:
    """A complete response; built by hand because `respond()` fixes text/plain (LIBRARIES.md)."""
    data = body.encode() if isinstance(body, str) else body
    all_headers = Headers({"Content-Type": content_type, "Content-Length": str(len(data)),
                           "Cache-Control": "no-store", **headers})
    return Response(status, http.HTTPStatus(status).phrase, all_headers, data)


def other_origin(request: Request) -> Response | None:
    """A refusal (403) for a websocket upgrade a page of another origin asked for; None for this
    server's own pages and for clients that are no browser (they say no Origin, and carry no
    visitor's address or person's cookie for another site). A sandboxed frame or a file says
    `Origin: null`, which names no host: refused too (it let any site's page register its
    visitors' browsers for the lottery, each counted on their own address)."""
    origin = request.headers.get("Origin")
    if origin is None or urlsplit(origin).netloc == request.headers.get("Host"):
        return None
    return respond(403, "this socket is for pages of this server\n")


def from_this_site(request: Request) -> bool:
    """False for a request another site's page made the browser send: its Sec-Fetch-Site
    (every current browser sends it) is `cross-site` or `same-site` (another host of the same
    site); `same-origin` or `none` (typed, a bookmark) pass. Without it (an old browser, a
    script), an Origin or Referer of another host refuses it."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    host = request.headers.get("Host", "")
    return all(urlsplit(value).netloc == host for header in ("Origin", "Referer")
               if (value := request.headers.get(header)) and value != "null")


def preferred(accept: str, languages: tuple[str, ...]) -> str:
    """The site language that serves the phone's Accept-Language best (BCP 47 matching:
    `fa-AF` finds `prs`, `kmr` finds `ku-Latn`); German if none does."""
    return languages_negotiate(accept, languages) or "de"
