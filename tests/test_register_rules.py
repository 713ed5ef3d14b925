"""What the registration's forms check before sending agrees with what the server accepts
(server/core/lottery.py), over any input (hypothesis): the kiosk's date of birth and contact,
and the phone page's contact check (register.js) on the same tricky inputs in Chromium. A
form that let through what the server refuses would send the visitor a vaguer error; one that
refused what the server takes would shut a visitor out."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, strategies as st

from kiosk.register import birth_date, contact_ok
from server.core import lottery

from .conftest import examples
from .access_office import Clock, access_site, at, start

DIGITS = st.text(alphabet="0123456789", min_size=0, max_size=5)
CONTACTS = st.one_of(
    st.text(alphabet="0123456789+ -/()abc@.", max_size=24),
    st.from_regex(r"\+?[0-9 ]{4,20}", fullmatch=True),
    st.emails().map(str),
    st.text(max_size=30))
TRICKY = ["", "+49 170 1234567", "0170/123456", "(0611) 12-34", "12345", "1234567890123456", "+49 17a 1234567",
          "a@b.c", "a@b", "@b.c", "a b@c.d", "amina.haddad@example.org", "+49 170 1234567 x", "++49 170 1234567",
          "١٢٣٤٥٦٧", "a@b.c@d.e"]


@given(DIGITS, DIGITS, DIGITS)
def test_the_kiosks_birth_date_is_one_the_server_takes(day, month, year):
    found = birth_date(day, month, year)
    today = date.today().isoformat()
    if found:
        assert lottery.birth_date(found, today) == found
    elif day and month and len(year) == 4:
        try:
            real = date(int(year), int(month), int(day)).isoformat()
        except ValueError:
            return
        assert lottery.birth_date(real, today) is None  # refused by both


@given(CONTACTS)
def test_the_kiosks_contact_check_is_the_servers(contact):
    assert contact_ok(contact.strip()) == (not contact.strip() or bool(lottery.channel(contact)))


@pytest.mark.asyncio
async def test_the_pages_contact_check_is_the_servers(tmp_path, browser):
    assert examples(100) >= 10
    server = await start(tmp_path / "o.sqlite3", Clock(at("2026-12-07", "16:00")), site=access_site())
    try:
        page = await browser.new_page()
        await page.goto(f"http://127.0.0.1:{server.port}/register?lang=en")
        shown = []
        for contact in TRICKY:   # the page's own check, as a visitor's typing meets it
            await page.fill("#contact", contact)
            await page.click("#send")
            await page.wait_for_selector("#name-error:not([hidden])")
            shown.append(await page.is_visible("#contact-error"))
    finally:
        await server.stop()
    assert shown == [bool(c.strip()) and not lottery.channel(c) for c in TRICKY]


@pytest.mark.asyncio
async def test_arabic_and_persian_digits_are_read_as_digits(tmp_path, browser):
    """An Arabic or Persian phone keyboard types ٧ and ۷: the birth date and the number arrive as 7."""
    server = await start(tmp_path / "o.sqlite3", Clock(at("2026-12-07", "16:00")), site=access_site())
    try:
        await server.access.tick()
        page = await browser.new_page()
        await page.goto(f"http://127.0.0.1:{server.port}/register?lang=fa")
        await page.fill("#name", "Reza Ahmadi")
        for selector, text in zip(("#birth-day", "#birth-month", "#birth-year", "#contact"),
                                  ("۷", "٣", "۱۹۹۱", "+۴۹ ۱۷۰ ۱۲۳۴۵۶۷")):
            await page.fill(selector, text)
        await page.click("#send")
        await page.wait_for_url("**/register/*?lang=fa")
        entry = page.url.split("/register/")[1].split("?")[0]
    finally:
        await server.stop()
    day, entrant = server.office.entrant(entry)
    assert (day.people[entry].birth_date, day.people[entry].contact) == ("1991-03-07", "+49 170 1234567")
