"""A kiosk's going offline and coming back are in the event log (`kiosk_offline`,
`kiosk_online`), so the floor board of a restarted server, in its own process, still says
since when a kiosk is offline (it said: since the restart), and the statistics can count the
time. A kiosk connected when the server stops is not recorded offline: the server went."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest

from server.core import Office
from server.core import events as ev
from server.wire.session import ClientSession

from .conftest import ServerProcess, always_open_config, make_site, token
from .test_manager_board import board_socket, cookie_for


def logged(db) -> list[tuple[str, float, str]]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT kind, data FROM events WHERE kind IN ('kiosk_offline', 'kiosk_online') ORDER BY seq")
        return [(kind, json.loads(data)["at"], json.loads(data)["kiosk"]) for kind, data in rows]
    finally:
        conn.close()


async def kiosk_session(port: int) -> ClientSession:
    session = ClientSession(f"ws://127.0.0.1:{port}/", role="kiosk", terminal="kiosk-1", token=token("kiosk-1"))
    session.start()
    await session.ready()
    return session


async def board_until(ws, floor: dict, condition, timeout: float = 30.0) -> dict:
    async with asyncio.timeout(timeout):
        while not condition(floor):
            message = json.loads(await ws.recv())
            if message["type"] == "board":
                floor = message["floor"]
    return floor


def kiosk_1(floor: dict) -> dict:
    return next(k for k in floor["kiosks"] if k["id"] == "kiosk-1")


async def test_a_kiosk_offline_before_a_restart_is_offline_since_then_after_it(tmp_path):
    config, db = always_open_config(tmp_path), tmp_path / "office.sqlite3"
    server = ServerProcess(db, "--config", str(config))
    try:
        ws, floor = await board_socket(server, await cookie_for(server.port))
        kiosk = await kiosk_session(server.port)
        floor = await board_until(ws, floor, lambda f: kiosk_1(f)["connected"])
        await kiosk.close()
        floor = await board_until(ws, floor, lambda f: not kiosk_1(f)["connected"])
        before = kiosk_1(floor)["offline_since"]
        await ws.close()
    finally:
        assert server.stop() == 0
    assert [(kind, kiosk) for kind, _, kiosk in logged(db)] == [("kiosk_offline", "kiosk-1")]
    gone = logged(db)[0][1]
    assert before == gone

    await asyncio.sleep(1.0)  # the restart is later than the kiosk's going, whatever the machine's speed
    server = ServerProcess(db, "--config", str(config))
    try:
        ws, floor = await board_socket(server, await cookie_for(server.port))
        assert not kiosk_1(floor)["connected"] and kiosk_1(floor)["offline_since"] == gone
        alerts = {a["key"]: a["since"] for a in floor["alerts"]}
        assert alerts["kiosk:kiosk-1"] == gone   # not the restart's time
        kiosk = await kiosk_session(server.port)  # back: recorded, and the board says so
        floor = await board_until(ws, floor, lambda f: kiosk_1(f)["connected"])
        assert "kiosk:kiosk-1" not in {a["key"] for a in floor["alerts"]}
        await ws.close()
        await kiosk.close()
        await asyncio.sleep(0.2)
    finally:
        assert server.stop() == 0
    kinds = [kind for kind, _, _ in logged(db)]
    assert kinds == ["kiosk_offline", "kiosk_online", "kiosk_offline"]


async def test_a_kiosk_connected_when_the_server_stops_is_not_recorded_offline(tmp_path):
    config, db = always_open_config(tmp_path), tmp_path / "office.sqlite3"
    server = ServerProcess(db, "--config", str(config))
    try:
        kiosk = await kiosk_session(server.port)
    finally:
        assert server.stop() == 0
    await kiosk.close()
    assert logged(db) == []


def test_offline_and_back_are_recorded_once_each_and_replayed():
    site = make_site()
    office = Office(site, always_open=True)
    assert office.kiosk_online(kiosk="kiosk-1", now=1000.0) == []  # never offline: nothing, not even a day
    gone = office.kiosk_offline(kiosk="kiosk-1", now=1010.0)
    assert [e.kind for e in gone] == ["day_started", "kiosk_offline"]  # in its day (a restart replays the day)
    assert office.kiosks_offline == {"kiosk-1": 1010.0}
    assert office.kiosk_offline(kiosk="kiosk-1", now=1020.0) == []  # still offline: said once
    replayed = Office(site, always_open=True)
    for event in office.take_journal():
        replayed.apply(ev.decode(ev.encode(event)))
    assert replayed.kiosks_offline == {"kiosk-1": 1010.0}
    back = office.kiosk_online(kiosk="kiosk-1", now=1030.0)
    assert [e.kind for e in back] == ["kiosk_online"] and office.kiosks_offline == {}


@pytest.mark.parametrize("kind", ["kiosk_offline", "kiosk_online"])
def test_a_kiosk_event_without_its_kiosk_is_refused_by_name(kind):
    with pytest.raises(ev.UnknownEvent, match="missing required field `kiosk`"):
        ev.decode(json.dumps({"kind": kind, "at": 1.0}))
