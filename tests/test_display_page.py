"""The waiting-room page and the ticket status page in headless Chromium, on a real server."""

from __future__ import annotations

import io
import wave

import pytest

from config import strings
from server.wire import protocol as p
from server.edge.app import Server

from .conftest import ARTIFACTS, http_get

SCREEN = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}


def bare(text: str) -> str:
    """Without the isolates (LRI, PDI) that keep numbers in their own direction on RTL pages."""
    return text.replace("\u2066", "").replace("\u2069", "")


async def draw(kiosk, service: str, lang: str, request: str) -> p.Reply:
    return await kiosk.request(p.Draw(id=0, service=service, lang=lang, request=request))


async def test_the_display_shows_and_speaks_a_call_and_marks_a_recall(server, terminal, browser):
    kiosk, counter = await terminal("kiosk-1"), await terminal("counter-5")
    await counter.request(p.Open(id=0))
    await draw(kiosk, "residence", "ar", "d-1")
    page = await browser.new_page(viewport=SCREEN)
    speech = []
    page.on("response", lambda r: speech.append((r.url.split("/")[-1], r.status, r.headers.get("content-type")))
            if "/speech/" in r.url else None)
    await page.goto(f"http://127.0.0.1:{server.port}/display")
    await page.wait_for_selector("body[data-state=online]")

    await counter.request(p.Next(id=0))
    await page.wait_for_function("document.getElementById('now-number').textContent === 'A001'")
    assert await page.inner_text("#now-counter") == "↑ Schalter 5"
    assert await page.inner_text("#now-text") == "الرقم A001، يرجى التوجه إلى الشباك 5."
    assert await page.get_attribute("#now-text", "dir") == "rtl"
    assert await page.is_hidden("#now-repeat")

    await counter.request(p.Recall(id=0))
    await page.wait_for_selector("#now-repeat:not([hidden])")
    assert await page.inner_text("#now-repeat") != ""
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "display-call.png"))

    queued = await page.evaluate("window.willkommen.queued")
    assert queued == [{"number": "A001", "recall": 0}, {"number": "A001", "recall": 1}]
    heard = "window.willkommen.heard.map(h => h.lang).join(' ')"
    await page.wait_for_function(f"{heard}.startsWith('de ar')", timeout=20_000)  # gong, German, Arabic
    assert speech and all(status in (200, 206) and kind == "audio/wav" for _, status, kind in speech)


async def test_before_the_first_call_the_now_spot_is_empty_not_a_bar(server, terminal, browser):
    """A review's TV showed "–" at the call's size before anyone was called: a solid white bar,
    like a broken element. Now nothing, and the panel keeps the height it has with a number."""
    page = await browser.new_page(viewport=SCREEN)
    await page.goto(f"http://127.0.0.1:{server.port}/display")
    await page.wait_for_selector("body[data-state=online]")
    assert await page.evaluate("document.getElementById('now-number').textContent") == ""
    idle = await page.evaluate("document.getElementById('now').getBoundingClientRect().height")
    await page.screenshot(path=str(ARTIFACTS / "display-idle.png"))
    kiosk, counter = await terminal("kiosk-1"), await terminal("counter-5")
    await counter.request(p.Open(id=0))
    await draw(kiosk, "residence", "uk", "idle-1")
    await counter.request(p.Next(id=0))
    await page.wait_for_function("document.getElementById('now-number').textContent === 'A001'")
    assert await page.evaluate("document.getElementById('now').getBoundingClientRect().height") == idle
    await page.close()


async def test_a_no_show_leaves_the_now_spot_and_the_list_keeps_the_rest(server, terminal, browser):
    kiosk, counter, other = await terminal("kiosk-1"), await terminal("counter-5"), await terminal("counter-6")
    for c in (counter, other):
        await c.request(p.Open(id=0))
    await draw(kiosk, "residence", "de", "n-1")
    await draw(kiosk, "residence", "de", "n-2")
    page = await browser.new_page(viewport=SCREEN)
    await page.goto(f"http://127.0.0.1:{server.port}/display")
    await page.wait_for_selector("body[data-state=online]")
    await counter.request(p.Next(id=0))
    await other.request(p.Next(id=0))
    await page.wait_for_function("document.getElementById('now-number').textContent === 'A002'")
    assert await page.inner_text("#calls") == "A001\n↑ 5"
    await other.request(p.NoShow(id=0))
    await page.wait_for_function("document.getElementById('now-number').textContent === 'A001'")
    assert await page.inner_text("#calls") == ""


