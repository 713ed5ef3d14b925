"""The counter in the browser (/counter), end to end in Chromium against a real server: a clerk
signs in, picks a counter the site file lets them staff, and serves visitors with the keys of the
Textual counter only. The server refuses a counter the person may not staff, and a counter
another person works at; the page takes up its counter again after a server restart, with the
visitor still at the desk."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets

from server.edge.app import Server
from server.wire import protocol as p
from server.wire.session import ClientSession

from .browser import FIT_PROBLEMS, axe_violations
from .conftest import make_site, token
from .test_staff_words import PAGE_TEXT, catalogue_words, data_words, stray

LARGE, SMALL = {"width": 1920, "height": 1080}, {"width": 1366, "height": 768}
CURRENT = "#current .number"


@pytest.fixture
async def office(tmp_path):
    server = Server(make_site(), tmp_path / "office.sqlite3", always_open=True)
    await server.start("127.0.0.1", 0)
    yield server
    await server.stop()


@pytest.fixture
async def kiosk(office):
    session = ClientSession(f"ws://127.0.0.1:{office.port}/", role="kiosk", terminal="kiosk-1", token=token("kiosk-1"))
    session.start()
    await session.ready()
    yield session
    await session.close()


DRAWN = iter(range(10**6))


async def draw(kiosk, service="info", lang="ar", *, interpreter=False) -> str:
    reply = await kiosk.request(p.Draw(id=0, service=service, lang=lang, request=f"page-{next(DRAWN)}",
                                       interpreter=interpreter))
    return reply.ticket.number


async def clerk_page(browser, office, name="anna", password=None, *, viewport=SMALL, counter_key=None):
    """A clerk signed in on /counter (the sign-in sends them back there), at the counter whose
    picker key is `counter_key` (None: wherever the page goes by itself); a browser context of
    its own (page.context.new_page() is another tab of the same browser)."""
    page = await (await browser.new_context(viewport=viewport)).new_page()
    await page.goto(f"http://127.0.0.1:{office.port}/counter")
    assert page.url.endswith("/signin?to=counter")
    await page.fill("#name", name)
    await page.fill("#password", password or f"demo-{name}")
    await page.press("#password", "Enter")
    await page.wait_for_url("**/counter")
    if counter_key is not None:
        await page.wait_for_selector("#picker:not([hidden]) button")
        await page.keyboard.press(counter_key)
        await page.wait_for_selector("body[data-state=online]")
    return page


async def key(page, *keys: str) -> None:
    for k in keys:
        await page.keyboard.press(k)


async def until_shown(page, selector, text):
    await page.wait_for_function("([s, t]) => (document.querySelector(s)?.textContent || '').includes(t)",
                                 arg=[selector, text])


async def open_counter(page, opened="geöffnet"):
    await key(page, "o")
    await page.wait_for_selector("#dialog[open]")
    await key(page, "o")
    await until_shown(page, "#desk-state", opened)


async def test_a_whole_visit_with_the_keyboard_only(office, kiosk, browser):
    page = await clerk_page(browser, office, counter_key="1")   # anna: counters 1, 2, 3
    assert await page.inner_text("#title") == "Schalter 1"
    await open_counter(page)
    number = await draw(kiosk, "info", "ar", interpreter=True)
    await until_shown(page, "#queues tr[data-service=info]", "1")
    await key(page, "n")
    await until_shown(page, CURRENT, number)
    current = await page.inner_text("#current")
    assert "Arabisch" in current and "Dolmetscher: Arabisch" in current and "aufgerufen" in current
    assert await page.get_attribute("#current", "aria-live") == "polite"
    assert await axe_violations(page) == []
    await key(page, "s")
    await until_shown(page, "#current", "in Bearbeitung")
    await key(page, "f")
    await page.wait_for_selector("#dialog[open]")
    assert await axe_violations(page) == []
    await key(page, "2")   # the second outcome: documents missing
    await until_shown(page, "#handled", f"{number} erledigt")
    assert office.office.tickets[number].state == "done"
    assert office.office.tickets[number].outcome == "documents-missing"
    assert await page.inner_text("#current") == "Niemand aufgerufen. Taste N ruft die nächste Person auf."


@pytest.mark.parametrize("outcome", range(len(make_site().outcomes)))
async def test_each_outcome_is_one_key_after_f(office, kiosk, browser, outcome):
    page = await clerk_page(browser, office, counter_key="1")
    await open_counter(page)
    number = await draw(kiosk)
    await key(page, "n")
    await until_shown(page, CURRENT, number)
    await key(page, "f", str(outcome + 1))
    await until_shown(page, "#handled", number)
    assert office.office.tickets[number].outcome == list(office.site.outcomes)[outcome]


async def test_enter_in_the_finish_dialog_takes_the_outcome_its_focus_ring_is_on(office, kiosk, browser):
    """(r-admin-4: Enter closed the dialog and did nothing, silently.) Enter takes the entry
    the focus is on, the first at the start; the arrow keys move it (as Textual's Enter does)."""
    page = await clerk_page(browser, office, counter_key="1")
    await open_counter(page)
    outcomes = list(office.site.outcomes)
    for step, arrows in enumerate((0, 1)):
        number = await draw(kiosk)
        await key(page, "n")
        await until_shown(page, CURRENT, number)
        await key(page, "f")
        await page.wait_for_selector("#dialog[open]")
        await key(page, *["ArrowDown"] * arrows, "Enter")
        await until_shown(page, "#handled", number)
        assert office.office.tickets[number].outcome == outcomes[arrows], step


async def test_no_show_recall_park_take_back_call_pause_end_of_shift_and_close(office, kiosk, browser):
    page = await clerk_page(browser, office, counter_key="1")
    await open_counter(page)
    first, second, third = [await draw(kiosk) for _ in range(3)]
    await key(page, "n")
    await until_shown(page, CURRENT, first)
    await key(page, "r")
    await until_shown(page, "#current", "1× erneut aufgerufen")
    await key(page, "x")
    await page.wait_for_selector("#dialog[open]")
    sent = await page.evaluate("window.willkommenCounter.nextId")
    await key(page, "n")   # no: nothing happens (N answers the dialog; it asks for no next visitor)
    await page.wait_for_selector("#dialog:not([open])", state="attached")
    await key(page, "r")
    await until_shown(page, "#current", "2× erneut aufgerufen")
    assert await page.evaluate("window.willkommenCounter.nextId") == sent + 1   # the recall alone
    await key(page, "x")
    await page.wait_for_selector("#dialog[open]")
    assert office.office.tickets[first].state == "called" and office.office.tickets[second].state == "waiting"
    await key(page, "j")
    await until_shown(page, "#handled", f"{first} nicht erschienen")
    assert office.office.tickets[second].state == "waiting"
    await key(page, "n")
    await until_shown(page, CURRENT, second)
    await key(page, "p")
    await until_shown(page, "#parked", second)
    await key(page, "c")
    await page.wait_for_selector("#dialog-input")
    await page.keyboard.type(third.lower())
    await key(page, "Enter")
    await until_shown(page, CURRENT, third)
    await key(page, "f", "1")
    await until_shown(page, "#handled", f"{third} erledigt")
    await key(page, "b", "1")   # take back the first parked number
    await until_shown(page, CURRENT, second)
    await key(page, "f", "1")
    await until_shown(page, "#handled", f"{second} erledigt")
    await key(page, "w")
    await page.wait_for_selector("#dialog-input")
    # the reason is stored with the counter (`retention_days`): the dialog says so before one is typed
    assert await page.inner_text("#dialog-title") == (
        "Grund der Pause (freiwillig). Er wird mit dem Schalter 90 Tage gespeichert – bitte keine Angaben "
        "zu Gesundheit oder Privatem.")
    await page.keyboard.type("Rückfrage")
    await key(page, "Enter")
    await until_shown(page, "#desk-state", "Pause: Rückfrage")
    await key(page, "w")
    await until_shown(page, "#desk-state", "geöffnet")
    await key(page, "e")   # a time already past today is refused, not taken as tomorrow's
    await page.wait_for_selector("#dialog-input")
    await page.keyboard.type("00:00")
    await key(page, "Enter")
    await until_shown(page, "#message", "00:00 ist heute schon vorbei. Bitte eine spätere Uhrzeit eingeben")
    assert office.office.desks["1"].closes_at is None and "bis" not in await page.inner_text("#desk-state")
    await key(page, "e")
    await page.wait_for_selector("#dialog-input")
    await page.keyboard.type("23:59")
    await key(page, "Enter")
    await until_shown(page, "#desk-state", "bis 23:59")
    assert office.office.desks["1"].closes_at is not None
    await key(page, "q")
    await until_shown(page, "#desk-state", "geschlossen")


TRANSFER_KEYS = list("123456789") + [c for c in "abcdefghijklmnopqrstuvwxyz" if c != "f"]


async def transfer_to(page, starts: str) -> list[str]:
    """Press T and the key of the dialog's entry that starts with `starts`; the entries shown."""
    await key(page, "t")
    await page.wait_for_selector("#dialog[open]")
    targets = await page.eval_on_selector_all("#dialog-body li", "items => items.map(i => i.textContent.trim())")
    index = next(i for i, text in enumerate(targets) if text[1:].strip().startswith(starts))
    await key(page, "f", TRANSFER_KEYS[index])
    return targets


async def test_transfer_and_referral(office, kiosk, browser):
    five = ClientSession(f"ws://127.0.0.1:{office.port}/", role="counter", terminal="counter-5",
                         token=token("counter-5"))
    five.start()
    await five.ready()
    await five.request(p.Open(id=0))   # residence, extension
    page = await clerk_page(browser, office, counter_key="1")
    await open_counter(page)
    first, second = await draw(kiosk, "info", "uk"), await draw(kiosk, "info", "fa")
    await key(page, "n")
    await until_shown(page, CURRENT, first)
    # the dialog says where the visitor would be called: each counter's state, each service's open counters
    targets = await transfer_to(page, "Schalter: 3")
    assert any(t.endswith("Schalter: 5 · geöffnet") for t in targets), targets
    assert any(t.endswith("Schalter: 3 · geschlossen") for t in targets), targets
    assert any(t.endswith("Allgemeine Auskunft · geöffnet: Schalter 1") for t in targets), targets
    assert any(t.endswith("Verlängerung des Aufenthaltstitels · geöffnet: Schalter 5") for t in targets), targets
    assert any(t.endswith("kein Schalter geöffnet") for t in targets), targets
    # counter 3 is closed: nobody would call the visitor there, so the server refuses, in German
    await until_shown(page, "#message", "Schalter 3 ist geschlossen: dort würde niemand die Nummer aufrufen.")
    assert office.office.tickets[first].counter == "1" and office.office.tickets[first].state == "called"
    await until_shown(page, CURRENT, first)
    await transfer_to(page, "Schalter: 5")
    await until_shown(page, "#message", f"{first} weitergeleitet an: Schalter 5")
    await until_shown(page, "#handled", f"{first} weitergeleitet an Schalter 5")
    await key(page, "n")
    await until_shown(page, CURRENT, second)
    await key(page, "v")
    await page.wait_for_selector("#dialog[open]")
    partners = await page.eval_on_selector_all("#dialog-body li", "items => items.map(i => i.textContent.trim())")
    card = next(i for i, text in enumerate(partners) if "Karte" in text)
    await key(page, str(card + 1), "v")
    await until_shown(page, "#message", f"{second} verwiesen an")
    assert "Telefonseite" in await page.inner_text("#message")
    ticket = office.office.tickets[second]
    assert ticket.referrals or ticket.state == "done"
    await five.close()



async def test_todays_history_says_what_this_counter_did_not_what_came_later(office, kiosk, browser):
    """"Heute bearbeitet" of counter 1 after a reload: its own transfer, though counter 8 has
    referred the visitor since; a visitor called when the counter closed went back to the
    queue, not "weitergeleitet" (review r-staff-2, findings 3 and 4)."""
    page = await clerk_page(browser, office, counter_key="1")
    await open_counter(page)
    first, second = await draw(kiosk, "info", "uk"), await draw(kiosk, "info", "fa")
    await key(page, "n")
    await until_shown(page, CURRENT, first)
    await transfer_to(page, "Dienstleistung: Verlängerung des Aufenthaltstitels")
    await until_shown(page, "#handled", f"{first} weitergeleitet an Verlängerung des Aufenthaltstitels")
    async with ClientSession(f"ws://127.0.0.1:{office.port}/", role="admin", terminal="admin",
                             token=token("admin")) as admin:
        await admin.ready()
        await admin.request(p.Open(id=0, counter="8"))
        await admin.request(p.Call(id=0, counter="8", ticket=first))
        await admin.request(p.Refer(id=0, counter="8", partners=["sprachmittlung"]))
    assert office.office.tickets[first].referrals == ["sprachmittlung"]
    await page.reload()
    await page.wait_for_selector("body[data-state=online]")
    await until_shown(page, "#handled", f"{first} weitergeleitet an Verlängerung des Aufenthaltstitels")
    assert "verwiesen" not in await page.inner_text("#handled")
    await key(page, "n")
    await until_shown(page, CURRENT, second)
    await key(page, "q")
    await page.wait_for_selector("#dialog[open]")
    await key(page, "j")
    await until_shown(page, "#desk-state", "geschlossen")
    await until_shown(page, "#handled", f"{second} zurück in die Warteschlange (Schalter geschlossen)")
    assert f"{second} weitergeleitet" not in await page.inner_text("#handled")
    assert office.office.tickets[second].state == "waiting"


async def test_two_clerks_at_once_and_a_counter_taken_or_not_allowed_is_refused(office, kiosk, browser):
    anna = await clerk_page(browser, office, counter_key="2")               # anna: 1, 2, 3 -> counter 2
    ben = await clerk_page(browser, office, "ben")                          # ben: 2, 6, 7
    await ben.wait_for_selector("#picker:not([hidden]) button")
    await key(ben, "1")                                                     # counter 2: taken
    await until_shown(ben, "#message", "counter 2 is staffed by anna")
    assert await ben.is_visible("#picker")
    assert "someone else" in await ben.inner_text("#counters")
    await key(ben, "2")                                                     # counter 6
    await ben.wait_for_selector("body[data-state=online]")
    assert await ben.inner_text("#title") == "Counter 6"                    # ben reads English
    await open_counter(anna)
    await open_counter(ben, "open")
    info, residence = await draw(kiosk, "info"), await draw(kiosk, "residence")
    await key(anna, "n")
    await key(ben, "n")
    await until_shown(anna, CURRENT, info)
    await until_shown(ben, CURRENT, residence)
    assert {office.office.tickets[info].counter, office.office.tickets[residence].counter} == {"2", "6"}

    # the page offers only her counters; asked for another, the server says no
    await anna.goto(f"http://127.0.0.1:{office.port}/counter?counter=6")
    await until_shown(anna, "#message", "anna may not staff counter '6'")
    assert office.office.desks["2"].current == info   # her visitor waits for her at counter 2
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in await anna.context.cookies())
    async with websockets.connect(f"ws://127.0.0.1:{office.port}/counter/ws",
                                  additional_headers={"Cookie": cookie}) as ws:
        await ws.send(json.dumps({"type": "hello", "role": "counter", "terminal": "7"}))
        with pytest.raises(websockets.ConnectionClosed):
            await ws.recv()
        assert ws.close_code == 4403
    with pytest.raises(websockets.InvalidStatus):   # no session: no socket
        async with websockets.connect(f"ws://127.0.0.1:{office.port}/counter/ws"):
            pass


