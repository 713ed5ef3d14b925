"""What an office's network can throw at the server, and the limits that keep the day going
(server/edge/limits.py): silent connections by the hundred, wrong tokens by the thousand, printer
reports by the ten thousand, HTTP methods nobody should send, a port already taken."""

from __future__ import annotations

import asyncio
import http.client
import json
import logging
import socket
import subprocess
import sys
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from server.edge.app import Server
from server.wire.session import ClientSession
from server.edge.limits import HelloThrottle, Limits, Lobby, Pressure

from .conftest import ROOT, ServerProcess, always_open_config, http_get, make_site, token


async def closed_with(ws) -> tuple[int, str]:
    with pytest.raises(ConnectionClosed) as info:
        while True:
            await ws.recv()
    return info.value.rcvd.code, info.value.rcvd.reason


async def hello(url: str, terminal: str, secret: str) -> tuple[int, str] | str:
    """One hello: "welcome", or the close code and reason."""
    role = make_site().terminal(terminal).role
    async with connect(url) as ws:
        await ws.send(json.dumps({"type": "hello", "role": role, "terminal": terminal, "token": secret}))
        try:
            return json.loads(await ws.recv())["type"]
        except ConnectionClosed as closed:
            return closed.rcvd.code, closed.rcvd.reason


@pytest.fixture
async def limited(tmp_path):
    """A server whose limits a test sets: `await limited(Limits(...))` -> (server, url);
    `monotonic=` holds the server's interval clock where a test reads a wait."""
    servers = []

    async def start(limits: Limits, **clocks) -> tuple[Server, str]:
        server = Server(make_site(), tmp_path / f"office-{len(servers)}.sqlite3", always_open=True, limits=limits,
                        **clocks)
        servers.append(server)
        return server, f"ws://127.0.0.1:{await server.start('127.0.0.1', 0)}/"

    yield start
    for server in servers:
        await server.stop()


# ---- item 9: HTTP answers GET and HEAD only ----------------------------------------------------

def request(port: int, method: str, path: str) -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "TRACE", "OPTIONS", "PATCH", "CONNECT", "BREW"])
async def test_http_methods_other_than_get_and_head_get_405(server, method):
    for path in ["/healthz", "/display", "/", "/t/AAAAAAAAAAAA", "/nowhere", "/signin"]:
        status, headers, body = await asyncio.to_thread(request, server.port, method, path)
        assert (status, headers["Allow"], body) == (405, "GET, HEAD", b"method not allowed: only GET and HEAD\n")


