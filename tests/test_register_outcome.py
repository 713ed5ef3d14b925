"""A visitor's registration and its outcome in headless Chromium, on a real server whose clock
the test moves (the demo office's `[access]`: registration from 14:00 the day before until
06:00, the draw at 06:05): a visitor registers on a phone in Arabic and sees "waiting" at the
entry's own address, then the place with its code as text and as a QR code and the time window;
a second registration of the same person, one after the window and one the server cannot be
reached for are each said in the visitor's language; a no-show's place comes to the next as
"come now"; and every outcome (waiting, won, not drawn) fits a 360 x 640 phone, 1280 x 720 and
1920 x 1080 in every site language and passes axe-core.

Set WILLKOMMEN_SCREENSHOTS=1 to keep PNGs in tests/artifacts/ (register-outcome-*.png)."""

from __future__ import annotations

import pytest

from config import strings
from server.wire import protocol as p
from server.wire.session import ClientSession

from .access_office import DAY, Clock, access_site, at, page, start, window_open
from .conftest import token
from .test_display_fit import LANGS
from .test_feedback_pages import PHONES
from .test_register_page import SIZES, look

pytestmark = pytest.mark.asyncio

TWO = {"services": ("residence", "extension"), "contingent": {"residence": 30, "extension": 0}}


def plain(text: str) -> str:
    """Without the direction isolates the page puts around times inside a sentence."""
    return text.replace("\u2066", "").replace("\u2069", "")


async def fill_in(phone, *, name: str = "Amina Haddad", born=("7", "3", "1991"), contact: str = "") -> None:
    await phone.check("input[value=residence]")
    await phone.fill("#name", name)
    for selector, text in zip(("#birth-day", "#birth-month", "#birth-year"), born):
        await phone.fill(selector, text)
    await phone.fill("#contact", contact)


async def test_a_visitor_registers_in_arabic_and_sees_the_place_after_the_draw(tmp_path, browser):
    clock = Clock(at("2026-12-07", "16:00"))
    server = await start(tmp_path / "o.sqlite3", clock, site=access_site())
    words = strings("ar")
    try:
        await server.access.tick()  # the window for DAY opens
        phone = await browser.new_page(viewport=PHONES["360x640"])
        url = f"http://127.0.0.1:{server.port}"
        await phone.goto(f"{url}/register?lang=ar")
        await fill_in(phone, contact="+49 170 1234567")
        await phone.click("#send")
        await phone.wait_for_url("**/register/*?lang=ar")
        entry = phone.url.split("/register/")[1].split("?")[0]
        assert server.office.entrant(entry)[1].lang == "ar"
        await phone.wait_for_function("document.body.dataset.state === 'waiting'")
        headline = plain(await phone.inner_text("#headline"))
        assert headline.startswith(words["register.waiting"].split("{draw_at}")[0])
        assert await phone.is_hidden("#place")
        assert await look(phone, "register-outcome-ar-waiting") == []

        await phone.goto(f"{url}/register?lang=ar")  # the phone remembers the way back
        assert await phone.is_visible("#mine")
        assert await phone.get_attribute("#mine-link", "href") == f"/register/{entry}?lang=ar"
        await fill_in(phone, name="amina  HADDAD")  # the same person, written otherwise
        await phone.click("#send")
        await phone.wait_for_selector("#error:not([hidden])")
        assert await phone.inner_text("#error") == words["register.error.already_registered"]
        assert await phone.inner_text("#name-error") == words["register.error.already_registered"]  # at the name
        assert phone.url.endswith("/register?lang=ar")  # nothing else happened

        clock.t = at(DAY, "06:05")
        await server.access.tick()  # the draw
        await phone.goto(f"{url}/register/{entry}?lang=ar")
        await phone.wait_for_function("document.body.dataset.state === 'won'")
        code = server.office.entrant(entry)[1].code
        assert await phone.inner_text("#code") == code
        assert await phone.inner_text("#headline") == words["register.won"]
        assert await phone.get_attribute("#qr", "src") == f"/register/qr/{code}.svg"
        await phone.wait_for_function("document.getElementById('qr').naturalWidth > 0")
        window = plain(await phone.inner_text("#window"))
        assert window.startswith(words["register.window"].split("{start}")[0])
        assert await look(phone, "register-outcome-ar-won") == []
    finally:
        await server.stop()