async def test_the_page_takes_up_its_counter_again_after_a_server_restart(tmp_path, browser):
    site = make_site()
    first = Server(site, tmp_path / "office.sqlite3", always_open=True)
    port = await first.start("127.0.0.1", 0)
    async with ClientSession(f"ws://127.0.0.1:{port}/", role="kiosk", terminal="kiosk-1",
                             token=token("kiosk-1")) as kiosk:
        await kiosk.ready()
        number = await draw(kiosk)
    page = await clerk_page(browser, first, counter_key="1")
    await open_counter(page)
    await key(page, "n", "s")
    await until_shown(page, "#current", "in Bearbeitung")
    await first.stop()
    await page.wait_for_selector("body[data-state=offline]")
    assert await page.inner_text("#status") == "Keine Verbindung zum Server – verbinde neu …"
    second = Server(site, tmp_path / "office.sqlite3", always_open=True)
    await second.start("127.0.0.1", port)
    try:
        await page.wait_for_selector("body[data-state=online]", timeout=15_000)
        assert page.url.endswith("/counter")   # no new sign-in: the cookie's signature holds
        await until_shown(page, CURRENT, number)
        assert "in Bearbeitung" in await page.inner_text("#current")
        await key(page, "f", "1")
        await until_shown(page, "#handled", f"{number} erledigt")
        assert second.office.tickets[number].state == "done"
    finally:
        await second.stop()