def raw_head(port: int, path: str) -> tuple[bytes, bytes]:
    """HEAD over a plain socket, read to the end: the head and whatever came after it (an HTTP
    client would not read a body after HEAD, so it could not tell)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"HEAD {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


@pytest.mark.parametrize("path", ["/display", "/display/display.css", "/", "/t/AAAAAAAAAAAA", "/nowhere"])
async def test_head_answers_like_get_without_the_body(server, path):
    status, headers, body = await asyncio.to_thread(request, server.port, "GET", path)
    head, rest = await asyncio.to_thread(raw_head, server.port, path)
    assert rest == b"" and head.startswith(f"HTTP/1.1 {status} ".encode())
    assert f"Content-Length: {len(body)}".encode() in head.split(b"\r\n")
    assert f"Content-Type: {headers['Content-Type']}".encode() in head.split(b"\r\n")


# ---- item 10: connections that never say hello ------------------------------------------------

def joins(url: str, terminal: str) -> str:
    """Connect as a terminal does, through the client session (reconnecting by itself while the
    server lets connections go); "welcome" once welcomed, within 15 s."""
    async def join() -> str:
        session = ClientSession(url, role=make_site().terminal(terminal).role, terminal=terminal,
                                token=token(terminal), backoff=(0.1, 1.0))
        session.start()
        try:
            await session.ready(timeout=15)
            return "welcome"
        finally:
            await session.close()

    return asyncio.run(join())


def test_silent_connections_past_the_open_files_limit_keep_terminals_served(tmp_path):
    """600 sockets that never send a byte, against a server allowed 512 open files: before,
    accept() failed with "Too many open files" (a traceback each time, thousands a minute) and
    a new terminal timed out. Now the oldest silent ones are let go, a new terminal is
    welcomed, one already there keeps being served, and the log says so in a line or two."""
    from websockets.sync.client import connect as sync_connect

    config = always_open_config(tmp_path)
    config.write_text(config.read_text(encoding="utf-8") + "\n[limits]\nlog_interval_seconds = 3600\n",
                      encoding="utf-8")   # one line a kind however long a loaded machine takes
    server = ServerProcess(tmp_path / "office.sqlite3", "--config", str(config), open_files=512)
    url = f"ws://127.0.0.1:{server.port}/"
    silent = []
    try:
        with sync_connect(url, open_timeout=10) as counter:
            counter.send(json.dumps({"type": "hello", "role": "counter", "terminal": "counter-5",
                                     "token": token("counter-5")}))
            assert json.loads(counter.recv(timeout=10))["type"] == "welcome"
            for _ in range(600):
                sock = socket.socket()
                sock.setblocking(False)
                sock.connect_ex(("127.0.0.1", server.port))
                silent.append(sock)
            # the server has let the oldest go: on a loaded machine it had accepted too few of them
            # by the time the kiosk was in, and never reached its limit
            assert logged(server, "too many connections without hello: the oldest are let go")
            assert joins(url, "kiosk-1") == "welcome"
            counter.send(json.dumps({"type": "open", "id": 1}))
            replies = (json.loads(counter.recv(timeout=10)) for _ in range(50))
            assert next(r for r in replies if r["type"] == "reply")["desk"]["state"] == "open"
    finally:
        for sock in silent:
            sock.close()
        assert server.stop() == 0
    assert "Traceback" not in "".join(server.log)
    lines = [json.loads(line) for line in server.log if line.startswith("{")]
    pressure = [line for line in lines if line["level"] == "warning"]
    assert pressure[0]["msg"] == "too many connections without hello: the oldest are let go"
    assert pressure[0]["lobby"] == 131 and len(pressure) <= 2  # a line per kind and interval at most


def logged(server: ServerProcess, message: str, timeout: float = 60) -> bool:
    """Whether the server's log says `message` within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not any(f'"msg": "{message}"' in line for line in list(server.log)):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


async def test_the_lobby_lets_the_oldest_silent_connection_go(limited):
    server, url = await limited(Limits(lobby=3, log_interval=3600))
    async with connect(url) as first, connect(url) as second, connect(url) as third:
        assert len(server.gate.lobby.waiting) == 3
        async with connect(url) as fourth:
            with pytest.raises(ConnectionClosed):
                await first.recv()  # let go, without a close frame (aborted like a dead socket)
            for ws in (second, third, fourth):
                await ws.send(json.dumps({"type": "hello", "role": "kiosk", "terminal": "kiosk-1",
                                          "token": token("kiosk-1")}))
                assert json.loads(await ws.recv())["type"] == "welcome"
            assert server.gate.lobby.waiting == []  # welcomed terminals are not counted


@settings(deadline=None)  # no timing: a loaded CI machine is slow
@given(st.lists(st.tuples(st.sampled_from(["arrive", "speak", "hello"]), st.integers(0, 20)), max_size=80),
       st.integers(1, 5))
def test_a_lobby_never_holds_more_than_its_cap_and_lets_the_oldest_silent_one_go(steps, cap):
    lobby, silent, spoken = Lobby(cap), [], []
    for step, connection in steps:
        known = connection in silent or connection in spoken
        if step == "arrive" and not known:
            expected = (silent or spoken).pop(0) if len(silent) + len(spoken) == cap else None
            assert lobby.enter(connection) == expected
            silent.append(connection)
        elif step == "speak" and connection in silent:
            lobby.spoke(connection)
            silent.remove(connection)
            spoken.append(connection)
        elif step == "hello" and known:
            lobby.leave(connection)
            (silent if connection in silent else spoken).remove(connection)
        assert (list(lobby.silent), list(lobby.spoken)) == (silent, spoken) and len(lobby.waiting) <= cap


