"""Hardening, third round (issue 22, "other attacks"): what a curious visitor with a phone, or a
stranger on the office's network, tried and what held. Each test here failed before its fix.
Real server on 127.0.0.1, real sockets; the server's clock moved by the test.

- A published draw (`/draw/<day>.json`, anyone may ask) of an earlier day read every event the
  store holds, on the event loop: at 400,000 events 50 ms a request, and four strangers asking
  in a loop took the kiosks' answers from 2 ms to 200-540 ms; today's was made anew for every
  request (0.3-0.7 s of the loop each after a draw of 10,000 entries).
- A registration name was checked for its letters only: a right-to-left override registered
  one person twice under names the clerk reads alike, and ESC bytes were kept for the counter's
  terminal and slip printer; a contact "omar\n@example.org" was taken as an e-mail address.
- Sockets that refuse other sites' pages (the board, the browser counter, the lottery's
  registration, feedback) let `Origin: null` through: a sandboxed frame on any site says it.
- A peer sending pings and never reading the pongs grew the server ~100 MB in 20 s (one socket).
- /speech made any call of the day's sound again once 200 newer ones were kept, six at a time.
- A header given twice (two Host lines) was a 500 and a traceback in the log for each request.
- An Accept-Language of 700 made-up tags took 150 ms of the loop for each phone page.
- A forged session cookie with a 5,000-digit end was a 500 and a traceback for each request.
"""

from __future__ import annotations

import asyncio
import base64
import cProfile
import json
import logging
import os
import pstats
import socket
import sqlite3
import urllib.request

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from server.core import events as ev
from server.edge.app import Server
from server.messages import address

from .access_office import DAY, Clock, access_site, at, page, start, window_open
from .conftest import http_get, make_site
from .test_manager_board import cookie_for, get_with
from .test_manager_sessions import OtherSite

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


async def test_a_name_with_a_hidden_reversal_or_control_bytes_is_refused_not_a_second_entry(tmp_path):
    """A right-to-left override shows the clerk comparing the passport "Anna Schmidt" for the
    letters "tdimhcS annA": a second identity in the draw for the same person, who would double
    her odds. Control bytes (ESC, the printer's cut and drawer commands) would reach the clerk's
    terminal and the slip printer. Both are refused as `bad_name`; so is a contact with a line
    break (it would go into an e-mail's header)."""
    async with window_open(tmp_path, places=2) as (server, _):
        async with page(server) as visitor:
            assert (await visitor.register("Anna Schmidt"))["type"] == "registered"
            for name in ("\u202etdimhcS annA", "Anna \u2067tdimhcS\u2069", "Anna\x1b@Schmidt",
                         "Anna Schmidt\x1dV\x00", "Anna\u200bSchmidt", "Anna Schmidt\x00"):
                answer = await visitor.register(name)
                assert answer["type"] == "error" and answer["code"] == "bad_name", (name, answer)
            answer = await visitor.register("Omar Karimi", contact="omar\n@example.org")
            assert answer["type"] == "error" and answer["code"] == "bad_request", answer
        assert len(server.office.access_days[DAY].entries) == 1


def test_an_address_with_a_line_break_before_its_at_is_no_e_mail_address():
    """`$` in a regular expression also matches before a final line break: "omar\\n@example.org"
    passed as an address, and its line break went into the e-mail's To header. Whatever made
    the contact (a registration, a booking system), the outbox refuses it with its reason."""
    assert address.check("email", "omar\n@example.org") == ("omar\n@example.org", "not an e-mail address")
    assert address.check("email", " omar@example.org\n") == ("omar@example.org", "")


@pytest.mark.parametrize("origin", ["null", "file://", "http://127.0.0.1:1", "http://elsewhere.example"])
async def test_a_persons_socket_opens_only_for_a_page_of_this_server_not_a_sandboxed_frame(server, origin):
    """A board or browser counter socket carries a person's session: a page of another origin
    may not open it with the person's cookie. A sandboxed frame (or a file) says `Origin: null`,
    which has no host to compare, and was let through; now it is refused as another site is."""
    cookie = await cookie_for(server.port)
    for path in ("/board/ws", "/counter/ws"):
        with pytest.raises(InvalidStatus) as refused:
            await connect(f"ws://127.0.0.1:{server.port}{path}", additional_headers={"Cookie": cookie, "Origin": origin})
        assert refused.value.response.status_code == 403
    own = {"Cookie": cookie, "Origin": f"http://127.0.0.1:{server.port}"}
    async with connect(f"ws://127.0.0.1:{server.port}/board/ws", additional_headers=own) as board:
        assert json.loads(await board.recv())["type"] == "board"


FRAMED_REGISTRATION = """<pre id="out">waiting</pre>
<iframe sandbox="allow-scripts" srcdoc="<script>
const ws = new WebSocket('ws://127.0.0.1:{port}/register/ws');
ws.onopen = () => ws.send(JSON.stringify({{type: 'register', id: 1, service: 'residence', lang: 'ar',
                                          name: 'Made Up', birth_date: '1990-01-02'}}));
ws.onmessage = e => parent.postMessage(JSON.parse(e.data).type, '*');
ws.onclose = e => parent.postMessage('closed ' + e.code, '*');
</script>"></iframe>
<script>addEventListener('message', e => document.getElementById('out').textContent = e.data);</script>"""


