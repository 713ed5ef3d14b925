"""Sessions and the manager's pages against a stranger on the network: a sign-out closes the
open board at once; another site can neither sign a browser in as its own account (login
CSRF) nor sign it out (logout CSRF), nor frame the board; a sign-out holds across a restart
of the server (SQLite and PostgreSQL); password checks yield the cores; HSTS on every answer under TLS; scrypt N=2^17; a
weak or garbled hash stops the server at start naming the person; the demo's public passwords
are not served beyond this machine. Real server, real sockets, Chromium where a browser acts;
the "other site" is a small HTTP server of the test on 127.0.0.2 (another host: cross-site)
or on 127.0.0.1 at another port (same-site)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import ssl
import subprocess
import sys
import threading
import tomllib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from config import ConfigError, default_path, parse_site
from config.command import Words
from server.edge.app import Server
from server.manager.pages import STATISTICS, returning_to
from server.manager.people import SCRYPT, check_password, hash_password
from server.wire import protocol as p
from server.wire.session import ClientSession

from .conftest import ROOT, ServerProcess, always_open_config, demo_data, make_site, token
from .test_manager_board import browser_cookie, cookie_for, get_with, sign_in, signed_in_page


@pytest.fixture
async def server(tmp_path):
    server = Server(make_site(), tmp_path / "office.sqlite3", always_open=True)
    await server.start("127.0.0.1", 0)
    yield server
    await server.stop()


async def test_a_signed_out_cookie_stays_signed_out_after_a_restart(tmp_path, store_db):
    """A copied cookie, or one a browser kept because it missed the sign-out's answer, is not
    taken up again by the next server; a cookie that was not signed out still is."""
    config = str(always_open_config(tmp_path))
    server = ServerProcess(store_db, "--config", config)
    try:
        kept, ended = await cookie_for(server.port), await cookie_for(server.port)
        status, headers, _ = await get_with(f"http://127.0.0.1:{server.port}/signout", ended)
        assert status == 303 and "Max-Age=0" in headers["Set-Cookie"]
        assert (await get_with(f"http://127.0.0.1:{server.port}/board", ended))[0] == 303
    finally:
        assert server.stop() == 0
    again = ServerProcess(store_db, "--config", config)
    try:
        status, headers, _ = await get_with(f"http://127.0.0.1:{again.port}/board", ended)
        assert status == 303 and headers["Location"] == "/signin"
        assert (await get_with(f"http://127.0.0.1:{again.port}/board", kept))[0] == 200
        async with connect(f"ws://127.0.0.1:{again.port}/board/ws", additional_headers={"Cookie": kept}) as board:
            assert json.loads(await board.recv())["type"] == "board"
        with pytest.raises(Exception, match="401"):
            await connect(f"ws://127.0.0.1:{again.port}/board/ws", additional_headers={"Cookie": ended})
    finally:
        assert again.stop() == 0


async def test_password_checks_run_at_the_lowest_cpu_priority(server):
    """Each guess a stranger floods the sign-in page with may cost a password check (scrypt,
    ~0.3 s of a core at N=2^17): those threads yield the cores to the event loop that answers
    the kiosks' draws (nice 19; `bench.hostile` measures the draws)."""
    await cookie_for(server.port)  # one check, right
    await sign_in(server.port, "manager", "a wrong guess", await browser_cookie(server.port))
    checking = [thread for thread in threading.enumerate() if thread.name.startswith("willkommen-password")]
    assert checking
    for thread in checking:
        with open(f"/proc/self/task/{thread.native_id}/stat", encoding="ascii") as stat:
            assert int(stat.read().rsplit(")", 1)[1].split()[16]) == 19  # the thread's nice value


class OtherSite:
    """A page of another site, served from `host` (the attacker's, or a same-site neighbour's)."""

    def __init__(self, host: str, html: str):
        page = html.encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.url = f"http://{host}:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