# ---- item 11: wrong tokens, printer reports --------------------------------------------------

async def test_wrong_tokens_from_one_address_are_throttled_and_others_carry_on(limited, caplog):
    """1,843 wrong-token hellos a second were each checked and logged. Now three are free,
    then every wrong token makes the address wait longer, and its hellos are refused unchecked
    (4429) meanwhile: even the right token, so guessing learns nothing. Terminals already in
    are not touched."""
    caplog.set_level(logging.INFO, logger="willkommen")
    # the throttle's clock stands still: its wait is said to the second, and on a loaded machine
    # more than half a second passed between the fourth wrong token and the next hello ("29 s")
    server, url = await limited(Limits(hello_free_failures=3, hello_backoff=(30, 60), log_interval=3600),
                                monotonic=lambda: 1000.0)
    async with connect(url) as counter:
        await counter.send(json.dumps({"type": "hello", "role": "counter", "terminal": "counter-5",
                                       "token": token("counter-5")}))
        assert json.loads(await counter.recv())["type"] == "welcome"
        for _ in range(4):
            assert await hello(url, "kiosk-1", "wrong-token") == (4401, "unknown terminal or wrong token for 'kiosk-1'")
        for secret in ("wrong-token", token("kiosk-1")):
            assert await hello(url, "kiosk-1", secret) == (4429, "too many wrong tokens from this address: "
                                                                 "try again in 30 s")
        await counter.send(json.dumps({"type": "open", "id": 1}))
        while (answer := json.loads(await counter.recv()))["type"] != "reply":
            pass
        assert answer["desk"]["state"] == "open"
    refused = [r for r in caplog.records if r.getMessage() == "refused"]
    throttled = [r for r in caplog.records if r.getMessage().startswith("hellos refused unchecked")]
    assert [r.fields["code"] for r in refused] == [4401, 4429] and len(throttled) == 1
    assert refused[1].fields["left_out"] == 0 and throttled[0].fields["peer"] == "127.0.0.1"


@settings(deadline=None)  # no timing: a loaded CI machine is slow
@given(st.lists(st.floats(0, 2000), min_size=1, max_size=40), st.integers(0, 6))
def test_each_wrong_token_past_the_free_ones_doubles_the_wait(gaps, free):
    limits = Limits(hello_free_failures=free, hello_backoff=(1.0, 60.0), hello_forget=600.0)
    throttle, now, failures = HelloThrottle(limits), 0.0, 0
    for gap in gaps:
        before, now = now, now + gap
        quiet = now - before  # as the throttle measures it: 1024.26 - 424.26 is 600.0000000000001, not 600
        failures = 0 if quiet > limits.hello_forget else failures  # quiet long enough: starts over
        failures += 1
        wait = throttle.failed("10.0.0.7", now)
        assert wait == (0.0 if failures <= free else min(60.0, 2.0 ** (failures - free - 1)))
        assert throttle.wait("10.0.0.7", now) == pytest.approx(wait) and throttle.wait("10.0.0.8", now) == 0.0
        assert throttle.wait("10.0.0.7", now + wait) == 0.0


def test_the_throttle_remembers_a_bounded_number_of_addresses():
    throttle = HelloThrottle(Limits(hello_free_failures=0, peers=100))
    for n in range(1000):
        throttle.failed(f"10.0.{n // 256}.{n % 256}", 0.0)
    assert len(throttle.peers) == 100 and throttle.wait("10.0.3.231", 0.0) > 0 and throttle.wait("10.0.0.0", 0.0) == 0


@settings(deadline=None)  # no timing: a loaded CI machine is slow
@given(st.lists(st.tuples(st.sampled_from("ab"), st.floats(0, 30)), max_size=50))
def test_pressure_logs_a_key_once_per_interval_and_counts_the_rest(events):
    pressure, now, last, left_out = Pressure(10.0), 0.0, {}, {}
    for key, gap in events:
        now += gap
        logged = pressure.note(key, now)
        if key in last and now - last[key] < 10.0:
            assert logged is None
            left_out[key] = left_out.get(key, 0) + 1
        else:
            assert logged == left_out.pop(key, 0)
            last[key] = now