@pytest.mark.parametrize("viewport", [SMALL, LARGE], ids=["1366x768", "1920x1080"])
async def test_the_desk_fits_and_passes_axe_with_a_long_day(office, kiosk, browser, viewport):
    page = await clerk_page(browser, office, viewport=viewport, counter_key="3")   # counter 3: three services
    await open_counter(page)
    for _ in range(12):   # a morning's visitors under "Heute bearbeitet"
        number = await draw(kiosk, "passport", "uk")
        await key(page, "n")
        await until_shown(page, CURRENT, number)
        await key(page, "f", "1")
        await until_shown(page, "#handled", number)
    assert "und 4 weitere" in await page.inner_text("#handled")
    for n in range(6):
        await draw(kiosk, ["passport", "card-pickup", "extension"][n % 3], ["ti", "prs", "ar"][n % 3], interpreter=True)
    for _ in range(4):
        await key(page, "n")
        await page.wait_for_function("document.querySelector('#current .number') !== null")
        await key(page, "p")
        await page.wait_for_function("!document.querySelector('#current .number')")
    await key(page, "n")
    await page.wait_for_selector(CURRENT)
    assert await page.evaluate(FIT_PROBLEMS) == []
    assert await axe_violations(page) == []
    await key(page, "t")
    await page.wait_for_selector("#dialog[open]")
    assert await page.evaluate(FIT_PROBLEMS) == []
    assert await axe_violations(page) == []