async def test_signing_out_closes_the_open_board_at_once(server):
    cookie = await cookie_for(server.port)
    kiosk = ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal="kiosk-1", token=token("kiosk-1"))
    async with kiosk, connect(f"ws://127.0.0.1:{server.port}/board/ws",
                              additional_headers={"Cookie": cookie}) as board:
        await kiosk.ready()
        assert json.loads(await board.recv())["type"] == "board"
        status, headers, _ = await get_with(f"http://127.0.0.1:{server.port}/signout", cookie)
        assert status == 303 and "Max-Age=0" in headers["Set-Cookie"]
        await kiosk.request(p.Draw(id=0, service="residence", lang="de", request="after-sign-out"))
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                frame = json.loads(await asyncio.wait_for(board.recv(), 30))
                waiting = {q["service"]: q["waiting"] for q in frame["floor"]["queues"]}
                assert waiting.get("residence", 0) == 0, "the signed-out board still sees the floor"
        assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4401, "you have signed out")


async def test_another_site_cannot_sign_a_browser_in_as_its_own_account(server, browser):
    """Login CSRF: the attacker signs in as `reader` from a script, then sends the victim's
    browser to /signin/done with that code. The victim stays signed out."""
    attacker_browser = await browser_cookie(server.port)
    code = (await sign_in(server.port, "reader", "demo-reader", attacker_browser))["code"]
    done = f"http://127.0.0.1:{server.port}/signin/done?code={code}"
    other = OtherSite("127.0.0.2", f'<a id="go" href="{done}">win a prize</a>')
    victim = await browser.new_context()
    try:
        page = await victim.new_page()
        await page.goto(f"http://127.0.0.1:{server.port}/signin")  # the victim has seen the form before
        await page.goto(other.url)
        async with page.expect_navigation():
            await page.click("#go")
        assert not [c for c in await victim.cookies() if c["name"] == "willkommen_session" and c["value"]]
        await page.goto(f"http://127.0.0.1:{server.port}/board")
        assert page.url.endswith("/signin")  # not signed in as the attacker
    finally:
        await victim.close()
        other.close()
    # the attacker's own browser, had it followed the link, would be signed in: the code was
    # bound to it, not to whoever opens the link (the victim's try used it up: sign in again)
    code = (await sign_in(server.port, "reader", "demo-reader", attacker_browser))["code"]
    status, headers, _ = await get_with(f"{done.split('?')[0]}?code={code}", attacker_browser)
    assert status == 303 and "willkommen_session=" in headers["Set-Cookie"]


async def test_another_site_cannot_sign_a_browser_out(server, browser):
    page = await signed_in_page(browser, server)
    other = OtherSite("127.0.0.2", f'<img src="http://127.0.0.1:{server.port}/signout" alt="">'
                                   f'<a id="go" href="http://127.0.0.1:{server.port}/signout">news</a>')
    try:
        await page.goto(other.url)
        async with page.expect_navigation():
            await page.click("#go")
        await page.goto(f"http://127.0.0.1:{server.port}/board")
        await page.wait_for_selector("#status[data-state=online]")
        assert page.url.endswith("/board")  # still signed in
        await page.click("a[href='/signout']")  # the board's own link signs out
        await page.wait_for_url("**/signin")
        await page.goto(f"http://127.0.0.1:{server.port}/board")
        assert page.url.endswith("/signin")
    finally:
        await page.context.close()
        other.close()


async def test_no_page_of_the_manager_side_can_be_framed(server, browser):
    cookie = await cookie_for(server.port)
    base = f"http://127.0.0.1:{server.port}"
    for path in ("/signin", "/board", "/board/board.js", "/board/me.json", "/stats", "/report.html", "/signout"):
        _, headers, _ = await get_with(base + path, cookie)
        assert headers["X-Frame-Options"] == "DENY", path
        assert headers["Content-Security-Policy"] == "frame-ancestors 'none'", path
        assert "Strict-Transport-Security" not in headers  # plain HTTP: no HSTS
    page = await signed_in_page(browser, server)
    neighbour = OtherSite("127.0.0.1", f'<iframe id="board" src="{base}/board" width="800" height="600"></iframe>')
    try:
        await page.goto(neighbour.url)  # same site (same host, another port): still not framed
        await page.wait_for_timeout(1500)
        framed = [frame for frame in page.frames if frame is not page.main_frame]
        assert framed
        for frame in framed:  # Chromium shows its error page in the frame, not the board
            assert await frame.locator("#counters").count() == 0
    finally:
        await page.context.close()
        neighbour.close()


