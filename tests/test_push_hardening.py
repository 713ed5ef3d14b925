"""The booking system's endpoint against what a stranger on the office network or a hurried
booking system can send (issue 22, item 6): smuggled framing, pushes that take longer than the
read limit, a flood of slow connections, wrong tokens from the kiosks' own address, a scheme in
lower case. A real server with its push listener on 127.0.0.1, raw sockets and http.client."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import time

import pytest
from websockets.asyncio.client import connect

from server.booking import push
from server.store.sqlite import Store
from server.wire import protocol as p

from .conftest import ServerProcess, always_open_config, token
from .test_push_endpoint import TOKEN, Office


@pytest.fixture
def office(tmp_path):
    office = Office(tmp_path)
    yield office
    office.close()


def day(n: int, start: int = 0) -> dict:
    return {"appointments": [{"code": f"HB-{start + i}", "time": "12:00", "service": "info"} for i in range(n)]}


def raw(port: int, head: bytes, body: bytes = b"") -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head + body)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


def test_a_content_length_beside_chunked_framing_is_refused_and_books_nothing(office):
    body = json.dumps(day(3)).encode()
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    head = (f"POST /appointments HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
            "Content-Length: 20\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
    before = office.events()
    assert raw(office.port, head, chunked).startswith(b"HTTP/1.1 400")
    assert office.events() == before


def test_a_push_longer_than_the_read_limit_is_answered_with_what_it_booked(office, monkeypatch):
    """The read limit covers reading the request; a slow disk while booking is no 408 (which
    told the booking system nothing was booked while it was)."""
    monkeypatch.setattr(push, "READ_SECONDS", 0.3)
    write = Store.write

    def slow_write(store, rows):
        time.sleep(0.05)  # a slow disk: each commit 50 ms
        return write(store, rows)

    monkeypatch.setattr(Store, "write", slow_write)
    status, _, answer = office.post(day(40))
    assert status == 200 and answer["booked"] == 40


def test_a_lower_case_bearer_scheme_is_the_same_scheme(office):
    status, _, answer = office.post(day(1), auth=f"bearer {TOKEN}")
    assert status == 200 and answer["booked"] == 1


async def test_wrong_push_tokens_do_not_turn_away_the_kiosks_at_that_address(tmp_path):
    office = Office(tmp_path)
    try:
        for _ in range(8):  # more than the free wrong tokens: this address waits on the push port
            status, _, _ = await asyncio.to_thread(office.post, day(1), auth="Bearer wrong")
        assert status == 429
        async with connect(f"ws://127.0.0.1:{office.server.port}/") as ws:
            await ws.send(p.encode(p.Hello(role="kiosk", terminal="kiosk-1", token=token("kiosk-1"), v=p.VERSION)))
            assert p.decode_server(await ws.recv()).__struct_config__.tag == "welcome"
    finally:
        await asyncio.to_thread(office.close)


def push_config(tmp_path) -> str:
    text = always_open_config(tmp_path).read_text(encoding="utf-8")
    text = text.replace("[appointments]", f'[appointments]\npush_port = 0\npush_token = "{TOKEN}"', 1)
    path = tmp_path / "push.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


async def test_a_flood_of_slow_connections_to_the_push_port_leaves_the_kiosks_served(tmp_path):
    server = ServerProcess(tmp_path / "office.sqlite3", "--config", push_config(tmp_path), open_files=256)
    held = []
    try:
        push_port = next(json.loads(line)["port"] for line in server.log
                         if line.startswith("{") and json.loads(line).get("path") == "/appointments")
        for _ in range(400):  # more than the process has files
            try:
                held.append(socket.create_connection(("127.0.0.1", push_port), timeout=5))
            except OSError:
                break
        await asyncio.sleep(0.5)
        files = len(os.listdir(f"/proc/{server.pid}/fd"))
        assert files < 256 // 2, f"the server holds {files} files with {len(held)} connections to its push port"
        async with connect(f"ws://127.0.0.1:{server.port}/", open_timeout=4) as ws:  # before the held ones time out
            await ws.send(p.encode(p.Hello(role="kiosk", terminal="kiosk-1", token=token("kiosk-1"), v=p.VERSION)))
            assert p.decode_server(await ws.recv()).__struct_config__.tag == "welcome"
            await ws.send(p.encode(p.Draw(id=1, service="info", lang="de", request="flood-1")))
            assert p.decode_server(await ws.recv()).__struct_config__.tag == "reply"
    finally:
        for sock in held:
            sock.close()
        assert server.stop() == 0
