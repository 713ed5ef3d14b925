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
from hypothesis import given, strategies as st
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.protocol import State
from websockets.server import ServerProtocol

from server.edge.app import Server
from server.manager import board as board_module
from server.edge.limits import Limits, Lobby, requested_path
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


# ---- the door: what a socket costs before it says anything (server/edge/doorway.py) ----------

@pytest.fixture
async def guarded(tmp_path):
    """The demo office with a short first-bytes limit and a small public pool (4 an address)."""
    site = parse_site(demo_data(), file="default.toml")
    limits = Limits(log_interval=3600, first_bytes_seconds=1, public=16, public_per_address=4)
    server = Server(site, tmp_path / "office.sqlite3", always_open=True, limits=limits)
    port = await server.start("127.0.0.1", 0)
    yield server, port
    await server.stop()


async def kiosk_draws(port: int, request: str) -> str:
    """A kiosk connecting (once: no retry) and drawing; the reply's type."""
    async with connect(f"ws://127.0.0.1:{port}/", open_timeout=10) as kiosk:
        await kiosk.send(p.encode(p.Hello(role="kiosk", terminal="kiosk-1", token=token("kiosk-1"), v=p.VERSION)))
        assert p.decode_server(await kiosk.recv()).__struct_config__.tag == "welcome"
        await kiosk.send(p.encode(p.Draw(id=1, service="info", lang="de", request=request)))
        return p.decode_server(await kiosk.recv()).__struct_config__.tag


async def closed_by_server(reader: asyncio.StreamReader) -> bool:
    try:
        return await reader.read() == b""
    except ConnectionResetError:
        return True


async def test_a_strangers_silent_sockets_never_reach_websockets_and_are_let_go(guarded):
    """Each silent socket was a websockets connection with a handler task, a reader, a logger
    and the opening handshake's timer, held for 60 s: a stranger opening them by the thousand
    kept the loop building and tearing those down. Now a socket is websockets' only once its
    first bytes arrive; one that says nothing for `first_bytes_seconds` is closed. Meanwhile a
    kiosk connects at its first try and draws, and a page is served (its request split in two
    writes, the second after a pause, still reaches websockets whole)."""
    server, port = guarded
    silent = [await asyncio.open_connection("127.0.0.1", port) for _ in range(60)]
    while len(server.gate.lobby.silent) < 60:
        await asyncio.sleep(0.01)
    assert server.server.handler_tasks == set()
    assert await kiosk_draws(port, "past-the-silent-ones") == "reply"
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /healthz HTTP/1.1\r\n")
    await asyncio.sleep(0.3)
    writer.write(b"Host: 127.0.0.1\r\n\r\n")
    assert (await reader.readline()).startswith(b"HTTP/1.1 200")
    writer.close()
    try:
        async with asyncio.timeout(20):  # the server closes them (websockets' own timeout: 60 s)
            assert all([await closed_by_server(r) for r, _ in silent])
    finally:
        for _, stranger in silent:
            stranger.close()
    while server.gate.lobby.waiting:
        await asyncio.sleep(0.01)


async def test_an_address_holding_its_share_of_public_sockets_is_refused_before_the_handshake(guarded):
    """Past `public_per_address`, a socket anyone may open was accepted, handshaken, welcomed
    (a display's welcome is ~80 KB) and then pushed out another of the same address with a
    closing handshake. Now it is answered 503 before the handshake (an anonymous display 1013
    before its welcome); the address's held sockets stay served, another address's phone and a
    kiosk from the same address get in."""
    server, port = guarded
    url = f"ws://127.0.0.1:{port}"
    held = [await connect(f"{url}/feedback/ws") for _ in range(4)]
    try:
        with pytest.raises(InvalidStatus) as refused:
            await connect(f"{url}/signin/ws")
        assert refused.value.response.status_code == 503
        assert refused.value.response.headers["Retry-After"] == "10"
        async with connect(f"{url}/") as display:
            await display.send(p.encode(p.Hello(role="display", terminal="", token="", v=p.VERSION)))
            with pytest.raises(ConnectionClosed) as closed:
                await display.recv()
            assert closed.value.rcvd.code == 1013
        async with connect(f"{url}/feedback/ws", local_addr=("127.0.0.2", 0)) as phone:
            await phone.ping()
        assert await kiosk_draws(port, "beside-the-public-ones") == "reply"
        await asyncio.gather(*(ws.ping() for ws in held))
        async with asyncio.timeout(10):  # the phone's going, as the server sees it: the four held stay
            while len(server.gate.public) != 4:
                await asyncio.sleep(0.01)
        assert all(ws.state is State.OPEN for ws in held)
    finally:
        await asyncio.gather(*(ws.close() for ws in held))