async def test_under_tls_every_answer_of_the_port_says_hsts(tmp_path):
    """Not only the manager's pages: the waiting-room page, a visitor's ticket page, files,
    a 404, a 405, a refused upgrade and a terminal's accepted wss:// upgrade all say it, once."""
    import http.client

    import trustme

    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1")
    certificate.private_key_and_cert_chain_pem.write_to_path(str(tmp_path / "server.pem"))
    certificate.private_key_pem.write_to_path(str(tmp_path / "server.key"))
    server = Server(make_site(tls_cert=str(tmp_path / "server.pem"), tls_key=str(tmp_path / "server.key")),
                    tmp_path / "o.sqlite3", always_open=True)
    port = await server.start("127.0.0.1", 0)
    trusted = ssl.create_default_context()
    authority.configure_trust(trusted)

    def ask(method: str, path: str, **headers: str):
        conn = http.client.HTTPSConnection("127.0.0.1", port, context=trusted, timeout=30)
        conn.request(method, path, headers=headers)
        response = conn.getresponse()
        response.read()
        conn.close()
        return response

    upgrade = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
               "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Origin": "https://elsewhere.example"}
    asked = [("GET", "/signin", {}), ("GET", "/", {}), ("GET", "/healthz", {}), ("GET", "/display", {}),
             ("GET", "/display/fonts.css", {}), ("GET", "/t/no-such-ticket", {}), ("GET", "/nothing-here", {}),
             ("HEAD", "/display", {}), ("POST", "/display", {}), ("GET", "/feedback/ws", upgrade)]
    try:
        answers = {(method, path): await asyncio.to_thread(ask, method, path, **headers)
                   for method, path, headers in asked}
        assert answers["GET", "/signin"].status == 200 and "Secure" in answers["GET", "/signin"].getheader("Set-Cookie")
        assert answers["GET", "/nothing-here"].status == 404 and answers["POST", "/display"].status == 405
        assert answers["GET", "/feedback/ws"].status == 403  # another site's page: refused upgrade
        for (method, path), response in answers.items():
            assert response.headers.get_all("Strict-Transport-Security") == ["max-age=15552000"], (method, path)
        async with connect(f"wss://127.0.0.1:{port}/", ssl=trusted) as ws:
            assert ws.response.headers.get_all("Strict-Transport-Security") == ["max-age=15552000"]
    finally:
        await server.stop()


def test_new_hashes_are_scrypt_2_17_and_old_2_14_hashes_still_verify():
    stored = hash_password("a long passphrase")
    assert stored.startswith("scrypt$131072$8$1$") and SCRYPT["n"] == 2**17
    assert check_password("a long passphrase", stored)
    demo = next(person for person in make_site().people if person.name == "manager")
    assert demo.password_hash.startswith("scrypt$16384$") and check_password("demo-manager", demo.password_hash)


