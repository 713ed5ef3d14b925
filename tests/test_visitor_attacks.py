"""Hardening, third round (issue 22, "other attacks"): what a curious visitor with a phone, or a
stranger on the office's network, tried and what held. Each test here failed before its fix.
Real server on 127.0.0.1, real sockets; the server's clock moved by the test.

- A published draw (`/draw/<day>.json`, anyone may ask) of an earlier day read every event the
  store holds, on the event loop: at 400,000 events 50 ms a request, and four strangers asking
  in a loop took the kiosks' answers from 2 ms to 200-540 ms.
"""

from __future__ import annotations

import json
import sqlite3

from server.core import events as ev

from .access_office import DAY, Clock, access_site, at, page, start, window_open
from .conftest import http_get

OTHER_EVENTS = 20_000  # a busy office's few days of tickets, beside the lottery's own events


def fill_with_other_events(db, day: str, count: int) -> None:
    """`count` events of the counters' (no lottery's) on `day` and the days before it."""
    data = ev.encode(ev.CounterOpened(at=at(day, "08:00"), counter="1", services=["residence"]))
    with sqlite3.connect(db) as conn:
        first = conn.execute("SELECT max(seq) FROM events").fetchone()[0] + 1
        conn.executemany("INSERT INTO events (seq, at, day, kind, data) VALUES (?, 0, ?, 'counter_opened', ?)",
                         [(first + i, day if i % 2 else f"2026-12-0{1 + i % 7}", data) for i in range(count)])


async def test_an_earlier_days_published_draw_costs_the_same_however_full_the_store_is(tmp_path):
    """The proof of yesterday's draw is read through the lottery events' index, not by reading
    (and decoding) every event of the store on the loop the kiosks are answered on: counted in
    SQLite's own steps (its progress handler), the request takes fewer steps than the store has
    events, and the answer is the whole proof, the same a second time."""
    async with window_open(tmp_path, places=2) as (server, clock):
        async with page(server) as visitor:
            for name in ("Amina Haddad", "Omar Karimi", "Sara Tesfay"):
                assert (await visitor.register(name))["type"] == "registered"
        clock.t = at(DAY, "06:05")
        await server.access.tick()
        status, _, before = await http_get(f"http://127.0.0.1:{server.port}/draw/{DAY}.json")
        assert status == 200
    fill_with_other_events(tmp_path / "o.sqlite3", DAY, OTHER_EVENTS)
    server = await start(tmp_path / "o.sqlite3", Clock(at("2026-12-09", "12:00")), site=access_site(
        contingent={"residence": 2}))
    try:
        assert DAY not in server.office.access_days  # an earlier day: from the store
        steps = [0]

        def step() -> int:
            steps[0] += 100
            return 0

        server.store.db.conn.set_progress_handler(step, 100)
        status, _, body = await http_get(f"http://127.0.0.1:{server.port}/draw/{DAY}.json")
        server.store.db.conn.set_progress_handler(None, 100)
        assert status == 200 and json.loads(body) == json.loads(before)
        assert len(json.loads(body)["places"]) == 2
        assert steps[0] < OTHER_EVENTS, f"{steps[0]} SQLite steps for a proof of 3 entries"
        assert (await http_get(f"http://127.0.0.1:{server.port}/draw/{DAY}.json"))[2] == body
        assert (await http_get(f"http://127.0.0.1:{server.port}/draw/2026-12-05.json"))[0] == 404
    finally:
        await server.stop()
