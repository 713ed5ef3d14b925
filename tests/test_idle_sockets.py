"""What a stranger's idle sockets cost (issue 22): holding them costs the server nearly nothing
(websockets' pings every 20 s), opening them by the hundred costs each one's handshake, and no
more: a display's welcome is not made again for each (`server.edge.welcomes`), anonymous
displays coming and going are not a log line each. Real servers and websocket clients on
loopback; `python -m bench.hostile --only idle_sockets` measures the rest."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import json
import logging

import msgspec
import pytest
from websockets.asyncio.client import connect
from websockets.server import ServerProtocol

from server.edge.app import Server
from server.manager import board as board_module
from server.edge.limits import Limits
from server.wire import protocol as p

from config import parse_site

from .conftest import demo_data, token
from .test_manager_board import cookie_for


@pytest.fixture
async def office(tmp_path):
    """The demo office, counter-2 with a printer (referral slips: it gets the words too)."""
    data = demo_data()
    next(t for t in data["terminals"] if t["id"] == "counter-2")["printer"] = "dummy:"
    site = parse_site(data, file="default.toml")
    server = Server(site, tmp_path / "office.sqlite3", always_open=True, limits=Limits(log_interval=3600))
    port = await server.start("127.0.0.1", 0)
    yield server, f"ws://127.0.0.1:{port}/"
    await server.stop()


async def welcome(url: str, role: str, terminal: str = "") -> dict:
    async with connect(url, max_size=None) as ws:
        secret = token(terminal) if terminal else ""
        await ws.send(json.dumps({"type": "hello", "role": role, "terminal": terminal, "token": secret, "v": 1}))
        return json.loads(await ws.recv())


async def test_anonymous_displays_coming_and_going_are_a_log_line_an_interval(office, caplog):
    """300 anonymous displays opened by a stranger were 600 log lines. Now their coming and going
    is a line an interval with how many were left out; a named terminal's is a line each time."""
    caplog.set_level(logging.INFO, logger="willkommen")
    _, url = office
    for _ in range(12):
        assert (await welcome(url, "display"))["type"] == "welcome"
    for _ in range(2):
        assert (await welcome(url, "display", "display-ground"))["type"] == "welcome"
    server, _ = office
    while server.terminals.sessions:  # the last one's going, as the server sees it
        await asyncio.sleep(0.01)
    lines = [(r.getMessage(), r.fields["terminal"], r.fields.get("left_out"))
             for r in caplog.records if r.getMessage() in ("connected", "disconnected")]
    assert sorted(line for line in lines if not line[1]) == [("connected", "", 0), ("disconnected", "", 0)]
    assert [line[:2] for line in lines if line[1]] == [("connected", "display-ground"),
                                                       ("disconnected", "display-ground")] * 2


async def test_every_kind_of_terminal_is_welcomed_with_the_site_as_it_is_now(office):
    """The site's part of a welcome is kept once made; each kind of terminal still gets its own
    (a display no partners and fewer words, a counter without a printer no words), the same as
    the message encoded whole, and a site replaced (the demo's, once it knows its port) is
    the one the next terminal is welcomed with."""
    server, url = office
    for role, terminal in (("kiosk", "kiosk-1"), ("display", "display-ground"), ("display", ""),
                           ("counter", "counter-1"), ("counter", "counter-2"), ("admin", "admin")):
        got = await welcome(url, role, terminal)
        made = server.welcomes.welcome(role, terminal, server.site.terminal(terminal).counter if terminal else None)
        assert server.welcomes.encode(made) == p.encode(made)
        expected = msgspec.json.decode(p.encode(made))
        assert {k: v for k, v in got.items() if k != "snapshot"} == {k: v for k, v in expected.items() if k != "snapshot"}
        assert bool(got.get("strings")) == (role in ("kiosk", "display") or terminal == "counter-2")
        assert bool(got["site"].get("partners")) == (role in ("counter", "admin"))
    server.site = dataclasses.replace(server.site, public_url="https://wartebereich.example/")
    for role, terminal in (("display", ""), ("counter", "counter-1")):
        assert (await welcome(url, role, terminal))["site"]["public_url"] == "https://wartebereich.example/"


async def test_anonymous_displays_reach_the_board_with_its_tick_not_a_frame_each(office, monkeypatch):
    """Each display that came or went pushed the manager's board a frame (one per 50 ms while a
    stranger opened them by the hundred). Anonymous ones now reach it with the board's tick; a
    named terminal's coming still reaches it at once."""
    monkeypatch.setattr(board_module, "TICK", 3600)  # no tick during the test: only pushes count
    server, url = office
    cookie = await cookie_for(server.port)
    async with connect(f"{url}board/ws", additional_headers={"Cookie": cookie}) as board:
        first = json.loads(await board.recv())
        assert first["type"] == "board"
        for _ in range(30):
            assert (await welcome(url, "display"))["type"] == "welcome"
        async with connect(url) as kiosk:
            await kiosk.send(json.dumps({"type": "hello", "role": "kiosk", "terminal": "kiosk-1",
                                         "token": token("kiosk-1"), "v": 1}))
            await kiosk.recv()
            frames = []
            while not any(k["connected"] for k in (frames or [first])[-1]["floor"]["kiosks"] if k["id"] == "kiosk-1"):
                frames.append(json.loads(await board.recv()))
    assert len(frames) == 1, [f["floor"]["displays"] for f in frames]


async def test_a_closed_connection_is_freed_at_once_not_left_to_the_collector(office):
    """websockets' parser and the error that ended a connection held it in reference cycles,
    ~25 objects a connection that only a full collection (the loop stopped meanwhile, tens of ms
    after a stranger's thousands) freed. Closed connections of every kind (silent and let go,
    closed by the client, a display's) now go when they close."""
    server, url = office
    host, port = url.removeprefix("ws://").rstrip("/").split(":")
    gc.collect()
    gc.disable()
    try:
        for _ in range(5):
            reader, writer = await asyncio.open_connection(host, int(port))
            writer.transport.abort()
            async with connect(f"{url}feedback/ws"):
                pass
            assert (await welcome(url, "display"))["type"] == "welcome"
        while server.server.handler_tasks or server.gate.lobby.waiting:  # the server's side of each ended
            await asyncio.sleep(0.01)
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        left = [o for o in gc.garbage if isinstance(o, ServerProtocol)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert left == []