@pytest.mark.parametrize("name, lang", [("anna", "de"), ("ben", "en")])
async def test_the_counter_page_says_only_catalogue_words(office, kiosk, browser, name, lang):
    page = await clerk_page(browser, office, name, counter_key="1")
    await open_counter(page, "geöffnet" if lang == "de" else "open")
    await draw(kiosk, "passport" if name == "ben" else "info", "ti", interpreter=True)
    await key(page, "n")
    try:
        await page.wait_for_selector(CURRENT, timeout=8000)
    except Exception:
        raise AssertionError(await page.evaluate("[document.getElementById('message').textContent, "
                                                 "JSON.stringify(window.willkommenCounter.screen), "
                                                 "document.getElementById('dialog').open]"))
    counter = await page.evaluate("window.willkommenCounter")
    me = await page.evaluate("fetch('/counter/me.json').then((r) => r.json())")  # languages' CLDR names
    allowed = (catalogue_words(lang) | data_words(counter["site"]) | data_words(me["language_names"])
               | {name})
    assert stray(await page.evaluate(PAGE_TEXT), allowed) == []
    await key(page, "t")
    await page.wait_for_selector("#dialog[open]")
    assert stray(await page.evaluate(PAGE_TEXT), allowed) == []


@pytest.fixture
def printer():
    from .printer_emulator import NetworkPrinter

    emulator = NetworkPrinter()
    yield emulator
    emulator.close()


