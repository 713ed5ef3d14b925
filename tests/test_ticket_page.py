"""The visitor's phone page (/t/<token>) in headless Chromium on a real server: every language
waiting, called, offline and expired passes axe-core (WCAG 2.1 A and AA) and fits 360 x 640 and
412 x 915 (at 360 x 640 whole, without scrolling, waiting, offline and called), the call shows the
counter's direction, "notify me" rings after one tap, and a server that cannot be reached is
said, with the time the page last heard from it."""

from __future__ import annotations

import pytest
import pytest_asyncio

from config import strings
from server.edge.app import Server

from .browser import FIT_PROBLEMS, PHONE, axe_violations, chromium
from .conftest import make_site
from .test_display_fit import FAST, LANGS, Office
from .conftest import ARTIFACTS
from .test_feedback_pages import PHONES, SCREENSHOTS

pytestmark = pytest.mark.asyncio(loop_scope="module")


def plain(text: str) -> str:
    """Without the direction isolates (LRI, PDI) an Arabic or Persian page puts around numbers."""
    return text.replace("\u2066", "").replace("\u2069", "")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser():
    async with chromium() as browser:
        yield browser


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def office(tmp_path_factory):
    folder = tmp_path_factory.mktemp("phone")
    server = Server(make_site(kiosk_draws_per_minute=FAST), folder / "office.sqlite3", always_open=True)
    await server.start("127.0.0.1", 0)
    office = await Office(server).start()
    for _ in range(3):  # people before every visitor below
        await office.draw("residence", "de")
    yield office
    await office.close()
    await server.stop()


async def open_ticket(browser, office: Office, lang: str):
    reply = await office.draw("residence", lang)
    phone = await browser.new_page(viewport=PHONE)
    await phone.goto(f"{office.url}/t/{reply.ticket.token}")
    return phone, reply.ticket.number


async def called(phone, office: Office, number: str) -> None:
    await office.call(number, "3")
    await phone.evaluate("ticketPage.refresh()")
    await phone.wait_for_selector("body.turn")


async def fits_phones(phone, state: str) -> list[str]:
    """What does not fit at the small phone sizes (and at the test's own); the page may scroll down."""
    found = []
    for size in (PHONES["360x640"], PHONES["412x915"], PHONE):
        await phone.set_viewport_size(size)
        found += [f"{state} {size['width']}x{size['height']}: {p}" for p in await phone.evaluate(FIT_PROBLEMS, True)]
    return found


@pytest.mark.parametrize("lang", LANGS)
async def test_waiting_and_called_pass_axe_in_every_language(browser, office, lang):
    phone, number = await open_ticket(browser, office, lang)
    words = strings(lang)
    assert await phone.get_attribute("html", "lang") == lang
    assert await phone.locator("main h1").inner_text() == f"{words['status.title']}\n{number}"
    assert await phone.is_hidden("#where")
    assert await phone.is_visible("#notify") and await phone.is_visible(".note")
    waiting = await axe_violations(phone)
    cut = await fits_phones(phone, "waiting")

    await phone.route("**/t/*.json", lambda route: route.abort())  # the server out of reach
    await phone.evaluate("ticketPage.refresh()")
    await phone.wait_for_selector("#offline:not([hidden])")
    assert await phone.is_hidden("#updated")
    offline = await axe_violations(phone)
    cut += await fits_phones(phone, "offline")
    await phone.unroute("**/t/*.json")

    await called(phone, office, number)
    assert await phone.inner_text("#where") == f"→ {words['call.counter'].format(counter='3')}"
    assert plain(await phone.inner_text("#headline")) == words["status.your_turn"].format(counter="3")
    assert await phone.is_hidden("#notify") and await phone.is_hidden(".note")  # the call has come
    turn = await axe_violations(phone)
    cut += await fits_phones(phone, "called")
    await office.finish("3")
    await phone.evaluate("ticketPage.refresh()")
    await phone.wait_for_selector("body[data-state=done]")
    assert await phone.is_hidden("#notify") and await phone.is_hidden(".note")
    await phone.reload()  # the server's own page for a called or done ticket: no button either
    assert await phone.is_hidden("#notify")
    await phone.close()
    assert (waiting, offline, turn, cut) == ([], [], [], [])


@pytest.mark.parametrize("lang", ["ar", "fa"])
async def test_a_range_reads_low_to_high_inside_arabic_and_persian(browser, office, lang):
    phone, _ = await open_ticket(browser, office, lang)
    low, high = await phone.evaluate("""() => {
        const text = document.getElementById('detail').firstChild, range = document.createRange();
        const [, low, high] = text.textContent.match(/(\\d+)\\s*[–-]\\s*(\\d+)/);
        const left = (digits) => { const at = text.textContent.indexOf(digits);
            range.setStart(text, at); range.setEnd(text, at + digits.length); return range.getBoundingClientRect().left; };
        return [left(low), left(high)];
    }""")
    assert low < high
    await phone.close()


