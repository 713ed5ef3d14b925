"""The demo office: simulated visitors and clerks move a real queue through the protocol."""

from __future__ import annotations

import asyncio
import json
import signal

from config import load_site
from server.wire.session import ClientSession
from server.demo.simulator import paced, simulate

from .conftest import ServerProcess, http_get


async def test_the_simulator_draws_calls_and_finishes(server, url, site):
    demo = asyncio.create_task(simulate(site, url, speed=600, seed=1, humans={"counter-3"}))
    try:
        for _ in range(200):
            await asyncio.sleep(0.05)
            states = [t.state for t in server.office.tickets.values()]
            if states.count("done") >= 3:
                break
    finally:
        demo.cancel()
        await asyncio.gather(demo, return_exceptions=True)
    assert states.count("done") >= 3
    assert {t.lang for t in server.office.tickets.values()} - {"de"}  # not only German speakers
    assert [d.id for d in server.office.desks.values() if d.state != "open"] == ["3"]  # left to a person
    row = server.store.ticket_row(state="done")
    assert row["finished_at"] >= row["started_at"] >= row["called_at"] >= row["issued_at"]


def test_a_demo_ten_times_faster_tells_the_server_its_minutes_are_ten_times_shorter():
    site = load_site()
    fast = {s.id: s for s in paced(site, 10).services}
    for service in site.services:
        assert fast[service.id].typical_minutes == service.typical_minutes / 10
        assert fast[service.id].max_wait_minutes == -(-service.max_wait_minutes // 10)  # 75 -> 8, never 0
    assert min(s.max_wait_minutes for s in paced(site, 600).services) == 1
    assert paced(site, 10).languages == site.languages and paced(site, 10).counters == site.counters


async def test_willkommen_server_demo_runs_and_stops_cleanly_on_ctrl_c(tmp_path):
    server = ServerProcess(tmp_path / "demo.sqlite3", "--demo", "--speed", "600")
    try:
        for _ in range(100):
            await asyncio.sleep(0.1)
            status, _, body = await http_get(f"http://127.0.0.1:{server.port}/healthz")
            health = json.loads(body)
            if health["tickets_today"] >= 5 and len(health["open_counters"]) == 9:
                break
        assert status == 200 and health["tickets_today"] >= 5 and len(health["open_counters"]) == 9
        assert sorted(health["connected"]["kiosk"]) == ["kiosk-1", "kiosk-2"]
        async with ClientSession(f"ws://127.0.0.1:{server.port}/", role="display") as display:
            welcome = await display.ready()  # the server knows its visits are 600 times shorter
        assert {s.id: s.max_wait_minutes for s in welcome.site.services}["residence"] == 1
    finally:
        server.proc.send_signal(signal.SIGINT)
        assert server.wait() == 0