async def test_a_registration_outside_the_window_is_said_with_the_windows_times(tmp_path, browser):
    server = await start(tmp_path / "o.sqlite3", Clock(at(DAY, "10:00")), site=access_site())
    try:
        await server.access.tick()
        phone = await browser.new_page(viewport=PHONES["360x640"])
        await phone.goto(f"http://127.0.0.1:{server.port}/register?lang=de")
        await fill_in(phone)
        await phone.click("#send")
        await phone.wait_for_selector("#error:not([hidden])")
        assert await phone.inner_text("#error") == strings("de")["register.error.window_closed"].format(
            opens="14:00", closes="06:00")
        assert await phone.evaluate("document.activeElement.id") == "error"  # a screen reader says it
    finally:
        await server.stop()


async def test_a_server_out_of_reach_is_said_and_nothing_is_lost(tmp_path, browser):
    server = await start(tmp_path / "o.sqlite3", Clock(at("2026-12-07", "16:00")), site=access_site())
    try:
        await server.access.tick()
        phone = await browser.new_page(viewport=PHONES["360x640"])
        await phone.goto(f"http://127.0.0.1:{server.port}/register?lang=uk")
        await fill_in(phone, name="Olena Kovalenko")
        await phone.route_web_socket("**/register/ws", lambda ws: ws.close())  # the line drops
        await phone.click("#send")
        await phone.wait_for_selector("#error:not([hidden])")
        assert await phone.inner_text("#error") == strings("uk")["register.error.offline"]
        assert await phone.input_value("#name") == "Olena Kovalenko"  # what was typed stays
        assert server.office.access_days[DAY].entries == {}
    finally:
        await server.stop()


async def test_a_no_shows_place_is_offered_to_the_next_as_come_now(tmp_path, browser):
    async with window_open(tmp_path, places=1) as (server, clock):
        async with page(server) as visitor:
            entries = [(await visitor.register(name, lang="fa"))["entry"] for name in ("Reza Ahmadi", "Sima Rahimi")]
        clock.t = at(DAY, "06:05")
        await server.access.tick()
        day = server.office.access_days[DAY]
        winner = next(e for e in entries if day.entries[e].state == "won")
        other = next(e for e in entries if e != winner)
        clock.t = day.entries[winner].window[1] + 60  # the winner's window passed: nobody came
        await server.access.tick()
        phone = await browser.new_page(viewport=PHONES["360x640"])
        await phone.goto(f"http://127.0.0.1:{server.port}/register/{other}?lang=fa")
        await phone.wait_for_function("document.body.dataset.state === 'offered'")
        assert await phone.inner_text("#headline") == strings("fa")["register.offered"]
        assert await phone.inner_text("#code") == day.entries[other].code
        assert await look(phone, "register-outcome-fa-offered") == []
        await phone.goto(f"http://127.0.0.1:{server.port}/register/{'x' * 20}?lang=fa")
        await phone.wait_for_function("document.body.dataset.state === 'gone'")
        assert await phone.inner_text("#headline") == strings("fa")["register.gone"]


async def test_every_outcome_fits_every_language_and_size_and_passes_axe(tmp_path, browser):
    clock = Clock(at("2026-12-07", "16:00"))
    server = await start(tmp_path / "o.sqlite3", clock, site=access_site(**TWO))
    found: dict[str, list[str]] = {}
    try:
        await server.access.tick()
        async with page(server) as visitor:  # per language: one who wins, one who cannot (0 places)
            entries = {lang: {service: (await visitor.register(f"{service} {lang} Haddad", lang=lang,
                                                               service=service))["entry"]
                              for service in ("residence", "extension")} for lang in LANGS}
        phone = await browser.new_page()
        for state, service in (("waiting", "residence"), ("won", "residence"), ("not_drawn", "extension")):
            if state == "won":
                clock.t = at(DAY, "06:05")
                await server.access.tick()
            for lang in LANGS:
                await phone.goto(f"http://127.0.0.1:{server.port}/register/{entries[lang][service]}?lang={lang}")
                await phone.wait_for_function(f"document.body.dataset.state === '{state}'")
                if state == "won":
                    await phone.wait_for_function("document.getElementById('qr').naturalWidth > 0")
                for size, viewport in SIZES.items():
                    await phone.set_viewport_size(viewport)
                    problems = await look(phone, f"register-outcome-{lang}-{state}-{size}")
                    if problems:
                        found[f"{lang} {state} {size}"] = problems
    finally:
        await server.stop()
    assert not found, "\n".join(f"{k}: {v}" for k, v in found.items())


