"""What the fair-access tests share: the demo office (its `[access]`: residence, 30 places,
window 14:00 the day before to 06:00, draw 06:05) on a clock the test moves, a real server on
127.0.0.1, and a visitor's page as a real websocket client of /register/ws."""

from __future__ import annotations

import contextlib
import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import websockets

from server.edge.app import Server

from .conftest import make_site

TZ = ZoneInfo("Europe/Berlin")
DAY = "2026-12-08"   # a Tuesday: its window opens Monday 14:00 and closes Tuesday 06:00


def at(day: str, clock: str) -> float:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=TZ).timestamp()


class Clock:
    """The server's wall clock, moved by the test."""

    def __init__(self, t: float):
        self.t = t

    def __call__(self) -> float:
        return self.t


def access_site(**access):
    """The demo office, with `[access]` keys overridden."""
    site = make_site()
    return replace(site, access=replace(site.access, **access)) if access else site


async def start(db: Path | str, clock: Clock, site=None, **options) -> Server:
    """The office's server on 127.0.0.1. Its registration socket answers one address at once:
    every test here is one address registering and asking for dozens of people, which the
    address's pace (`[limits] register_per_second` 2 after a burst of 10) would make seconds of
    waiting; the pace itself is test_access_register's (`limits=` given)."""
    site = site or access_site()
    if "limits" not in options:
        options["limits"] = replace(site.limits, register_per_second=10_000, register_burst=10_000)
    server = Server(site, db, always_open=True, clock=clock, **options)
    await server.start("127.0.0.1", 0)
    return server


class Page:
    """A visitor's registration page: one websocket to /register/ws."""

    def __init__(self, ws):
        self.ws, self.next_id = ws, 0

    async def ask(self, **message) -> dict:
        self.next_id += 1
        await self.ws.send(json.dumps({"id": self.next_id, **message}))
        return json.loads(await self.ws.recv())

    async def register(self, name: str, born: str = "1990-01-02", service: str = "residence", lang: str = "ar",
                       **more) -> dict:
        return await self.ask(type="register", service=service, lang=lang, name=name, birth_date=born, **more)

    async def outcome(self, entry: str) -> dict:
        return await self.ask(type="outcome", entry=entry)


def page(server: Server):
    return _Opened(server)


class _Opened:
    def __init__(self, server: Server):
        self.server = server

    async def __aenter__(self) -> Page:
        self.ws = await websockets.connect(f"ws://127.0.0.1:{self.server.port}/register/ws")
        return Page(self.ws)

    async def __aexit__(self, *exc) -> None:
        await self.ws.close()


@contextlib.asynccontextmanager
async def window_open(tmp_path: Path, *, places: int):
    """A real server whose window for tomorrow (DAY) opened at 14:00 the day before, now 16:00,
    with `places` places for residence: (server, clock); stopped after."""
    clock = Clock(at("2026-12-07", "16:00"))
    server = await start(tmp_path / "o.sqlite3", clock, site=access_site(contingent={"residence": places}))
    try:
        await server.access.tick()
        yield server, clock
    finally:
        await server.stop()