async def test_another_sites_sandboxed_frame_cannot_register_its_visitors_for_the_lottery(tmp_path, browser):
    """The registration socket refuses pages of other sites: else any site could enter made-up
    people into the draw from each of its visitors' browsers, each counted on the visitor's own
    address (a shelter behind one address would find its entries used up). A sandboxed frame
    says `Origin: null` and was let through; now its socket is refused before it opens."""
    async with window_open(tmp_path, places=2) as (server, _):
        other = OtherSite("127.0.0.2", FRAMED_REGISTRATION.format(port=server.port))
        try:
            page = await (await browser.new_context()).new_page()
            await page.goto(other.url)
            await page.wait_for_function("document.getElementById('out').textContent !== 'waiting'", timeout=20_000)
            assert (await page.text_content("#out")).startswith("closed"), await page.text_content("#out")
        finally:
            other.close()
        assert not server.office.access_days[DAY].entries


async def test_a_draws_published_file_is_made_once_not_once_a_request_and_follows_each_change(tmp_path):
    """After a draw of 10,000 entries the file is 2 MB, and making it took the event loop
    0.3-0.7 s: made for every request, anyone asking in a loop on the draw's morning stopped
    every kiosk. It is made again only when what it says changes (an entry, the close, a
    witness, the draw), which the file shows at once. Counted with the profiler on the
    server's own loop: two requests for the same file, one making of it."""
    async with window_open(tmp_path, places=2) as (server, clock):
        url = f"http://127.0.0.1:{server.port}/draw/{DAY}.json"
        async with page(server) as visitor:
            for name in ("Amina Haddad", "Omar Karimi"):
                await visitor.register(name)
            assert json.loads((await http_get(url))[2])["entries"] == 2
            await visitor.register("Sara Tesfay")
        assert json.loads((await http_get(url))[2])["entries"] == 3  # the file made again: an entry came
        clock.t = at(DAY, "06:05")
        await server.access.tick()
        profile = cProfile.Profile()
        profile.enable()
        first, again = (await http_get(url))[2], (await http_get(url))[2]
        profile.disable()
    made = [calls for (file, _, function), (calls, *_) in pstats.Stats(profile).stats.items()  # type: ignore[attr-defined]
            if file.endswith("access/proof.py") and function == "proof"]
    assert first == again and len(json.loads(first)["places"]) == 2 and len(json.loads(first)["entries"]) == 3
    assert made == [1], made


PINGS_SENT = 16 * 2**20  # bytes of pings a stranger sends without reading one pong


def ping_without_reading(port: int, path: str) -> tuple[socket.socket, int]:
    """A raw websocket client that opens `path`, then sends pings (125 bytes each) and never reads:
    the socket (still open) and the bytes it got to send before it would block for seconds."""
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connecting: a small window
    raw.connect(("127.0.0.1", port))
    raw.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n".encode())
    assert raw.recv(12) == b"HTTP/1.1 101"
    pings, sent = (bytes([0x89, 0x80 | 125]) + bytes(4) + b"p" * 125) * 512, 0
    raw.settimeout(3)
    try:
        while sent < PINGS_SENT:
            raw.sendall(pings)
            sent += len(pings)
    except TimeoutError:
        pass  # the server stopped reading: its pongs were not read
    return raw, sent


def held_for_peers(server) -> int:
    """The bytes the server holds to send, over all its connections."""
    return sum(c.transport.get_write_buffer_size() for c in server.server.connections if c.transport)


@pytest.mark.parametrize("path", ["/feedback/ws", "/"])  # a phone page's socket; a socket before hello
async def test_pings_from_a_peer_that_never_reads_its_pongs_do_not_pile_up_in_the_server(server, path):
    """websockets answers every ping, and wrote each pong whether or not the peer read: one
    stranger's socket grew the server ~100 MB in 20 s. The server now stops reading a peer
    while what it sent that peer is not read: its pongs stay within a few write limits."""
    raw, sent = await asyncio.to_thread(ping_without_reading, server.port, path)
    try:
        held, before = held_for_peers(server), -1
        while held != before and held < 2**20:  # until the server has read what it will read
            await asyncio.sleep(0.2)
            held, before = held_for_peers(server), held
        assert held < 2**20, f"{held} bytes of pongs held for a peer that sent {sent} bytes of pings"
    finally:
        raw.close()


ESPEAK = """#!/bin/sh
# espeak-ng as the server finds it on its PATH: each sound it makes counted, and whether another
# one was being made at the same time
case " $* " in *" -w "*) ;; *) exec /usr/bin/espeak-ng "$@" ;; esac
exec 9>>"{log}.lock"
if flock -n 9; then echo made >> "{log}"; else echo "made beside another" >> "{log}"; flock 9; fi
/usr/bin/espeak-ng "$@"
"""