async def test_each_refusal_is_said_at_its_field_in_the_visitors_language(tmp_path, browser):
    clock = Clock(at("2026-12-07", "16:00"))
    server = await start(tmp_path / "o.sqlite3", clock,
                         site=access_site(entries_per_contact=1, entries_per_address=2))
    words = strings("tr")
    try:
        await server.access.tick()
        async with page(server) as visitor:   # a family member gave this number already
            assert (await visitor.register("Omar Karimi", contact="+49 170 5550101"))["type"] == "registered"
        phone = await browser.new_page(viewport=PHONES["360x640"])

        async def said(**fields) -> str:
            await phone.goto(f"http://127.0.0.1:{server.port}/register?lang=tr")
            await fill_in(phone, **fields)
            if fields.get("name") == "Ali Demir":   # a service the office gives no places for
                await phone.evaluate("""() => { const box = document.querySelector('input[value=residence]');
                                                box.value = 'info'; box.checked = true; }""")
            await phone.click("#send")
            await phone.wait_for_selector("#error:not([hidden]), .field-error:not([hidden])")
            shown = phone.locator("#error:not([hidden]), .field-error:not([hidden])")
            return await shown.first.inner_text()

        assert await said(name="Ayşe Yılmaz", contact="not a number") == words["register.error.bad_contact"]
        assert await said(name="12 34") == words["register.error.bad_name"]
        assert await phone.inner_text("#name-error") == words["register.error.bad_name"]
        assert await said(name="Олена Коваленко") == words["register.error.bad_name"]  # refused before sending
        assert "Latin" in words["register.error.bad_name"]
        assert await said(name="Ali Demir") == words["register.error.unknown_service"]
        assert await said(name="Fatma Kaya", contact="+49 170 5550101") == words["register.error.contact_full"]
        await phone.goto(f"http://127.0.0.1:{server.port}/register?lang=tr")
        await fill_in(phone, name="Fatma Kaya")
        await phone.click("#send")
        await phone.wait_for_url("**/register/*?lang=tr")   # the second from this address
        assert await said(name="Mehmet Kaya") == words["register.error.too_many"]
    finally:
        await server.stop()
    assert len(server.office.access_days[DAY].entries) == 2


async def test_the_tickets_phone_page_says_the_passport_will_be_compared(tmp_path, browser):
    """A place won by lot, checked in: its ticket's phone page (/t/<token>) says so, and still
    fits a 360 x 640 phone without scrolling (Arabic, and the longest words)."""
    from server.wire import protocol as p
    from server.wire.session import ClientSession

    from .browser import FIT_PROBLEMS
    from .conftest import token

    clock = Clock(at("2026-12-07", "16:00"))
    server = await start(tmp_path / "o.sqlite3", clock, site=access_site())
    langs = ("ar", "uk", "ti")
    try:
        await server.access.tick()
        async with page(server) as visitor:
            entries = {lang: (await visitor.register(f"Amina Haddad {lang}", lang=lang))["entry"] for lang in langs}
        clock.t = at(DAY, "06:05")
        await server.access.tick()
        async with ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal="kiosk-1",
                                 token=token("kiosk-1")) as kiosk:
            await kiosk.ready()
            tickets = {lang: (await kiosk.request(p.Checkin(id=0, booking=server.office.entrant(e)[1].code,
                                                            lang=lang))).ticket for lang, e in entries.items()}
            walk_in = (await kiosk.request(p.Draw(id=0, service="residence", lang="ar", request="w"))).ticket
        phone = await browser.new_page(viewport=PHONES["360x640"])
        found = {}
        for lang, ticket in tickets.items():
            await phone.goto(f"http://127.0.0.1:{server.port}/t/{ticket.token}")
            assert await phone.inner_text("#registered") == strings(lang)["register.ticket_note"]
            found[lang] = await phone.evaluate(FIT_PROBLEMS)
        await phone.goto(f"http://127.0.0.1:{server.port}/t/{walk_in.token}")
        assert await phone.locator("#registered").count() == 0
    finally:
        await server.stop()
    assert found == {lang: [] for lang in langs}


async def test_the_form_names_the_day_it_registers_for_and_the_next_one_when_closed(tmp_path, browser):
    """The day a registration is for, as a date in the visitor's language: in the window the
    lottery day; after the window closed, the next lottery day and when its registration opens."""
    clock = Clock(at("2026-12-07", "15:00"))
    server = await start(tmp_path / "o.sqlite3", clock, site=access_site())
    try:
        phone = await browser.new_page(viewport=PHONES["360x640"])
        await phone.goto(f"http://127.0.0.1:{server.port}/register?lang=de")
        said = await phone.inner_text("#day")
        assert "Dienstag, 8. Dezember 2026" in said and "06:00" in said
        assert await phone.inner_text("label[for=birth-day]") == strings("de")["register.day"]  # not the lottery day
        await phone.goto(f"http://127.0.0.1:{server.port}/register?lang=uk")
        assert "8 грудня 2026" in await phone.inner_text("#day")
        clock.t = at("2026-12-08", "07:00")   # closed: the next is Wednesday's, opening Tuesday 14:00
        await phone.goto(f"http://127.0.0.1:{server.port}/register?lang=de")
        said = await phone.inner_text("#day")
        assert "Mittwoch, 9. Dezember 2026" in said and "Dienstag, 8. Dezember 2026" in said and "14:00" in said
        assert said.startswith("Die Anmeldung ist gerade geschlossen")
    finally:
        await server.stop()