async def test_a_zone_display_shows_only_its_counters(server, terminal, browser):
    kiosk, admin = await terminal("kiosk-1"), await terminal("admin")
    for counter in ("3", "5"):
        await admin.request(p.Open(id=0, counter=counter))
    await draw(kiosk, "residence", "de", "z-1")
    await draw(kiosk, "passport", "de", "z-2")
    page = await browser.new_page(viewport=SCREEN)
    await page.goto(f"http://127.0.0.1:{server.port}/display?terminal=display-ground&token=demo-display-ground")
    await page.wait_for_selector("body[data-state=online]")
    assert await page.evaluate("window.willkommen.zones") == ["ground-floor"]  # from the site config
    assert (await page.evaluate("window.willkommen.languages"))[:3] == ["de", "ar", "uk"]
    upstairs = await browser.new_page(viewport=SCREEN)
    await upstairs.goto(f"http://127.0.0.1:{server.port}/display?zone=first-floor")
    await upstairs.wait_for_selector("body[data-state=online]")
    await admin.request(p.Next(id=0, counter="5"))  # first floor: not for the ground-floor screen
    await admin.request(p.Next(id=0, counter="3"))
    await page.wait_for_function("document.getElementById('now-number').textContent === 'D001'")
    await upstairs.wait_for_function("document.getElementById('now-number').textContent === 'A001'")
    assert "A001" not in await page.inner_text("main") and "D001" not in await upstairs.inner_text("main")


async def test_the_display_reconnects_after_a_server_restart_and_shows_the_same_state(tmp_path, site, browser):
    server = Server(site, tmp_path / "o.sqlite3", always_open=True)
    port = await server.start("127.0.0.1", 0)
    from server.wire.session import ClientSession

    from .conftest import token

    async with ClientSession(f"ws://127.0.0.1:{port}/", role="admin", terminal="admin", token=token("admin")) as admin:
        await admin.ready()
        await admin.request(p.Open(id=0, counter="1"))
        async with ClientSession(f"ws://127.0.0.1:{port}/", role="kiosk", terminal="kiosk-1",
                                 token=token("kiosk-1")) as kiosk:
            await kiosk.ready()
            await draw(kiosk, "info", "uk", "r-1")
            await draw(kiosk, "info", "uk", "r-2")
        page = await browser.new_page(viewport=SCREEN)
        await page.goto(f"http://127.0.0.1:{port}/display")
        await page.wait_for_selector("body[data-state=online]")
        await admin.request(p.Next(id=0, counter="1"))
        await page.wait_for_function("document.getElementById('now-number').textContent === 'F001'")

        await server.stop()
        await page.wait_for_selector("body[data-state=offline]")
        offline_words = {strings(lang)["display.offline"] for lang in site.languages}
        assert await page.inner_text("#offline") in offline_words  # said in one of the display's languages
        server = Server(site, tmp_path / "o.sqlite3", always_open=True)
        await server.start("127.0.0.1", port)
        try:
            await page.wait_for_selector("body[data-state=online]", timeout=15_000)
            assert await page.inner_text("#now-number") == "F001"  # resynced from the snapshot
            assert await page.is_hidden("#offline")
            assert await page.get_attribute("#queues li[data-service=info]", "data-waiting") == "1"
        finally:
            await server.stop()


async def test_speech_is_a_real_recording_in_german_and_arabic(server):
    for lang, text in [("de", "Nummer A017, bitte zu Schalter 3."), ("ar", "الرقم A017، يرجى التوجه إلى الشباك 3.")]:
        key = server.speech.register(lang, text)
        status, headers, body = await http_get(f"http://127.0.0.1:{server.port}{server.speech.url(key)}")
        assert status == 200 and headers["Content-Type"] == "audio/wav"
        with wave.open(io.BytesIO(body)) as recording:
            seconds = recording.getnframes() / recording.getframerate()
        assert 1.0 < seconds < 10.0, (lang, seconds)
    status, _, _ = await http_get(f"http://127.0.0.1:{server.port}/speech/{'0' * 20}.wav")
    assert status == 404  # only what the server announced itself


