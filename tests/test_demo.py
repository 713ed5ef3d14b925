"""The demo office: simulated visitors and clerks move a real queue through the protocol."""

from __future__ import annotations

import asyncio
import json
import signal

from server.demo import simulate

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
    finally:
        server.proc.send_signal(signal.SIGINT)
        assert server.wait() == 0
