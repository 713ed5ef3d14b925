"""Sockets that need no secret (issue 22, items 3 and 5): visitor feedback, the sign-in page and
anonymous displays. A stranger holding hundreds of them must not run the server out of files
nor push out the waiting room's screen; a flood of answers with made-up tickets must not reach
the writer the kiosks draw through. Real server processes and sockets on loopback; the
stranger comes from 127.0.0.1, the waiting room from 127.0.0.2."""

from __future__ import annotations

import asyncio
import json
import os
import secrets

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.protocol import State

from server.edge.limits import Public
from server.wire import protocol as p

from .conftest import ServerProcess, always_open_config, token


def test_a_full_pool_lets_go_the_oldest_of_the_busiest_address():
    pool: Public[str] = Public(4)
    for name in ("a1", "a2", "a3"):
        assert pool.enter(name, "10.0.0.1") is None
    assert pool.enter("tv", "10.0.0.9") is None
    assert pool.enter("a4", "10.0.0.1") == "a1"      # the flooder's own oldest, not the screen
    assert pool.enter("phone", "10.0.0.7") == "a2"
    pool.leave("a3")
    assert len(pool) == 3 and "tv" in pool.address


async def hello_display(ws) -> None:
    await ws.send(p.encode(p.Hello(role="display", terminal="", token="", v=p.VERSION)))
    assert p.decode_server(await ws.recv()).__struct_config__.tag == "welcome"


async def test_idle_public_sockets_cannot_exhaust_the_server_nor_push_out_the_screen(tmp_path):
    server = ServerProcess(tmp_path / "office.sqlite3", "--config", str(always_open_config(tmp_path)), open_files=512)
    url, held = f"ws://127.0.0.1:{server.port}", []
    try:
        async with connect(f"{url}/", local_addr=("127.0.0.2", 0)) as screen:
            await hello_display(screen)
            refused = 0
            for n in range(600):  # more than the server has files, as feedback, sign-in and display sockets
                path = ("/feedback/ws", "/signin/ws", "/")[n % 3]
                try:  # past its address's share (half the pool: 32 of 65) refused before the handshake
                    ws = await connect(f"{url}{path}", open_timeout=10)
                    held.append(ws)
                    if path == "/":
                        await hello_display(ws)
                except (InvalidStatus, ConnectionClosed):
                    refused += 1
            files = len(os.listdir(f"/proc/{server.pid}/fd"))
            assert files < 512 // 2, f"the server holds {files} files with {len(held)} idle public sockets"
            assert sum(ws.state is State.OPEN for ws in held) <= 32 and refused >= 600 - 64
            async with connect(f"{url}/", open_timeout=10) as kiosk:  # a kiosk still gets in and draws
                await kiosk.send(p.encode(p.Hello(role="kiosk", terminal="kiosk-1", token=token("kiosk-1"),
                                                  v=p.VERSION)))
                assert p.decode_server(await kiosk.recv()).__struct_config__.tag == "welcome"
                await kiosk.send(p.encode(p.Draw(id=1, service="info", lang="de", request="after-the-flood")))
                assert p.decode_server(await kiosk.recv()).__struct_config__.tag == "reply"
            await screen.ping()  # the waiting room's screen, from another address, is still served
            health = json.loads(await asyncio.to_thread(get, server.port, "/healthz"))
            assert "(anonymous)" in health["connected"]["display"]
    finally:
        await asyncio.gather(*(ws.close() for ws in held), return_exceptions=True)
        assert server.stop() == 0


def get(port: int, path: str) -> bytes:
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        return response.read()


async def test_made_up_tickets_from_one_address_are_refused_before_the_writer(tmp_path):
    config = always_open_config(tmp_path)  # the pace of frames out of the way: this is the ticket count
    config.write_text(config.read_text(encoding="utf-8") + "\n[limits]\nfeedback_per_second = 10000\n"
                      "feedback_burst = 10000\n", encoding="utf-8")
    server = ServerProcess(tmp_path / "office.sqlite3", "--config", str(config))
    try:
        async with connect(f"ws://127.0.0.1:{server.port}/feedback/ws") as ws:
            codes = []
            for n in range(60):
                await ws.send(p.encode(p.Rate(id=n, ticket=secrets.token_urlsafe(12), score=5)))
                codes.append(json.loads(await ws.recv()).get("code"))
        # a few made-up tickets are told so; then the address waits (as for wrong hellos), and
        # past the burst every frame is refused without touching the office
        assert 1 <= codes.count("unknown_ticket") <= 6, codes
        assert codes.count("rate_limited") >= 50 and set(codes) == {"unknown_ticket", "rate_limited"}, codes
    finally:
        assert server.stop() == 0