async def test_without_a_speech_engine_the_page_speaks_itself(tmp_path, site, browser):
    server = Server(site, tmp_path / "o.sqlite3", always_open=True)
    server.speech.engine = None
    port = await server.start("127.0.0.1", 0)
    from server.wire.session import ClientSession

    from .conftest import token

    try:
        async with ClientSession(f"ws://127.0.0.1:{port}/", role="admin", terminal="admin",
                                 token=token("admin")) as admin:
            await admin.ready()
            page = await browser.new_page(viewport=SCREEN)
            await page.goto(f"http://127.0.0.1:{port}/display")
            await page.wait_for_selector("body[data-state=online]")
            await admin.request(p.Open(id=0, counter="1"))
            async with ClientSession(f"ws://127.0.0.1:{port}/", role="kiosk", terminal="kiosk-1",
                                     token=token("kiosk-1")) as kiosk:
                await kiosk.ready()
                await draw(kiosk, "info", "fa", "s-1")
            await admin.request(p.Next(id=0, counter="1"))
            await page.wait_for_function("window.willkommen.heard.length === 3", timeout=20_000)
            heard = await page.evaluate("window.willkommen.heard")
            assert [(h["lang"], h["url"]) for h in heard] == [("de", None), ("fa", None), ("en", None)]
        assert server.health()["speech"].startswith("browser")
    finally:
        await server.stop()


async def test_the_ticket_status_page_follows_the_visitor_in_arabic(server, terminal, browser):
    kiosk, counter = await terminal("kiosk-1"), await terminal("counter-5")
    await draw(kiosk, "residence", "de", "s-0")
    mine = await draw(kiosk, "residence", "ar", "s-1")
    phone = await browser.new_page(viewport=PHONE)
    await phone.clock.install()  # the page asks every 4 s (ticket.js POLL_MS): the test skips to the next ask
    await phone.goto(f"http://127.0.0.1:{server.port}/t/{mine.ticket.token}")
    assert await phone.get_attribute("html", "dir") == "rtl" and await phone.get_attribute("html", "lang") == "ar"
    assert await phone.inner_text("#number") == "A002"
    assert bare(await phone.inner_text("#headline")) == "عدد الأشخاص قبلك: 1"
    ARTIFACTS.mkdir(exist_ok=True)
    await phone.screenshot(path=str(ARTIFACTS / "status-ar-waiting.png"))

    await counter.request(p.Open(id=0))
    await counter.request(p.Next(id=0))
    await counter.request(p.Finish(id=0, outcome="done"))
    await phone.clock.fast_forward(4_000)
    await phone.wait_for_function("document.getElementById('headline').textContent.includes('\u20660\u2069')",
                                  timeout=10_000)
    await counter.request(p.Next(id=0))
    await phone.clock.fast_forward(4_000)
    await phone.wait_for_selector("body.turn", timeout=10_000)
    assert bare(await phone.inner_text("#headline")) == "حان دورك! يرجى التوجه إلى الشباك 5."
    await phone.screenshot(path=str(ARTIFACTS / "status-ar-called.png"))
    assert "residence" not in await phone.content() and "kiosk" not in await phone.content()


@pytest.mark.parametrize("accept, expected", [
    ("ar,en;q=0.8", "هذا الرقم غير صالح (أو لم يعد صالحاً). يرجى السؤال في مكتب الاستعلامات."),
    ("uk-UA,uk;q=0.9", "Цей номер недійсний (або вже недійсний). Будь ласка, зверніться до довідкової."),
    ("ja-JP,zh;q=0.5", "Diese Nummer ist nicht (mehr) gültig. Bitte wenden Sie sich an die Information."),
])
async def test_an_unknown_ticket_gets_a_friendly_404_in_the_phones_language(server, browser, accept, expected):
    context = await browser.new_context(extra_http_headers={"Accept-Language": accept})
    phone = await context.new_page()
    response = await phone.goto(f"http://127.0.0.1:{server.port}/t/not-a-real-token")
    assert response.status == 404
    assert await phone.inner_text("#headline") == expected
    assert await phone.locator("#number").count() == 0  # no empty "your number"