@pytest.mark.skipif(not os.path.exists("/usr/bin/espeak-ng"), reason="espeak-ng speaks the calls")
async def test_a_stranger_asking_for_the_days_calls_sounds_gets_each_made_once_one_at_a_time(tmp_path, monkeypatch):
    """/speech needs no secret (a display is anonymous), and every call's text stayed speakable
    all day while only 200 sounds were kept: asking for the day's calls in a loop made them
    again and again, six espeak-ng at a time, and held up the kiosks. Now the last 200 calls'
    texts can be heard (an older call is over), each sound is made once, one at a time."""
    (tmp_path / "bin").mkdir()
    wrapper = tmp_path / "bin" / "espeak-ng"
    wrapper.write_text(ESPEAK.format(log=tmp_path / "espeak.log"))
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    server = Server(make_site(), tmp_path / "office.sqlite3", always_open=True)
    await server.start("127.0.0.1", 0)
    try:
        # what each call does for every language it is announced in (`server.edge.pushes`)
        keys = [server.speech.register("de", f"Nummer A{i:03d}, bitte zu Schalter {i % 9 + 1}") for i in range(260)]
        async def fetch(start: int) -> list[int]:
            return [(await http_get(f"http://127.0.0.1:{server.port}/speech/{key}.wav"))[0] for key in keys[start::3]]
        for _ in range(2):  # the day's calls twice over, three at a time
            answers = sorted(sum(await asyncio.gather(*(fetch(i) for i in range(3))), []))
        made = (tmp_path / "espeak.log").read_text().splitlines()
    finally:
        await server.stop()
    assert answers == [200] * 200 + [404] * 60  # the 60 oldest calls are over
    assert made == ["made"] * 200, f"{len(made)} sounds made, {made.count('made beside another')} beside another"


def ask_twice_named(port: int, path: str, upgrade: bool) -> bytes:
    """A request whose Host (and Origin) header is given twice, as nobody's browser sends one."""
    ws = ("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          "Sec-WebSocket-Version: 13\r\n") if upgrade else ""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        raw.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nHost: elsewhere.example\r\n"
                    f"Origin: http://127.0.0.1:{port}\r\nOrigin: null\r\n{ws}\r\n".encode())
        return raw.recv(200)


async def test_a_header_given_twice_is_the_senders_error_not_a_traceback_in_the_log(server, caplog):
    """Two Host lines made websockets' headers raise in every check that reads one (the origin,
    the sign-out's site): a 500 and a 20-line traceback in the log for each such request, from
    anyone, as fast as they could send them. Now a 400, and the log stays quiet."""
    for path, upgrade in (("/board/ws", True), ("/register/ws", True), ("/feedback/ws", True),
                          ("/signin/ws", True), ("/signout", False)):
        answer = await asyncio.to_thread(ask_twice_named, server.port, path, upgrade)
        assert answer.startswith(b"HTTP/1.1 400"), (path, answer)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text[:500]


async def test_a_phone_page_reads_only_the_first_sixteen_languages_its_browser_asks_for(server):
    """Each unknown tag in Accept-Language costs a look through babel's locales: 700 made-up
    ones (an 8 KB header) took 150 ms of the event loop for one phone page. Now the first 16
    ranges are read (a browser sends a handful); what comes after them is not."""
    made_up = [f"x{i}-Q{i}" for i in range(700)]
    for listed, lang in ((made_up[:15], "ar"), (made_up, "de")):
        request = urllib.request.Request(f"http://127.0.0.1:{server.port}/privacy",
                                         headers={"Accept-Language": ",".join([*listed, "ar"])[-8000:]})
        with await asyncio.to_thread(urllib.request.urlopen, request, timeout=10) as answer:
            assert f'<html lang="{lang}"' in answer.read().decode(), len(listed)


async def test_a_forged_session_cookie_with_an_endless_end_is_signed_out_not_a_server_error(server, caplog):
    """A session cookie names its end in seconds; a forged one whose end has 5,000 digits made
    `int()` raise before its signature was even checked: a 500 and a traceback in the log for
    every page of the manager's side and the board's socket, from anyone. Now it is a cookie
    that does not hold: the sign-in, as for any other."""
    cookie = f"willkommen_session=a~manager~{'9' * 5000}~x"
    status, headers, _ = await get_with(f"http://127.0.0.1:{server.port}/board", cookie)
    assert status == 303 and headers["Location"] == "/signin"
    with pytest.raises(InvalidStatus) as refused:
        await connect(f"ws://127.0.0.1:{server.port}/board/ws", additional_headers={"Cookie": cookie})
    assert refused.value.response.status_code == 401
    # and a delivery report's type (Kannel's number, 1 to 16) of as many digits
    assert (await http_get(f"http://127.0.0.1:{server.port}/messages/dlr?m=x&t={'9' * 5000}"))[0] == 400
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text[:500]
