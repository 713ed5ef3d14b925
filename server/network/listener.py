"""The network's port: the offices' endpoint and the coordinator's page, on one HTTP listener.

    POST /summaries        an office's days (`summary.Sent`), Authorization: Bearer <its token>
    POST /knowledge        what an office publishes (`knowledge.Published`), the same token
    GET  /knowledge        who published what and when (any office's token)
    GET  /knowledge/<id>   what that office published (any office's token)
    GET  /signin, POST /signin, GET /signout, GET /network?month=2026-11, /network.css
                           the signed-in comparison page (`server.network.pages`)

Answers to offices are JSON: 200 `{"office", "stored"}`; 400 a body that is not such JSON,
naming the field (`Expected int >= 0, got -3 - at $.days[0].visitors`); 401 no or a wrong
token; 403 a token of another office than the body names; 409 an office the network reads
itself (`read` in its entry: one source per office, `collect`); 413 over 1 MiB or 400 days; 422 days
that cannot be (a day not over yet, languages that do not add up), each named — and then
**nothing** of that send is stored; 429 with `Retry-After` while an address that sent too many
wrong tokens waits (the terminals' back-off, `[limits] hello_*`). Each refusal's `error` is the
staff catalogue's sentence (`[network.answer]`, German; English for `Accept-Language: en`, as an
office's command sends with `--lang en`) and its `why` the sentence's key.
"""

from __future__ import annotations

import asyncio
import hmac
import math
import time
from datetime import datetime, timezone
from typing import Callable

import msgspec

from server.edge.limits import HelloThrottle
from server.network import knowledge
from server.network.httpd import Listener, Refused, Reply, Request
from server.network.said import lang_of, said
from server.network.settings import Member, Network
from server.network.store import NetworkStore
from server.network.summary import MAX_DAYS, Sent, problems

OFFICE_PATHS = ("/summaries", "/knowledge")