@pytest.mark.parametrize("working", [True, False], ids=["printer", "printer-gone"])
async def test_a_referral_slip_prints_on_the_counters_network_printer(tmp_path, browser, printer, working):
    from config import parse_site

    from .conftest import demo_data
    from .escpos_decoder import CODE_PAGES, Paper

    data = demo_data()
    data["site"]["kiosk_draws_per_minute"] = 100_000
    gone = NetworkPrinter_url_nobody_listens() if not working else printer.url
    next(c for c in data["counters"] if c["id"] == "1")["printer"] = gone
    server = Server(parse_site(data, file="default.toml"), tmp_path / "office.sqlite3", always_open=True)
    await server.start("127.0.0.1", 0)
    try:
        async with ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal="kiosk-1",
                                 token=token("kiosk-1")) as kiosk:
            await kiosk.ready()
            number = await draw(kiosk, "info", "de")
        page = await clerk_page(browser, server, counter_key="1")
        await open_counter(page)
        await key(page, "n")
        await until_shown(page, CURRENT, number)
        await key(page, "v")
        await page.wait_for_selector("#dialog[open]")
        partners = await page.eval_on_selector_all("#dialog-body li", "items => items.map(i => i.textContent.trim())")
        jobcenter = next(i for i, text in enumerate(partners) if "Jobcenter" in text)
        await key(page, str(jobcenter + 1), "v")
        if working:
            await until_shown(page, "#message", "Zettel gedruckt.")
            for _ in range(200):   # the emulator's thread reads what the server sent and closed
                paper = Paper(CODE_PAGES["TM-T20II"])
                paper.feed(bytes(printer.received))
                if number in paper.text:
                    break
                await asyncio.sleep(0.05)
            assert number in paper.text and "Jobcenter" in paper.text
        else:
            await until_shown(page, "#message", "Zettel nicht gedruckt")
            assert "Telefonseite" in await page.inner_text("#message")   # the card is on the phone
        assert server.office.tickets[number].referrals == ["jobcenter"]
    finally:
        await server.stop()