@pytest.mark.parametrize("stored, says", [
    # PBKDF2 with 1 iteration: loads and signs in today
    ("pbkdf2_sha256$1$MDEyMzQ1Njc4OWFiY2RlZg==$" + "A" * 43 + "=", "PBKDF2 with 1 iteration is too weak"),
    ("scrypt$16384$8$1$Ykt0WILq2IdsKoUIyDBiA$L_Ik9PhQ9qUzQMGav6woMUWWtDeUyNwMJgpdxvIDMlg=", "salt is not URL-safe base64"),
    ("scrypt$1000$8$1$Ykt0WILq2IdsKoUIyDBiAA==$L_Ik9PhQ9qUzQMGav6woMUWWtDeUyNwMJgpdxvIDMlg=", "N=1000 must be a power of two"),
    ("scrypt$16384$8$1$Ykt0WILq2IdsKoUIyDBiAA==$L_Ik9PhQ9qU=", "hash has 8 bytes, at least 32"),
])
def test_a_weak_or_garbled_hash_is_refused_at_start_naming_the_person_and_the_file(tmp_path, stored, says):
    data = demo_data()
    reader = data["people"][1]["password_hash"]
    data["people"][1]["password_hash"] = stored
    with pytest.raises(ConfigError, match="reader's hash"):
        parse_site(data, file="office.toml")
    site_file = tmp_path / "office.toml"  # the demo's file with the reader's hash replaced
    site_file.write_text(default_path().read_text(encoding="utf-8").replace(reader, stored), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "server", "--config", str(site_file), "--db", str(tmp_path / "o.db"),
                          "--port", "0"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert run.returncode == 2
    assert "Die Datei office.toml ist so nicht verwendbar (people[1].password_hash: reader's hash: " in run.stderr \
        and says in run.stderr


def test_the_demo_passwords_are_not_served_beyond_this_machine(tmp_path):
    run = subprocess.run([sys.executable, "-m", "server", "--host", "0.0.0.0", "--port", "0",
                          "--db", str(tmp_path / "o.db")], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert run.returncode == 2
    assert "lauscht nicht auf 0.0.0.0: manager, reader, anna, ben melden sich noch mit dem öffentlichen Passwort" in run.stderr
    assert not (tmp_path / "o.db").exists()  # refused before anything was opened


@pytest.mark.parametrize("change, reach", [
    (('public_url = "http://127.0.0.1:8765"', 'public_url = "https://wetzlar.willkommen.example"'),
     "public_url ist https://wetzlar.willkommen.example"),
    (("[site]", '[limits]\nproxies = ["127.0.0.1"]\n\n[site]'), "hinter dem Proxy 127.0.0.1")])
def test_the_demo_passwords_are_not_served_behind_a_proxy_either(tmp_path, change, reach):
    """An IT provider's server listens on 127.0.0.1 behind nginx: an admin who started from the
    demo's site file was served with manager / demo-manager to the internet, unwarned."""
    site = tmp_path / "office.toml"
    site.write_text(default_path().read_text(encoding="utf-8").replace(*change, 1), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "server", "--config", str(site), "--host", "127.0.0.1", "--port", "0",
                          "--db", str(tmp_path / "o.db")], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert run.returncode == 2, run.stderr
    assert "manager, reader, anna, ben melden sich noch mit dem öffentlichen Passwort der Demo an" in run.stderr
    assert f"von außerhalb dieses Rechners erreichbar ({reach}" in run.stderr
    assert not (tmp_path / "o.db").exists()


def test_the_demo_tokens_are_refused_where_the_passwords_are():
    """No demo password left, but the terminals still on the README's tokens: a
    stranger could draw, or book as the admin terminal; one that sets its own tokens is served."""
    from server.manager.demo_secrets import public_passwords_refusal

    text = default_path().read_text(encoding="utf-8").replace('public_url = "http://127.0.0.1:8765"',
                                                              'public_url = "https://giessen.willkommen.example"', 1)
    site = parse_site(tomllib.loads(text), file="office.toml", folder=default_path().parent)
    site = dataclasses.replace(site, people=())  # (a hash of their own each: the same, slower to check)
    said = public_passwords_refusal(site, "127.0.0.1", Words("de"))
    assert said is not None and "die Terminals kiosk-1, kiosk-2" in said and "öffentliche Token der Demo" in said
    assert public_passwords_refusal(site, "0.0.0.0", Words("de")).startswith(
        "lauscht nicht auf 0.0.0.0: die Terminals kiosk-1")
    mine = dataclasses.replace(site, terminals=tuple(dataclasses.replace(t, token=f"eigen-{t.id}") for t in site.terminals))
    assert public_passwords_refusal(mine, "127.0.0.1", Words("de")) is None


async def test_a_session_lasts_its_minutes_to_the_second_not_hours(tmp_path):
    """`[manager] session_minutes` are minutes: the cookie's Max-Age says so, the session is
    alive one second before they are over and gone when they are (on the monotonic clock)."""
    steady = [1000.0]
    site = make_site()
    server = Server(site, tmp_path / "office.sqlite3", always_open=True, monotonic=lambda: steady[0])
    await server.start("127.0.0.1", 0)
    base, seconds = f"http://127.0.0.1:{server.port}", site.manager.session_minutes * 60
    try:
        browser = await browser_cookie(server.port)
        code = (await sign_in(server.port, "manager", "demo-manager", browser))["code"]
        _, headers, _ = await get_with(f"{base}/signin/done?code={code}", browser)
        assert f"Max-Age={seconds};" in headers["Set-Cookie"]
        cookie = headers["Set-Cookie"].split(";")[0]
        steady[0] += seconds - 1
        assert (await get_with(f"{base}/board/me.json", cookie))[0] == 200
        steady[0] += 1
        status, headers, _ = await get_with(f"{base}/board/me.json", cookie)
        assert (status, headers["Location"]) == (303, "/signin")
    finally:
        await server.stop()


async def test_signing_out_ends_the_clerks_counter_in_the_browser_at_once(server, browser):
    from .test_counter_page import clerk_page

    page = await clerk_page(browser, server, counter_key="1")  # anna at counter 1, online
    try:
        session = next(c["value"] for c in await page.context.cookies() if c["name"] == "willkommen_session")
        status, _, _ = await get_with(f"http://127.0.0.1:{server.port}/signout", f"willkommen_session={session}")
        assert status == 303  # signed out (from another tab of hers, say)
        await page.wait_for_url("**/signin?to=counter*")  # her counter page did not stay at work
        assert not [s for s in server.terminals.sessions.values() if s.terminal == "person-anna"]
    finally:
        await page.context.close()


async def test_signing_in_after_opening_the_statistics_comes_back_to_them(server, browser):
    """A manager opens a statistics link while signed out: after the sign-in the same page, with
    its query, not the board."""
    asked = "/stats?period=month&value=2026-11&by=service"
    page = await browser.new_page()
    try:
        await page.goto(f"http://127.0.0.1:{server.port}{asked}")
        assert page.url.endswith("/signin?to=%2Fstats%3Fperiod%3Dmonth%26value%3D2026-11%26by%3Dservice")
        await page.fill("#name", "manager")
        await page.fill("#password", "demo-manager")
        await page.click("button[type=submit]")
        await page.wait_for_url(f"**{asked}")
        await page.wait_for_selector('nav a[href="/stats"][aria-current=page]')
    finally:
        await page.close()


EVERYWHERE_ELSE = ("//evil.example/stats", "https://evil.example/stats", "http:/stats", "/\\evil.example",
                   "/%2F%2Fevil.example", "/board/../../evil", "javascript:alert(1)", "/signout", "stats", "")


async def test_the_page_returned_to_after_a_sign_in_is_only_a_statistics_page_of_this_server(server, browser):
    """No open redirect: a sign-in link made by someone else (`/signin?to=//evil.example/…`)
    ends on this server's board, for each of the tricks; `/stats` with its query is kept."""
    base = f"http://127.0.0.1:{server.port}"
    for to in (*EVERYWHERE_ELSE, "/stats?period=year&value=2026", "/report.pdf?month=2026-11"):
        browser_id = await browser_cookie(server.port)
        answer = await sign_in(server.port, "manager", "demo-manager", browser_id)
        status, headers, _ = await get_with(f"{base}/signin/done?code={answer['code']}&to={quote(to, safe='')}",
                                            browser_id)
        expected = to if to.startswith(("/stats", "/report")) else "/board"
        assert (status, headers["Location"]) == (303, expected), to
    page = await browser.new_page()  # and the page itself takes the address along, not elsewhere
    try:
        await page.goto(f"{base}/signin?to={quote('//evil.example/stats', safe='')}")
        await page.fill("#name", "manager")
        await page.fill("#password", "demo-manager")
        await page.click("button[type=submit]")
        await page.wait_for_url(f"{base}/board")
    finally:
        await page.close()


@settings(max_examples=300, deadline=None)
@given(st.text() | st.sampled_from(EVERYWHERE_ELSE).map(lambda s: s + "?a=b\r\nSet-Cookie: x=1"))
def test_whatever_to_says_the_sign_in_returns_only_to_a_path_of_this_server(to):
    page = returning_to(to)
    if page is not None:
        url = urlsplit(page)
        assert page.startswith("/") and not page.startswith("//") and not url.scheme and not url.netloc
        assert url.path in STATISTICS and not any(c in page for c in "\r\n\\ ")