async def test_printer_reports_are_coalesced_and_their_detail_bounded(limited, caplog):
    """A kiosk sent 23,000 printer frames a second, a log line each, and /healthz showed up
    to 60 KB of its detail text. Every report still updates the state (the latest is true);
    the log gets a line when the state changes, at most one a kiosk and interval; /healthz
    shows the detail's start."""
    caplog.set_level(logging.INFO, logger="willkommen")
    server, url = await limited(Limits(log_interval=3600))
    async with connect(url, max_size=None) as ws:
        await ws.send(json.dumps({"type": "hello", "role": "kiosk", "terminal": "kiosk-1", "token": token("kiosk-1")}))
        await ws.recv()
        states = ["ok", "paper_out", "paper_near_end", "offline"] * 100
        for n, state in enumerate(states):
            await ws.send(json.dumps({"type": "printer", "id": n, "state": state, "detail": "Papier " * 9000}))
        answers = []
        while len(answers) < len(states):  # a kiosk is pushed its queues whenever they change
            if (frame := json.loads(await ws.recv()))["type"] != "queues":
                answers.append(frame)
        assert [a["type"] for a in answers] == ["reply"] * len(states)
        # while the kiosk is connected: a gone kiosk's report is forgotten (test_board_kiosks)
        status, _, body = await http_get(f"http://127.0.0.1:{server.port}/healthz")
    printer = json.loads(body)["printers"]["kiosk-1"]
    assert printer["state"] == "offline" and printer["detail"] == ("Papier " * 9000)[:199] + "…"
    assert len(body) < 10_000
    lines = [r for r in caplog.records if r.getMessage() == "printer"]
    assert [(r.fields["state"], r.fields["changes_left_out"]) for r in lines] == [("ok", 0)]


# ---- item 14: a port already in use ----------------------------------------------------------

@pytest.mark.parametrize("lang", ["de", "en"])
def test_a_port_already_in_use_is_one_line_naming_it_and_how_to_find_its_holder_status_2(tmp_path, lang):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "server", "--port", str(port), "--db", str(tmp_path / "o.db"),
                                 "--lang", lang], cwd=ROOT, capture_output=True, text=True, timeout=60)
    said = [line for line in result.stderr.splitlines() if not line.startswith("{")]  # JSON lines are the log
    assert (result.returncode, said) == (2, [{
        "de": f"willkommen-server: Den Port {port} auf 127.0.0.1 belegt schon ein anderes Programm, vielleicht ein "
              f"anderer Willkommen-Server: bitte mit ss -ltnp 'sport = :{port}' nachsehen, welches, und es stoppen "
              "oder bei --port einen freien Port angeben.",
        "en": f"willkommen-server: The port {port} on 127.0.0.1 is already held by another program, perhaps another "
              f"Willkommen server: find which with ss -ltnp 'sport = :{port}' and stop it, or give a free port with "
              "--port."}[lang]])
    assert "Traceback" not in result.stderr


async def test_an_address_that_is_not_this_machines_is_said_in_german_with_the_systems_reason(tmp_path):
    """(The command line refuses the demo's passwords beyond 127.0.0.1 first: the Server itself.)"""
    from config.command import Words, file_sentence
    from server.edge.app import CannotListen

    with pytest.raises(CannotListen) as refused:
        await Server(make_site(), tmp_path / "o.sqlite3", always_open=True).start("192.0.2.1", 0)
    assert file_sentence(refused.value, Words("de")) == (
        "Auf 192.0.2.1:0 lässt sich nicht lauschen (EADDRNOTAVAIL: Cannot assign requested address): bitte bei "
        "--host eine Adresse dieses Rechners (127.0.0.1 hinter dem Reverse-Proxy) und bei --port einen freien Port "
        "ab 1024 angeben.")