def NetworkPrinter_url_nobody_listens() -> str:
    import socket

    with socket.socket() as s:   # a port that was free a moment ago: nothing answers there
        s.bind(("127.0.0.1", 0))
        return f"tcp://127.0.0.1:{s.getsockname()[1]}"


async def test_a_pcs_bookmark_names_its_counter_through_the_sign_in(office, browser):
    page = await browser.new_page(viewport=SMALL)
    await page.goto(f"http://127.0.0.1:{office.port}/counter?counter=3")
    assert page.url.endswith("/signin?to=counter&counter=3")
    await page.fill("#name", "anna")
    await page.fill("#password", "demo-anna")
    await page.press("#password", "Enter")
    await page.wait_for_selector("body[data-state=online]")
    assert page.url.endswith("/counter?counter=3")
    assert await page.inner_text("#title") == "Schalter 3"


async def test_signed_out_in_another_tab_the_next_key_leads_to_the_sign_in(office, kiosk, browser):
    page = await clerk_page(browser, office, counter_key="1")
    await open_counter(page)
    other = await page.context.new_page()   # the same browser: the same session cookie
    await other.goto(f"http://127.0.0.1:{office.port}/counter")
    await other.click("a[href='/signout']")
    await other.wait_for_url("**/signin")
    await draw(kiosk)
    await key(page, "n")
    await page.wait_for_url("**/signin?to=counter&counter=1")
    assert office.office.desks["1"].current is None   # nothing was done without a sign-in


async def test_the_counter_socket_is_for_pages_of_this_server_only(office, browser):
    page = await clerk_page(browser, office, counter_key="1")
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in await page.context.cookies())
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with websockets.connect(f"ws://127.0.0.1:{office.port}/counter/ws", origin="http://evil.example",
                                      additional_headers={"Cookie": cookie}):
            pass
    assert refused.value.response.status_code == 403