async def test_notify_me_rings_once_when_the_turn_comes(browser, office):
    phone, number = await open_ticket(browser, office, "ar")
    button = phone.locator("#notify")
    assert await button.inner_text() == strings("ar")["status.notify"]
    assert strings("ar")["status.notify_note"] in await phone.inner_text("main")  # what it cannot do, said
    await button.click()
    assert await button.get_attribute("aria-pressed") == "true"
    assert await button.inner_text() == strings("ar")["status.notify_on"]
    assert await phone.evaluate("ticketPage.rang") == 0
    await called(phone, office, number)
    await phone.evaluate("ticketPage.refresh()")  # still called: no second ring
    assert await phone.evaluate("ticketPage.rang") == 1
    await office.finish("3")
    await phone.close()


async def test_without_the_server_the_page_says_so_and_since_when(browser, tmp_path):
    server = Server(make_site(), tmp_path / "o.sqlite3", always_open=True)
    port = await server.start("127.0.0.1", 0)
    office = await Office(server).start()
    reply = await office.draw("info", "uk")
    phone = await browser.new_page(viewport=PHONE)
    try:
        await phone.goto(f"{office.url}/t/{reply.ticket.token}")
        heard = await phone.evaluate("ticketPage.lastHeard.toLocaleTimeString('uk', {hour: '2-digit', minute: '2-digit'})")
        await office.close()
        await server.stop()
        await phone.evaluate("ticketPage.refresh()")
        await phone.wait_for_selector("#offline:not([hidden])")
        assert await phone.inner_text("#offline") == strings("uk")["status.offline"].format(time=heard)
        assert await phone.is_hidden("#updated")  # no "updates by itself" while it cannot
        assert await axe_violations(phone) == []

        server = Server(make_site(), tmp_path / "o.sqlite3", always_open=True)
        await server.start("127.0.0.1", port)
        await phone.evaluate("ticketPage.refresh()")
        await phone.wait_for_selector("#offline", state="hidden")
        assert await phone.is_visible("#updated")
    finally:
        await phone.close()
        await server.stop()


@pytest.mark.parametrize("lang", LANGS)
async def test_an_unknown_ticket_is_said_once_in_the_phones_language(browser, office, lang):
    context = await browser.new_context(extra_http_headers={"Accept-Language": f"{lang},en;q=0.5"}, viewport=PHONE)
    phone = await context.new_page()
    response = await phone.goto(f"{office.url}/t/not-a-real-token")
    assert response.status == 404
    assert await phone.locator("main h1").inner_text() == strings(lang)["status.unknown"]
    text = await phone.inner_text("body")
    assert strings(lang)["status.updated"] not in text and strings(lang)["status.title"] not in text
    assert await phone.locator("#number, script").count() == 0  # no empty number, nothing polls
    assert await axe_violations(phone) == []
    await context.close()


SMALL = PHONES["360x640"]


async def whole_screen(phone, state: str, lang: str) -> list[str]:
    """What does not fit a small phone's screen without scrolling (FIT_PROBLEMS, no scroll)."""
    await phone.set_viewport_size(SMALL)
    if SCREENSHOTS:
        ARTIFACTS.mkdir(exist_ok=True)
        await phone.screenshot(path=ARTIFACTS / f"status-{lang}-{state}-360x640.png")
    return [f"{lang} {state}: {p}" for p in await phone.evaluate(FIT_PROBLEMS)]


@pytest.mark.parametrize("lang", LANGS)
async def test_a_small_phone_shows_the_whole_page_without_scrolling(browser, office, lang):
    """360 x 640 (a small phone, the longest language is Ukrainian): the number, the place,
    "notify me" and its note, the privacy link all on the screen, waiting, offline and called."""
    phone, number = await open_ticket(browser, office, lang)
    cut = await whole_screen(phone, "waiting", lang)
    await phone.route("**/t/*.json", lambda route: route.abort())
    await phone.evaluate("ticketPage.refresh()")
    await phone.wait_for_selector("#offline:not([hidden])")
    cut += await whole_screen(phone, "offline", lang)
    offline = await axe_violations(phone)
    await phone.unroute("**/t/*.json")
    await called(phone, office, number)
    cut += await whole_screen(phone, "called", lang)
    turn = await axe_violations(phone)
    await office.finish("3")
    await phone.close()
    assert (cut, offline, turn) == ([], [], [])
