"""Referrals end to end: a clerk under Pilot refers a Persian visitor to the job centre → the
card on the phone page (headless Chromium: fits, axe-core clean) and the slip through the TCP
printer emulator; a referral to the partner desk in the building is a transfer, same number."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from config import parse_site, strings
from server.wire import protocol as p
from server.edge.app import Server
from server.wire.session import ClientSession, ServerError

from .browser import FIT_PROBLEMS, axe_violations
from .conftest import ARTIFACTS, demo_data, http_get, token
from .escpos_decoder import CODE_PAGES, Paper, QRCode
from .printer_emulator import NetworkPrinter
from .test_counter_app import counter_app, text, until
from .test_display_fit import settled

PHONES = ({"width": 360, "height": 640}, {"width": 412, "height": 915})
JOBCENTRE_FA = "مرکز کاریابی (Jobcenter) موسترشتات"


@pytest.fixture
def printer():
    emulator = NetworkPrinter()
    yield emulator
    emulator.close()


@pytest.fixture
async def office(tmp_path, printer):
    """The demo office whose counter 5 has the emulated network printer for slips."""
    data = demo_data()
    data["site"]["kiosk_draws_per_minute"] = 100_000
    next(t for t in data["terminals"] if t["id"] == "counter-5")["printer"] = printer.url
    server = Server(parse_site(data, file="default.toml"), tmp_path / "printing.sqlite3", always_open=True)
    await server.start("127.0.0.1", 0)
    yield server
    await server.stop()


async def whole_height(page, width: int) -> None:
    """The screen made as tall as the page, again until the page stays that tall: the phone
    page is tighter on a screen under 700 px high (display/static/ticket.css), so a page
    measured there grows when the screen does."""
    for _ in range(4):
        height = await page.evaluate("document.scrollingElement.scrollHeight")
        await page.set_viewport_size({"width": width, "height": height})
        await settled(page)
        if await page.evaluate("document.scrollingElement.scrollHeight") <= height:
            return


async def fits_on_phones(page) -> None:
    """At each phone size: nothing wider than the screen, nothing cut (the page scrolls down,
    so the check runs over the whole page's height); axe-core clean (once: its rules do not
    depend on the width)."""
    for size in PHONES:
        await page.set_viewport_size(size)
        await settled(page)
        assert await page.evaluate("document.scrollingElement.scrollWidth") <= size["width"]
        await whole_height(page, size["width"])
        assert await page.evaluate(FIT_PROBLEMS) == [], size
    assert await axe_violations(page) == []


async def test_a_clerk_refers_a_persian_visitor_to_the_job_centre(office, printer, browser):
    url = f"ws://127.0.0.1:{office.port}/"
    kiosk = ClientSession(url, role="kiosk", terminal="kiosk-1", token=token("kiosk-1"))
    kiosk.start()
    await kiosk.ready()
    drawn = await kiosk.request(p.Draw(id=0, service="residence", lang="fa", request="fa-1"))
    await kiosk.close()
    app = counter_app(url)
    async with app.run_test(size=(130, 40)) as pilot:
        await until(pilot, lambda: app.board.desk is not None)
        await pilot.press("o", "o")
        await until(pilot, lambda: app.sub_title == "open")
        await pilot.press("n")
        await until(pilot, lambda: "A001" in text(app, "#current"))
        await pilot.press("v")
        await pilot.pause()
        listed = app.screen.query_one("#partners")
        labels = [str(listed.get_option_at_index(i).prompt) for i in range(listed.option_count)]
        assert labels == ["☐ [b]1[/b]  Migration counselling for adult immigrants (desk here: Migration counselling (MBE))",
                          "☐ [b]2[/b]  Language and culture mediation (welfare association) (card for the visitor)",
                          "☐ [b]3[/b]  Job centre Musterstadt (card for the visitor)"]
        await pilot.press("3", "v")
        await until(pilot, lambda: "Slip printed." in text(app, "#message"))
    assert office.office.tickets["A001"].referrals == ["jobcenter"]
    assert office.office.desks["5"].current == "A001"   # the clerk still finishes the visit

    paper = Paper(CODE_PAGES["TM-T20II"])
    paper.feed(bytes(printer.received))
    german = paper.lines
    for line in ("Empfehlung für Nummer", "A001", "Jobcenter Musterstadt", "Adresse",
                 "Bahnhofstraße 20, 65185 Musterstadt", "+49 611 000300", "https://jobcenter.example.org"):
        assert line in german, (line, german)
    images = [item for item in paper.items if isinstance(item, Image.Image)]
    assert len(images) >= 7                     # the Persian half: drawn, never raw Arabic-script bytes
    assert "مرکز".encode() not in bytes(printer.received)
    assert [q.data for q in paper.items if isinstance(q, QRCode)] == [office.site.partner("jobcenter").map]
    assert paper.items[-1] == "cut"

    status, _, body = await http_get(f"http://127.0.0.1:{office.port}/t/{drawn.ticket.token}.json")
    card = json.loads(body)["referrals"]["cards"][0]
    assert card["name"] == {"text": JOBCENTRE_FA, "lang": "fa", "dir": "rtl"} and card["tel"] == "tel:+49611000300"

    page = await browser.new_page(viewport=PHONES[0])
    await page.goto(f"http://127.0.0.1:{office.port}/t/{drawn.ticket.token}")
    words = strings("fa")
    await page.wait_for_selector("#referrals .card")
    assert await page.inner_text("#referrals h2") == words["referral.title"]
    assert await page.inner_text("#referrals h3") == JOBCENTRE_FA
    assert await page.get_attribute("#referrals h3", "dir") == "rtl"
    assert await page.get_attribute("a[href^='tel:']", "href") == "tel:+49611000300"
    assert await page.get_attribute("a[href^='tel:']", "dir") == "ltr"
    assert await page.inner_text(f"a[href='{card['map']}']") == words["referral.map"]
    dts = await page.locator("#referrals dt").all_inner_texts()
    assert dts == [words[f"referral.{k}"] for k in ("helps", "address", "hours", "phone", "web")]
    await fits_on_phones(page)
    ARTIFACTS.mkdir(exist_ok=True)  # to look at before a change to the page is called done
    await page.set_viewport_size(PHONES[0])
    await page.screenshot(path=str(ARTIFACTS / "referral-fa-360.png"), full_page=True)
    await page.close()


async def test_a_partner_desk_here_is_the_same_number_in_its_queue(server, terminal):
    kiosk, clerk, desk = await terminal("kiosk-1"), await terminal("counter-5"), await terminal("counter-mbe")
    await kiosk.request(p.Draw(id=0, service="counselling", lang="de", request="m-1"))
    drawn = await kiosk.request(p.Draw(id=0, service="residence", lang="ar", request="a-1"))
    await clerk.request(p.Open(id=0))
    await clerk.request(p.Next(id=0))
    reply = await clerk.request(p.Refer(id=0, partners=["mbe"], front=True))
    assert (reply.ticket.number, reply.ticket.service, reply.ticket.state) == ("A001", "counselling", "waiting")
    assert reply.desk.current is None
    await desk.request(p.Open(id=0))
    called = await desk.request(p.Next(id=0))
    assert called.ticket.number == "A001" and called.ticket.reason == "front"   # before M001: the clerk said so
    status, _, body = await http_get(f"http://127.0.0.1:{server.port}/t/{drawn.ticket.token}.json")
    shown = json.loads(body)
    assert shown["state"] == "called" and shown["referrals"] is None   # a desk here is a place, not a card
    with pytest.raises(ServerError) as refused:
        await desk.request(p.Refer(id=0, partners=["caritas"]))
    assert refused.value.code == "unknown_partner"
    with pytest.raises(ServerError) as refused:
        await kiosk.request(p.Refer(id=0, partners=["jobcenter"]))
    assert refused.value.code == "not_allowed"


async def test_the_cards_fit_phones_and_pass_axe_in_every_language(server, terminal, browser):
    kiosk, clerk = await terminal("kiosk-1"), await terminal("counter-5")
    await clerk.request(p.Open(id=0))
    tokens = {}
    for lang in server.site.languages:
        tokens[lang] = (await kiosk.request(p.Draw(id=0, service="residence", lang=lang, request=lang))).ticket.token
        await clerk.request(p.Next(id=0))
        await clerk.request(p.Refer(id=0, partners=["sprachmittlung", "jobcenter"]))
        await clerk.request(p.Finish(id=0, outcome="referred"))   # the card stays after the visit
    page = await browser.new_page(viewport=PHONES[0])
    for lang, ticket_token in tokens.items():
        await page.goto(f"http://127.0.0.1:{server.port}/t/{ticket_token}")
        await page.wait_for_selector("#referrals .card >> nth=1")
        assert await page.inner_text("#referrals h2") == server.site.words(lang)["referral.title"]
        names = await page.locator("#referrals h3").all_inner_texts()
        assert names == [server.site.partner(i).name(lang) for i in ("sprachmittlung", "jobcenter")]
        await fits_on_phones(page)
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / f"referral-{lang}-412.png"), full_page=True)


async def test_the_clerk_sends_a_visitor_to_the_desk_at_the_front_with_two_keys(server, url, terminal):
    kiosk = await terminal("kiosk-1")
    for n, service in enumerate(("counselling", "residence")):
        await kiosk.request(p.Draw(id=0, service=service, lang="uk", request=f"u-{n}"))
    app = counter_app(url)   # counter 5 has no printer in the demo: no slip, no printer opened
    async with app.run_test(size=(130, 40)) as pilot:
        await until(pilot, lambda: app.board.desk is not None)
        await pilot.press("o", "o")
        await until(pilot, lambda: app.sub_title == "open")
        await pilot.press("n")
        await until(pilot, lambda: "A001" in text(app, "#current"))
        await pilot.press("v", "1", "f", "v")
        await until(pilot, lambda: "A001 referred to: Migration counselling for adult immigrants"
                    in text(app, "#message"))
        await until(pilot, lambda: app.board.current is None)
        assert app.printer is None
    ticket = server.office.tickets["A001"]
    assert (ticket.service, ticket.front, ticket.referrals) == ("counselling", True, ["mbe"])
    assert list(server.office.waiting["counselling"]) == ["M001", "A001"]   # routing puts A001 first


async def test_a_printer_that_fails_is_said_and_the_card_is_still_on_the_phone(server, url, terminal, tmp_path):
    kiosk = await terminal("kiosk-1")
    drawn = await kiosk.request(p.Draw(id=0, service="info", lang="ar", request="ar-1"))
    app = counter_app(url, terminal="counter-2")
    app.printer_url = f"file://{tmp_path}/unplugged/lp0"   # a printer device that is not there
    async with app.run_test(size=(130, 40)) as pilot:
        await until(pilot, lambda: app.board.desk is not None)
        await pilot.press("o", "o")
        await until(pilot, lambda: app.sub_title == "open")
        await pilot.press("n")
        await until(pilot, lambda: "F001" in text(app, "#current"))
        await pilot.press("v", "2", "v")
        await until(pilot, lambda: "Slip not printed" in text(app, "#message"))
        assert "The card is on the visitor's phone page." in text(app, "#message")
    _, _, body = await http_get(f"http://127.0.0.1:{server.port}/t/{drawn.ticket.token}.json")
    assert [c["id"] for c in json.loads(body)["referrals"]["cards"]] == ["sprachmittlung"]


async def test_only_counters_and_admins_are_told_the_partners(server, terminal):
    welcomes = {name: (await terminal(name)).welcome for name in ("counter-5", "admin", "kiosk-1", "display-first")}
    assert [x.id for x in welcomes["counter-5"].site.partners] == ["mbe", "sprachmittlung", "jobcenter"]
    assert welcomes["admin"].site.partners == welcomes["counter-5"].site.partners
    assert welcomes["kiosk-1"].site.partners == [] and welcomes["display-first"].site.partners == []