class NetworkServer:
    """`await NetworkServer(network, db).start(host, port)` -> the port; `await .stop()`."""

    def __init__(self, network: Network, db, *, clock: Callable[[], float] = time.time):
        from server.network.pages import Pages

        self.network, self.clock = network, clock
        self.store = NetworkStore(db)
        self.throttle = HelloThrottle(network.limits)
        self.monotonic = time.monotonic
        self.pages = Pages(network, self.store, clock=clock)
        self.listener = Listener(self.answer, host="127.0.0.1", port=0, proxies=tuple(network.limits.proxies))

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        self.listener.host, self.listener.port = host, port
        return await self.listener.start()

    @property
    def port(self) -> int:
        return self.listener.port

    async def stop(self) -> None:
        await self.listener.stop()
        self.store.close()

    async def collect_every(self, every: float = 0.0) -> None:
        """Read the hosted offices now and then every hour (`server.network.collect`)."""
        from server.network.collect import EVERY, collect

        while True:
            await asyncio.to_thread(collect, self.network, self.store, now=self.clock())
            await asyncio.sleep(every or EVERY)

    async def answer(self, request: Request) -> Reply:
        if request.path in OFFICE_PATHS or request.path.startswith("/knowledge/"):
            return await self.office_request(request)
        return await self.pages.answer(request)

    # ---- the offices' side ------------------------------------------------------------------

    async def office_request(self, request: Request) -> Reply:
        sender, lang = self.sender(request), lang_of(request.headers)
        if request.path == "/summaries":
            _method(request, "POST")
            return await asyncio.to_thread(self.summaries, sender, request.body, lang)
        if request.path == "/knowledge" and request.method == "POST":
            return await asyncio.to_thread(self.publish, sender, request.body, lang)
        _method(request, "GET")
        if request.path == "/knowledge":
            names = {o.id: o.name for o in self.network.offices}
            return Reply.json(200, [{"office": o, "name": names.get(o, o), "published_at": at}
                                    for o, at in await asyncio.to_thread(self.store.published)])
        office = request.path.removeprefix("/knowledge/")
        found = await asyncio.to_thread(self.store.knowledge, office)
        if found is None:
            return Reply.error(404, lang, "nothing_published", office=office[:40])
        return Reply(200, found.encode(), "application/json")

    def sender(self, request: Request) -> Member:
        """The office whose token the request carries; 401 or 429 (a guesser's back-off) if none."""
        lang = lang_of(request.headers)
        if wait := self.throttle.wait(request.peer, self.monotonic()):
            seconds = str(math.ceil(wait))
            raise Refused(Reply.error(429, lang, "throttled", ("Retry-After", seconds), seconds=seconds))
        scheme, _, given = request.headers.get("authorization", "").strip().partition(" ")
        found = None
        for office in self.network.offices:  # every token compared, in constant time each
            if hmac.compare_digest(given.strip().encode(), office.token.encode()):
                found = office
        if scheme.lower() != "bearer" or found is None:
            self.throttle.failed(request.peer, self.monotonic())
            raise Refused(Reply.error(401, lang, "wrong_token", ("WWW-Authenticate", 'Bearer realm="network"')))
        return found

    def summaries(self, sender: Member, body: bytes, lang: str = "de") -> Reply:
        try:
            sent = msgspec.json.decode(body, type=Sent)
        except msgspec.ValidationError as exc:
            if str(exc).endswith("at `$.days`") and "length" in str(exc):
                return Reply.error(413, lang, "too_many_days", most=MAX_DAYS)
            return Reply.error(400, lang, "not_days", **_field(exc))
        except msgspec.DecodeError as exc:
            return Reply.error(400, lang, "not_json", detail=str(exc))
        if sent.office != sender.id:
            return Reply.error(403, lang, "not_your_days", sender=sender.id, office=sent.office)
        if sender.read:  # one source per office: its database, read hourly, is the one (a send would be overwritten)
            return Reply.error(409, lang, "read_office", office=sender.id)
        # the network knows no office's time zone: a day up to its own UTC date may be over somewhere
        # (an office sends only kept days, which are over; this refuses days that cannot be)
        latest = datetime.fromtimestamp(self.clock(), timezone.utc).date()
        wrong = [said(lang, why, **fields) for day in sent.days for why, fields in problems(day, latest=latest)]
        days = [d.day for d in sent.days]
        if len(set(days)) != len(days):
            wrong.append(said(lang, "twice", days=", ".join(sorted({d for d in days if days.count(d) > 1})[:5])))
        if wrong:
            return Reply.json(422, {"error": said(lang, "nothing_stored", problems="; ".join(wrong[:20])),
                                    "why": "nothing_stored", "problems": wrong})
        self.store.put_days(sender.id, sent.days, received_at=_now(self.clock()))
        return Reply.json(200, {"office": sender.id, "stored": len(sent.days)})

    def publish(self, sender: Member, body: bytes, lang: str = "de") -> Reply:
        try:
            published = knowledge.read(body)
        except msgspec.ValidationError as exc:
            return Reply.error(400, lang, "not_knowledge", **_field(exc))
        except msgspec.DecodeError as exc:
            return Reply.error(400, lang, "not_json", detail=str(exc))
        if published.office != sender.id:
            return Reply.error(403, lang, "not_your_knowledge", sender=sender.id, office=published.office)
        self.store.put_knowledge(sender.id, msgspec.json.encode(published).decode(), published_at=_now(self.clock()))
        return Reply.json(200, {"office": sender.id, "published": knowledge.count(published)})


def _field(exc: Exception) -> dict[str, str]:
    """msgspec's words split: where (`$.days[0].visitors`, `$` for the whole) and what it says there."""
    detail, _, where = str(exc).rpartition(" - at ")
    return {"where": where.strip("`"), "detail": detail} if detail else {"where": "$", "detail": str(exc)}


def _method(request: Request, method: str) -> None:
    if request.method != method:
        raise Refused(Reply.error(405, lang_of(request.headers), "method", ("Allow", method), path=request.path[:80],
                                  method=method))


def _now(at: float) -> str:
    return datetime.fromtimestamp(at, timezone.utc).isoformat(timespec="seconds")