@given(st.lists(st.tuples(st.sampled_from(("enter", "spoke", "leave")), st.integers(0, 9)), max_size=60),
       st.integers(0, 60))
def test_the_lobby_takes_out_exactly_the_sockets_silent_since_before_a_time(steps, cut):
    """`silent_since` (the first-bytes sweep) returns those still silent that came before the
    cut, oldest first, and leaves the rest as they were."""
    lobby: Lobby[int] = Lobby(1000)
    came: dict[int, float] = {}
    for now, (step, who) in enumerate(steps):
        if step == "enter" and who not in came:
            lobby.enter(who, float(now))
            came[who] = now
        elif step == "spoke":
            lobby.spoke(who)
            came.pop(who, None)
        elif step == "leave":
            lobby.leave(who)
            came.pop(who, None)
    expected = sorted((c, w) for w, c in came.items() if c < cut)
    assert lobby.silent_since(float(cut)) == [w for _, w in expected]
    assert set(lobby.silent) == {w for w, c in came.items() if c >= cut}


async def test_under_tls_a_silent_socket_is_let_go_after_the_first_bytes_time_too(tmp_path):
    """Under TLS asyncio hands a socket on only once its TLS handshake is done, and waited a
    minute for a ClientHello that never comes. The first-bytes time now limits that wait too; a
    kiosk over TLS meanwhile connects and draws."""
    import ssl

    import trustme

    from server.wire.session import ClientSession

    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1")
    certificate.private_key_and_cert_chain_pem.write_to_path(str(tmp_path / "server.pem"))
    certificate.private_key_pem.write_to_path(str(tmp_path / "server.key"))
    data = demo_data()
    data["site"] |= {"tls_cert": str(tmp_path / "server.pem"), "tls_key": str(tmp_path / "server.key")}
    server = Server(parse_site(data, file="default.toml"), tmp_path / "office.sqlite3", always_open=True,
                    limits=Limits(log_interval=3600, first_bytes_seconds=1))
    port = await server.start("127.0.0.1", 0)
    trusted = ssl.create_default_context()
    authority.configure_trust(trusted)
    silent = [await asyncio.open_connection("127.0.0.1", port) for _ in range(5)]
    try:
        async with ClientSession(f"wss://127.0.0.1:{port}/", role="kiosk", terminal="kiosk-1",
                                 token=token("kiosk-1"), ssl=trusted) as kiosk:
            await kiosk.ready()
            assert (await kiosk.request(p.Draw(id=0, service="info", lang="de", request="tls-silent"))).ticket
        async with asyncio.timeout(20):  # asyncio's own TLS handshake timeout: 60 s
            assert all([await closed_by_server(r) for r, _ in silent])
    finally:
        for _, stranger in silent:
            stranger.close()
        await server.stop()


@given(st.binary(max_size=200))
def test_any_first_bytes_are_a_get_path_or_left_to_websockets(first):
    """The door reads only a GET's request line: any bytes at all give a path or None, never an
    error, and a path only from a whole `GET <target> HTTP/...` line."""
    path = requested_path(first)
    if path is not None:
        line = first.split(b"\r\n", 1)[0]
        assert line.startswith(b"GET ") and line.count(b" ") == 2 and b"HTTP/" in line
        assert "?" not in path


@given(st.sampled_from(["/feedback/ws", "/signin/ws", "/register/ws", "/"]),
       st.text(alphabet="abc=&%0123456789", max_size=20), st.binary(max_size=100))
def test_a_get_request_lines_path_is_read_without_its_query(path, query, rest):
    first = f"GET {path}?{query} HTTP/1.1\r\n".encode() + rest
    assert requested_path(first) == path
    assert requested_path(first[:len(path) + 5]) is None  # the line not whole yet: websockets judges it
