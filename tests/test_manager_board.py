"""People who sign in and the floor board: accounts, sessions, throttling, the live board in
Chromium, supervisor actions and the announcement that reaches the display."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import websockets
from hypothesis import given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import connect

from config import ConfigError, languages, parse_site
from server.wire import protocol as p
from server.wire.session import ServerError
from server.manager.people import People, check_password, hash_password

from .browser import AXE_OPTIONS
from .conftest import demo_data, make_site, noon_clock

AXE = Path(__import__("axe_playwright_python").__file__).parent / "axe.min.js"


# ---- accounts and passwords (no server) -----------------------------------------------------

def test_a_password_is_stored_as_a_scrypt_hash_and_checked_against_it():
    stored = hash_password("correct horse")
    assert stored.startswith("scrypt$") and "correct horse" not in stored
    assert check_password("correct horse", stored)
    assert not check_password("correct hors", stored)
    assert hash_password("correct horse") != stored  # a fresh salt each time


@pytest.fixture
async def server(tmp_path, site):
    """The real server at noon of today (conftest's `noon_clock`), so that "an hour from now" is
    still today whenever the suite runs: an announcement must end today (it was skipped after 23:00)."""
    from server.edge.app import Server

    server = Server(site, tmp_path / "office.sqlite3", always_open=True, clock=noon_clock(site))
    await server.start("127.0.0.1", 0)
    yield server
    await server.stop()


def test_pbkdf2_hashes_are_accepted_too():
    import base64
    import hashlib

    salt = b"0123456789abcdef"
    digest = hashlib.pbkdf2_hmac("sha256", b"s3cret-pass", salt, 1000)
    stored = f"pbkdf2_sha256$1000${base64.urlsafe_b64encode(salt).decode()}${base64.urlsafe_b64encode(digest).decode()}"
    assert check_password("s3cret-pass", stored) and not check_password("s3cret-pasS", stored)


def test_a_clear_text_password_in_the_site_file_is_refused():
    data = demo_data()
    data["people"][0]["password_hash"] = "demo-manager"
    with pytest.raises(ConfigError, match=r"people\[0\]\.password_hash: must be a hash"):
        parse_site(data, file="default.toml")
    data = demo_data()
    data["people"][0]["role"] = "boss"
    with pytest.raises(ConfigError, match=r"people\[0\]\.role"):
        parse_site(data, file="default.toml")


@settings(max_examples=20, deadline=None)
@given(st.floats(min_value=0, max_value=10 * 3600))
def test_a_session_lives_exactly_the_configured_minutes(after):
    now = [5000.0]
    people = People(make_site(), clock=lambda: now[0])
    people.verify = lambda name, password: people.site.person(name)  # no scrypt per example
    session = people.sign_in("reader", "x", address="a")
    assert not session.may_act
    now[0] += after
    alive = people.session(session.id) is not None
    assert alive == (after < people.site.manager.session_minutes * 60)


# ---- over the real server ------------------------------------------------------------------

async def sign_in(port: int, name: str, password: str, browser: str = "") -> dict:
    """A sign-in as the page sends it; `browser` is the sign-in form's cookie (`browser_cookie`)."""
    async with connect(f"ws://127.0.0.1:{port}/signin/ws",
                       additional_headers={"Cookie": browser} if browser else {}) as ws:
        await ws.send(json.dumps({"type": "sign_in", "id": 1, "name": name, "password": password}))
        return json.loads(await ws.recv())


async def browser_cookie(port: int) -> str:
    """The cookie the sign-in form gives its browser (a one-time code is bound to it)."""
    _, headers, _ = await get_with(f"http://127.0.0.1:{port}/signin")
    return headers.get("Set-Cookie", "").split(";")[0]


async def cookie_for(port: int, name: str = "manager", password: str = "demo-manager") -> str:
    browser = await browser_cookie(port)
    answer = await sign_in(port, name, password, browser)
    status, headers, _ = await get_with(f"http://127.0.0.1:{port}/signin/done?code={answer['code']}", browser)
    cookie = headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    return cookie.split(";")[0]


async def get_with(url: str, cookie: str = "") -> tuple[int, dict, bytes]:
    import urllib.error
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def get():
        request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
        try:
            with urllib.request.build_opener(NoRedirect).open(request, timeout=120) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, exc.read()

    return await asyncio.to_thread(get)


async def test_nothing_of_the_manager_side_is_reachable_without_signing_in(server):
    base = f"http://127.0.0.1:{server.port}"
    for path in ("/board", "/board/board.js", "/board/board.html", "/board/me.json", "/stats", "/stats.csv",
                 "/stats.xlsx", "/report.pdf", "/report.html"):
        status, headers, _ = await get_with(base + path)
        back = f"?to=%2F{path[1:]}" if path.startswith(("/stats", "/report")) else ""  # a page comes back
        assert (status, headers["Location"]) == (303, f"/signin{back}"), path
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with connect(f"ws://127.0.0.1:{server.port}/board/ws"):
            pass
    assert refused.value.response.status_code == 401
    with pytest.raises(websockets.InvalidStatus):  # a made-up session is no session
        async with connect(f"ws://127.0.0.1:{server.port}/board/ws",
                           additional_headers={"Cookie": "willkommen_session=made-up"}):
            pass
    status, _, body = await get_with(base + "/signin")
    assert status == 200 and b"<form" in body


async def test_a_session_cookie_opens_the_board_and_signing_out_closes_it(server):
    base = f"http://127.0.0.1:{server.port}"
    assert (await sign_in(server.port, "manager", "wrong"))["code"] == "not_allowed"
    cookie = await cookie_for(server.port)
    status, _, body = await get_with(base + "/board/me.json", cookie)
    assert status == 200 and json.loads(body) == {"name": "manager", "role": "supervisor"}
    status, headers, _ = await get_with(base + "/signin/done?code=used-or-made-up", await browser_cookie(server.port))
    assert status == 303 and "Set-Cookie" not in headers
    status, headers, _ = await get_with(base + "/signout", cookie)
    assert "Max-Age=0" in headers["Set-Cookie"]
    assert (await get_with(base + "/board", cookie))[0] == 303


async def test_a_session_ends_on_the_monotonic_clock_not_the_wall_clock(tmp_path):
    from server.edge.app import Server

    site = make_site()
    wall, steady = [1_790_000_000.0], [1000.0]
    server = Server(site, tmp_path / "office.sqlite3", always_open=True,
                    clock=lambda: wall[0], monotonic=lambda: steady[0])
    await server.start("127.0.0.1", 0)
    try:
        cookie = await cookie_for(server.port)
        wall[0] += 24 * 3600  # the wall clock steps a day ahead (NTP, a resumed VM)
        assert (await get_with(f"http://127.0.0.1:{server.port}/board/me.json", cookie))[0] == 200
        steady[0] += site.manager.session_minutes * 60  # the session's minutes have passed
        assert (await get_with(f"http://127.0.0.1:{server.port}/board/me.json", cookie))[0] != 200
    finally:
        await server.stop()


async def test_a_board_viewer_that_stops_reading_is_closed_not_buffered(tmp_path):
    import dataclasses
    import socket

    from server.edge.app import Server

    site = dataclasses.replace(make_site(), push_buffer_kib=16)
    wall = [1_790_000_000.0]
    server = Server(site, tmp_path / "office.sqlite3", always_open=True, clock=lambda: wall[0])
    await server.start("127.0.0.1", 0)
    sock = socket.socket()
    try:
        cookie = await cookie_for(server.port)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a frozen laptop: reads nothing
        sock.connect(("127.0.0.1", server.port))
        sock.sendall((f"GET /board/ws HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      f"Sec-WebSocket-Version: 13\r\nCookie: {cookie}\r\n\r\n").encode())
        board = server.manager.board
        for _ in range(100):
            await asyncio.sleep(0.01)
            if board.viewers:
                break
        assert board.viewers
        for _ in range(300):  # each second a new floor (its "now" moves), pushed to the viewer
            wall[0] += 1
            board.push()
            await asyncio.sleep(0)
        assert server.fanout.closed == 1
    finally:
        sock.close()
        await server.stop()


async def test_another_sites_page_cannot_open_the_board_socket(server):
    cookie = await cookie_for(server.port)
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with connect(f"ws://127.0.0.1:{server.port}/board/ws", origin="http://evil.example",
                           additional_headers={"Cookie": cookie}):
            pass
    assert refused.value.response.status_code == 403


async def board_socket(server, cookie: str):
    ws = await connect(f"ws://127.0.0.1:{server.port}/board/ws", additional_headers={"Cookie": cookie})
    first = json.loads(await ws.recv())
    assert first["type"] == "board"
    return ws, first["floor"]


async def act(ws, **action) -> dict:
    await ws.send(json.dumps({"id": 7, **action}))
    while True:
        message = json.loads(await ws.recv())
        if message["type"] in ("reply", "error"):
            return message


async def test_a_reader_looks_but_may_not_act(server):
    ws, floor = await board_socket(server, await cookie_for(server.port, "reader", "demo-reader"))
    assert [c["id"] for c in floor["counters"]] == [c.id for c in server.site.counters]
    answer = await act(ws, type="open_counter", counter="5")
    assert answer["code"] == "not_allowed"
    assert server.office.desks["5"].state == "closed"
    await ws.close()


async def test_a_supervisors_actions_are_events_naming_them(server, terminal):
    kiosk = await terminal("kiosk-1")
    await kiosk.request(p.Draw(id=0, service="residence", lang="uk", request="m-1"))
    await kiosk.request(p.Draw(id=0, service="residence", lang="de", request="m-2"))
    ws, _ = await board_socket(server, await cookie_for(server.port))
    assert (await act(ws, type="open_counter", counter="5"))["type"] == "reply"
    assert (await act(ws, type="move", ticket="A002", front=True))["type"] == "reply"
    assert (await act(ws, type="move", ticket="A001", service="info"))["type"] == "reply"
    assert (await act(ws, type="move", ticket="A404", front=True))["code"] == "unknown_ticket"
    assert (await act(ws, type="close_counter", counter="5"))["type"] == "reply"
    await ws.close()
    events = server.store.events_of(server.office.day)
    acted = [(e.kind, getattr(e, "counter", None) or getattr(e, "number", None)) for e in events if e.by == "manager"]
    assert acted == [("counter_opened", "5"), ("ticket_transferred", "A002"), ("ticket_transferred", "A001"),
                     ("counter_closed", "5")]
    assert server.office.tickets["A001"].service == "info"
    assert server.office.tickets["A002"].front


async def test_an_announcement_needs_german_and_an_end_later_today(server):
    ws, _ = await board_socket(server, await cookie_for(server.port))
    now = server.clock()
    assert (await act(ws, type="announce", texts={"en": "Hello"}, until=now + 600))["code"] == "bad_request"
    assert (await act(ws, type="announce", texts={"de": "Hallo"}, until=now - 1))["code"] == "bad_request"
    assert (await act(ws, type="announce", texts={"de": "Hallo", "xx": "?"}, until=now + 60))["code"] == "bad_request"
    await ws.close()
    assert server.office.announcements == {}



async def test_a_ticket_waiting_for_a_closed_counter_is_an_alert_naming_both(server, terminal):
    """A transfer to a closed counter is refused now (server/core/counter.py), but a log written
    before holds such tickets: only that counter would call them. The board names the number and
    the counter until the team leader moves it."""
    from server.core import events as ev

    kiosk, one = await terminal("kiosk-1"), await terminal("counter-1")
    await kiosk.request(p.Draw(id=0, service="info", lang="ar", request="s-1"))
    await one.request(p.Open(id=0))
    number = (await one.request(p.Next(id=0))).ticket.number
    with pytest.raises(ServerError) as refused:
        await one.request(p.Transfer(id=0, to_counter="3", front=False))
    assert refused.value.code == "not_allowed"
    office = server.office

    def logged_before(now: float) -> None:  # the event an older version wrote for "T 9" to counter 3
        events = office._begin(now)
        office._emit(events, ev.TicketTransferred(at=now, number=number, service="info", target="3", front=False))

    await server.writer.submit(logged_before)
    ws, floor = await board_socket(server, await cookie_for(server.port))
    stranded = [a["text"] for a in floor["alerts"] if a["kind"] == "stranded"]
    assert stranded == [f"{number} wartet auf Schalter 3, der geschlossen ist: dort ruft niemand die Nummer auf. "
                        "Bitte mit „Wartende Nummer verschieben“ in eine Warteschlange geben."]
    assert (await act(ws, type="move", ticket=number, front=True))["type"] == "reply"
    while True:  # the next push: the alert cleared
        message = json.loads(await ws.recv())
        if message["type"] == "board" and not any(a["kind"] == "stranded" for a in message["floor"]["alerts"]):
            break
    assert office.tickets[number].target is None and office.tickets[number].state == "waiting"
    await ws.close()


# ---- in Chromium ---------------------------------------------------------------------------

async def axe_violations(page) -> list:
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(f"axe.run(document, {AXE_OPTIONS})")
    return [(v["id"], [n["target"] for n in v["nodes"]]) for v in result["violations"]]


async def signed_in_page(browser, server, name="manager", password="demo-manager", *, size=(1600, 1000), **options):
    page = await browser.new_page(viewport={"width": size[0], "height": size[1]}, **options)
    await page.goto(f"http://127.0.0.1:{server.port}/board")
    assert page.url.endswith("/signin")
    await page.fill("#name", name)
    await page.fill("#password", password)
    await page.click("button[type=submit]")
    await page.wait_for_url("**/board")
    await page.wait_for_selector("#status[data-state=online]")
    return page


async def test_sign_in_in_chromium_wrong_password_refused_then_throttled(server, browser):
    page = await browser.new_page()
    await page.goto(f"http://127.0.0.1:{server.port}/signin")
    assert await axe_violations(page) == []
    await page.fill("#name", "manager")
    free = server.site.limits.signin_free_pair  # this address never signed in as manager: no place of theirs
    for attempt in range(free + 1):
        await page.fill("#password", f"wrong-{attempt}")
        await page.click("button[type=submit]")
        await page.wait_for_function("document.getElementById('problem').textContent !== ''")
        problem = await page.inner_text("#problem")
        # the sign-in speaks German before anyone is known (tests/test_staff_words.py: English on ?lang=en)
        assert problem == "Name oder Passwort falsch." if attempt < free else problem.startswith("Zu viele")
        await page.evaluate("document.getElementById('problem').textContent = ''")
    await page.fill("#password", "demo-manager")  # right, but locked
    await page.click("button[type=submit]")
    await page.wait_for_function("document.getElementById('problem').textContent.startsWith('Zu viele')")
    assert page.url.endswith("/signin")
    page = await signed_in_page(browser, server, "reader", "demo-reader")  # another name is not locked
    assert await page.inner_text("#me") == "reader (Lesezugriff)"
    assert await page.is_hidden("#announce")
    for form in ("#add-shift", "#add-exception"):  # a reader looks at the plan: no form to change it
        assert await page.is_hidden(form), form


async def test_the_board_follows_calls_printers_and_announcements_in_chromium(server, terminal, browser):
    kiosk, counter = await terminal("kiosk-1"), await terminal("counter-5")
    await counter.request(p.Open(id=0))
    await kiosk.request(p.Draw(id=0, service="residence", lang="ar", request="b-1"))
    # a manager's laptop in another time zone still reads the office's clock
    site_tz, laptop_tz = ZoneInfo(server.site.timezone), "America/New_York"
    assert datetime.now(site_tz).utcoffset() != datetime.now(ZoneInfo(laptop_tz)).utcoffset()
    page = await signed_in_page(browser, server, timezone_id=laptop_tz)
    assert await axe_violations(page) == []
    for lang in server.site.languages:  # the announcement form names languages, never tags
        assert await page.inner_text(f"label[for='text-{lang}']") == languages.name(lang, "de")  # the board language

    await counter.request(p.Next(id=0))
    row = "#counters tr[data-counter='5']"
    await page.wait_for_function(f"document.querySelector(\"{row}\").textContent.includes('A001')")
    assert "Arabisch" in await page.inner_text(row) and ", ar," not in await page.inner_text(row)

    before = datetime.fromtimestamp(server.clock(), site_tz).strftime("%H:%M")
    await kiosk.request(p.Printer(id=0, state="paper_out"))
    alert = "#alerts li[data-key='printer:kiosk-1']"
    await page.wait_for_selector(alert)
    after = datetime.fromtimestamp(server.clock(), site_tz).strftime("%H:%M")
    assert "Papier leer" in await page.inner_text(alert)
    assert (await page.inner_text(alert)).split(" ")[0] in (before, after)
    await kiosk.request(p.Printer(id=0, state="ok"))
    await page.wait_for_selector(alert, state="detached")
    assert await page.locator("#cleared li[data-key='printer:kiosk-1']").count() == 1

    display = await browser.new_page(viewport={"width": 1920, "height": 1080})
    await display.goto(f"http://127.0.0.1:{server.port}/display")
    await display.wait_for_selector("body[data-state=online]")
    await page.fill("#text-de", "Heute schließt das Amt um 12 Uhr.")
    await page.fill("#text-en", "The office closes at noon today.")
    now = datetime.fromtimestamp(server.clock(), site_tz)
    # an hour on, but today (an announcement ends the day it is made): from 23:00 the day's last minute
    until = min(now + timedelta(hours=1), now.replace(hour=23, minute=59, second=0, microsecond=0))
    await page.fill("#announce-until", until.strftime("%H:%M"))
    await page.click("#announce button[type=submit]")
    await page.wait_for_function("document.getElementById('announcements').textContent.includes('12 Uhr')")
    assert f"bis {until.strftime('%H:%M')}" in await page.inner_text("#announcements")
    await display.wait_for_selector("#announcement:not([hidden])")
    assert await display.inner_text("#announcement") in ("Heute schließt das Amt um 12 Uhr.",
                                                         "The office closes at noon today.")
    assert await axe_violations(display) == []
    assert await axe_violations(page) == []
    # how long is said as people say it: "1 h", not "1 h 0 min" (a review's queue table)
    assert await page.evaluate("[staffMinutes(840), staffMinutes(3600), staffMinutes(4500)]") == [
        "14 min", "1 h", "1 h 15 min"]


def test_the_pages_say_how_long_as_people_say_it():
    """The statistics and report say "1 h", not "1 h 0 min", as the board does."""
    from server.manager.words import StaffWords

    assert [StaffWords("de").minutes(s) for s in (840, 3600, 4500, 7200)] == ["14 min", "1 h", "1 h 15 min", "2 h"]
