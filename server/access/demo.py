"""Fair access in the demo (`willkommen-server --demo`): a lottery a newcomer sees happen.

The bundled site file's `[access]` opens registration at 14:00 the day before and draws at
6:05, which a newcomer trying the demo at 10:00 would never see. With `--demo` the day is
moved to the demo's start (`soon`): today's window is open from the start (`same_day`: it
opens on the day itself, at the demo's minute, and the pages say so), closes
`CLOSES_AFTER` minutes later, and the draw follows `WITNESS_MINUTES` after (time to give a
witness's words on the floor board); the winners' windows fill
the rest of today. Meanwhile simulated visitors register through `/register/ws` as a phone
would (`registrations`), about twice as many as there are places, a few of them urgent, so
the draw, its proof (`/draw/<today>.json`) and `willkommen-server draw verify` have something to
show; a person registering on `/register` in those minutes takes part like anyone.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import websockets

from config import Site

log = logging.getLogger("willkommen.demo")
CLOSES_AFTER = 10  # minutes from the demo's start to the end of registration
WITNESS_MINUTES = 3  # from the close to the draw: time for a witness's words on the board
FIRST = ("Amina", "Omar", "Sara", "Ali", "Hana", "Yusuf", "Olena", "Dmytro", "Mariam", "Reza", "Selam", "Tesfay",
         "Fatima", "Ahmad", "Zahra", "Mehmet", "Ayşe", "Iryna", "Farid", "Leila")
LAST = ("Haddad", "Karimi", "Tesfay", "Kovalenko", "Yılmaz", "Rahimi", "Hosseini", "Bondarenko", "Mohammadi",
        "Gebremedhin", "Nasser", "Popescu")


def soon(site: Site, now: float) -> Site:
    """`site` with today's lottery window open from `now` for `CLOSES_AFTER` minutes and its
    draw `WITNESS_MINUTES` later; unchanged without `[access]` or when that would cross midnight."""
    if not site.access.enabled:
        return site
    local = datetime.fromtimestamp(now, ZoneInfo(site.timezone))
    closes = (local + timedelta(minutes=CLOSES_AFTER + 1)).replace(second=0, microsecond=0)
    draw = closes + timedelta(minutes=WITNESS_MINUTES)
    if draw.date() != local.date():
        return site
    # open from the demo's minute on the day itself: the pages say so ("today from 18:40 until
    # 18:51"), not "from 00:00 the day before", which was never true of a demo just started
    opens = local.replace(second=0, microsecond=0).time()
    return replace(site, access=replace(site.access, opens=opens, closes=closes.time(), draw_at=draw.time(),
                                        same_day=True))


async def registrations(site: Site, url: str, *, seed: int = 7, seconds: float = CLOSES_AFTER * 60 / 2) -> None:
    """Made-up visitors register for today's places over `seconds` (about two for every
    place of each service in `[access]`), as their phones would; then this waits until the
    demo stops (a demo whose registrations failed goes on without them, said in the log)."""
    try:
        await _register(site, url, random.Random(seed), seconds)
    except (OSError, websockets.WebSocketException) as exc:
        log.warning("the demo's registrations stopped", extra={"fields": {"error": str(exc)}})
    await asyncio.Event().wait()


async def _register(site: Site, url: str, rng: random.Random, seconds: float) -> None:
    services = list(site.access.services)
    count = sum(2 * site.access.contingent.get(s, 15) for s in services)
    await asyncio.sleep(2)  # the server's schedule opens the window within a second
    async with websockets.connect(url.rstrip("/") + "/register/ws") as ws:
        for i in range(count):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {chr(65 + i % 26)}{chr(65 + i // 26 % 26)}"
            born = f"{rng.randint(1950, 2005)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            urgent = f"{datetime.now().date() + timedelta(days=rng.randint(1, 10))}" if rng.random() < 0.1 else ""
            await ws.send(json.dumps({"type": "register", "id": i, "service": rng.choice(services),
                                      "lang": rng.choice(site.languages), "name": name, "birth_date": born,
                                      "urgent_until": urgent}))
            answer = json.loads(await ws.recv())
            if answer.get("type") != "registered":
                log.info("demo registration refused", extra={"fields": {"code": answer.get("code")}})
            await asyncio.sleep(seconds / count)
