"""The info desk registers a caller for the day's places by lot from the floor board (Chromium,
real server, the demo's people): the form offers only the services given by lot and the
caller's language, the server marks the entry as the desk's, the answer and every refusal are
in the staff's German, the page passes axe-core, and the caller's name appears nowhere on the
board."""

from __future__ import annotations

from .access_office import DAY, Clock, access_site, at, start
from .browser import axe_violations
from .test_manager_board import signed_in_page


async def register(page, name: str, born: str, *, lang: str = "ar", contact: str = "") -> str:
    await page.select_option("#desk-lang", lang)
    await page.fill("#desk-name", name)
    await page.fill("#desk-birth", born)
    await page.fill("#desk-contact", contact)
    await page.click("#desk-form button[type=submit]")
    await page.wait_for_function("document.getElementById('desk-answer').textContent !== ''")
    return await page.inner_text("#desk-answer")


async def test_the_info_desk_registers_a_caller_in_their_language(tmp_path, browser):
    server = await start(tmp_path / "o.sqlite3", Clock(at("2026-12-07", "16:00")), site=access_site())
    try:
        await server.access.tick()
        page = await signed_in_page(browser, server, "manager", "demo-manager")   # the information desk (a reader may not)
        assert await page.is_visible("#desk-form")
        assert await page.eval_on_selector_all("#desk-service option", "o => o.map(x => x.value)") == ["residence"]
        assert await page.inner_text("#desk-lang option[value=ps]") == "Paschtu"
        assert await axe_violations(page) == []
        said = await register(page, "Omar Karimi", "1988-11-02", contact="+49 170 5550101")
        entries = list(server.office.access_days[DAY].entries.values())
        assert [(e.via, e.lang, e.service, e.contact) for e in entries] == [("desk", "ar", "residence", "sms")]
        entry = entries[0].entry
        assert said.startswith("Angemeldet für den 8.12.2026. Verlosung: 06:05.")
        assert said.endswith(f"/register/{entry}?lang=ar")
        assert await page.input_value("#desk-name") == ""   # ready for the next caller

        again = await register(page, "omar karimi", "1988-11-02")
        assert again == "Diese Person ist für diesen Tag schon angemeldet."
        assert "Omar" not in await page.inner_text("main")   # no name on the board itself
        assert len(server.office.access_days[DAY].entries) == 1
    finally:
        await server.stop()


async def test_outside_the_window_the_desk_is_told_in_german(tmp_path, browser):
    server = await start(tmp_path / "o.sqlite3", Clock(at(DAY, "10:00")), site=access_site())
    try:
        await server.access.tick()
        page = await signed_in_page(browser, server)
        assert await register(page, "Sara Tesfay", "1999-01-01") == "Die Anmeldung ist gerade geschlossen."
    finally:
        await server.stop()


async def test_an_office_without_a_lottery_shows_no_form(tmp_path, browser):
    server = await start(tmp_path / "o.sqlite3", Clock(at(DAY, "10:00")), site=access_site(services=()))
    try:
        page = await signed_in_page(browser, server)
        assert await page.is_hidden("#desk")
    finally:
        await server.stop()