async def test_not_drawn_says_a_place_freed_by_a_no_show_may_still_come(tmp_path, browser):
    """A waiting entry from the web page is offered a no-show's place (`Office.offer_place`):
    its "not drawn" page says that this may still happen today."""
    clock = Clock(at("2026-12-07", "15:00"))
    server = await start(tmp_path / "o.sqlite3", clock, site=access_site(contingent={"residence": 1}))
    try:
        await server.access.tick()
        async with page(server) as visitor:
            entries = [(await visitor.register(name, lang="de"))["entry"] for name in ("Amina Haddad", "Omar Karimi")]
        clock.t = at(DAY, "06:05")
        await server.access.tick()
        words = strings("de")
        phone = await browser.new_page(viewport=PHONES["360x640"])
        seen = {}
        for entry in entries:
            await phone.goto(f"http://127.0.0.1:{server.port}/register/{entry}?lang=de")
            await phone.wait_for_function("['won', 'not_drawn'].includes(document.body.dataset.state)")
            seen[await phone.evaluate("document.body.dataset.state")] = await phone.inner_text("#detail")
        assert words["register.not_drawn_offer"] in seen["not_drawn"]
        assert words["register.not_drawn_offer"] not in seen["won"]
    finally:
        await server.stop()


async def test_not_drawn_promises_a_freed_place_only_where_one_may_still_come(tmp_path, browser):
    """A service with no places has no place to give back: its "not drawn" never says one may
    come (the socket's `may_be_offered` and the page). Where a place was drawn it says so until
    that place can no longer come free: checked in, or too late today for another window."""
    clock = Clock(at("2026-12-07", "15:00"))
    server = await start(tmp_path / "o.sqlite3", clock,
                         site=access_site(services=("residence", "extension"), contingent={"residence": 1, "extension": 0}))
    kiosk = ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal="kiosk-1", token=token("kiosk-1"))
    try:
        await server.access.tick()
        async with page(server) as visitor:
            nowhere = (await visitor.register("Sara Tesfay", service="extension", lang="de"))["entry"]
            residence = [(await visitor.register(name, lang="de"))["entry"] for name in ("Amina Haddad", "Omar Karimi")]
        clock.t = at(DAY, "06:05")
        await server.access.tick()
        async with page(server) as visitor:
            seen = {entry: await visitor.outcome(entry) for entry in (nowhere, *residence)}
        assert seen[nowhere]["state"] == "not_drawn" and seen[nowhere].get("may_be_offered", False) is False
        lost = next(e for e in residence if seen[e]["state"] == "not_drawn")
        won = next(e for e in residence if seen[e]["state"] == "won")
        assert seen[lost]["may_be_offered"] is True
        words = strings("de")
        phone = await browser.new_page(viewport=PHONES["360x640"])
        await phone.goto(f"http://127.0.0.1:{server.port}/register/{nowhere}?lang=de")
        await phone.wait_for_function("document.body.dataset.state === 'not_drawn'")
        detail = await phone.inner_text("#detail")
        assert words["register.not_drawn_detail"] in detail and words["register.not_drawn_offer"] not in detail

        kiosk.start()
        await kiosk.ready()
        clock.t = seen[won]["window_start"]
        await kiosk.request(p.Checkin(id=0, booking=seen[won]["code"]))  # the only place came: none to give back
        async with page(server) as visitor:
            assert (await visitor.outcome(lost)).get("may_be_offered", False) is False
    finally:
        await kiosk.close()
        await server.stop()


async def test_not_drawn_stops_promising_a_freed_place_when_no_window_fits_before_closing(tmp_path):
    async with window_open(tmp_path, places=1) as (server, clock):
        async with page(server) as visitor:
            entries = [(await visitor.register(name, lang="de"))["entry"] for name in ("Amina Haddad", "Omar Karimi")]
        clock.t = at(DAY, "06:05")
        await server.access.tick()
        async with page(server) as visitor:
            seen = {entry: await visitor.outcome(entry) for entry in entries}
            lost = next(e for e in entries if seen[e]["state"] == "not_drawn")
            assert seen[lost]["may_be_offered"] is True
            closing = max(end for _, end in server.access.calendar.spans(DAY))
            clock.t = closing - server.site.access.window_minutes * 60 + 1  # no window fits any more today
            assert (await visitor.outcome(lost)).get("may_be_offered", False) is False
