"""The floor board after a restart, with the real server in its own process: since when a
counter is paused (and so its pause alert) and since when a service has had no counter open
come from the day's event log, not from the moment the server started again."""

from __future__ import annotations

import re
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from config import load_site
from server.core import Office
from server.store.sqlite import Store

from .conftest import ServerProcess, always_open_config
from .test_manager_board import board_socket, cookie_for


def site_file(tmp_path):
    """The demo office, always open, with the figures per counter on (a pause's length is one)."""
    path = always_open_config(tmp_path)
    text = re.sub(r"personal_statistics = false", "personal_statistics = true", path.read_text(encoding="utf-8"))
    path.write_text(text, encoding="utf-8")
    return path


def earlier_today(path, site, now: float) -> dict[str, float]:
    """Counter 5 (residence, extension) opened 40 min ago and paused 25 min ago; a visitor drew
    a residence ticket 30 min ago. Nobody else works: residence has had no counter for 25 min."""
    office, store = Office(site, always_open=True), Store(path, timezone=site.timezone)
    times = {"opened": now - 40 * 60, "drawn": now - 30 * 60, "paused": now - 25 * 60}

    def run(command: str, at: float, **kwargs) -> None:
        getattr(office, command)(now=at, **kwargs)
        store.append(office.take_journal(), list(office.tickets.values()))

    run("open", times["opened"], counter="5", services=None)
    run("draw", times["drawn"], kiosk="kiosk-1", service="residence", lang="ar", request="r1", token="t1")
    run("pause", times["paused"], counter="5", reason="break")
    store.close()
    return times


async def test_the_board_restores_since_times_and_alerts_from_the_log_after_a_restart(tmp_path):
    config = site_file(tmp_path)
    site = load_site(config)
    now = time.time()
    local = datetime.fromtimestamp(now, ZoneInfo(site.timezone))
    if local.hour == 0 and local.minute < 45:
        pytest.skip("the scripted events 40 minutes ago would fall on yesterday")
    db = tmp_path / "office.sqlite3"
    times = earlier_today(db, site, now)
    for _ in range(2):  # the first start on the file, and a restart of a running server
        server = ServerProcess(db, "--config", str(config))
        try:
            ws, floor = await board_socket(server, await cookie_for(server.port))
            await ws.close()
        finally:
            assert server.stop() == 0
        counter = next(c for c in floor["counters"] if c["id"] == "5")
        assert counter["state"] == "paused" and counter["since"] == times["paused"]
        alerts = {a["key"]: a["since"] for a in floor["alerts"]}
        limit = site.manager.pause_limit_minutes * 60
        assert alerts["pause:5"] == times["paused"] + limit  # 5 min ago, not 20 min after the restart
        assert alerts["uncovered:residence"] == times["paused"]  # since its last counter paused
