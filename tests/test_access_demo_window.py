"""What the registration's window is said to be, in the demo and in an office.

An office's window opens at `opens` the day before (14:00) and closes at `closes` on the day
(06:00): the page says so. The demo (`server/access/demo.py`) moves the window to its own start:
registration opens on the day itself at the demo's minute (`[access] same_day`), and the page,
the kiosk and the refusals say that, not "from 00:00 the day before"; after its close nothing is
open until the next day's minute, as the page then says.

The real server on a clock the test sets (nothing depends on the time of day the test runs),
the page in headless Chromium, the kiosk under Pilot."""

from __future__ import annotations

import pytest

from config import parse_site, strings
from kiosk.register import RegisterScreen, window_open
from server.access.calendar import Calendar
from server.access.demo import soon
from server.edge.views import access as access_view
from server.visitors.register import clock as time_said

from .access_office import Clock, access_site, at, page, start
from .conftest import demo_data
from .test_config import broken
from .test_kiosk_appointments import laid_out, until
from .test_kiosk_register import SIZE, form, kiosk

DEMO_START = at("2026-12-08", "10:17") + 30  # a Tuesday, 10:17:30 in Berlin


def said_times(lang: str, **times: str) -> dict[str, str]:
    """The window's times as the page writes them in `lang` (English: "10:17 AM")."""
    return {key: time_said(value, lang) for key, value in times.items()}


def demo_site():
    return soon(access_site(), DEMO_START)


async def said_on_the_page(browser, server, lang: str = "en") -> tuple[str, str]:
    """The page's two sentences about the window: the rule, and the day it is for."""
    context = await browser.new_context(viewport={"width": 360, "height": 640})
    visitor = await context.new_page()
    await visitor.goto(f"http://127.0.0.1:{server.port}/register?lang={lang}")
    when = (await visitor.inner_text(".explain li:first-child")).strip()
    day = (await visitor.inner_text("#day")).strip()
    await context.close()
    return when, day


def test_the_demo_opens_registration_at_its_own_minute_on_the_day_and_nothing_after_the_close():
    site = demo_site()
    rules = site.access
    assert (f"{rules.opens:%H:%M}", f"{rules.closes:%H:%M}", f"{rules.draw_at:%H:%M}", rules.same_day) == (
        "10:17", "10:28", "10:31", True)
    calendar = Calendar(site, always_open=True)
    assert calendar.opens_at("2026-12-08") == at("2026-12-08", "10:17")
    assert calendar.window_day(DEMO_START) == "2026-12-08"
    assert calendar.window_day(at("2026-12-08", "10:29")) is None  # closed: tomorrow's opens tomorrow
    assert calendar.window_day(at("2026-12-09", "10:17")) == "2026-12-09"
    view = access_view(site)
    assert view.same_day and [window_open(view, at("2026-12-08", t), site.timezone)
                              for t in ("10:16", "10:17", "10:27", "10:28", "23:00", "00:00")] == [
        False, True, True, False, False, False]
    office = Calendar(access_site(), always_open=True)  # an office's: from 14:00 the day before
    assert office.opens_at("2026-12-08") == at("2026-12-07", "14:00")


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_the_demos_page_says_registration_is_open_today_from_its_minute(tmp_path, browser, lang):
    clock = Clock(DEMO_START)
    server = await start(tmp_path / "o.sqlite3", clock, site=demo_site())
    try:
        await server.access.tick()
        when, day = await said_on_the_page(browser, server, lang)
        words, times = strings(lang), said_times(lang, opens="10:17", closes="10:28", draw_at="10:31")
        assert when == words["register.when_same_day"].format(**times)
        if lang == "en":
            assert "day before" not in when and "00:00" not in when
            assert day == "This registration is for Tuesday, December 8, 2026. It is open until 10:28\u202fAM that day."
        clock.t = at("2026-12-08", "10:29")  # closed: the next opens tomorrow at the same minute
        async with page(server) as phone:
            refused = await phone.register("Amina Haddad")
        assert refused["code"] == "window_closed"
        when, day = await said_on_the_page(browser, server, lang)
        if lang == "en":
            assert day == ("Registration is closed now. The next one is for Wednesday, December 9, 2026: "
                           "it opens on Wednesday, December 9, 2026 at 10:17\u202fAM.")
    finally:
        await server.stop()


async def test_an_offices_page_still_says_from_14_00_the_day_before(tmp_path, browser):
    clock = Clock(at("2026-12-07", "16:00"))
    server = await start(tmp_path / "o.sqlite3", clock, site=access_site())
    try:
        await server.access.tick()
        when, day = await said_on_the_page(browser, server)
    finally:
        await server.stop()
    assert when == strings("en")["register.when"].format(**said_times("en", opens="14:00", closes="06:00",
                                                                       draw_at="06:05"))
    assert when == "You can register from 2:00\u202fPM the day before until 6:00\u202fAM on the day. " \
                   "The places are drawn by lot at 6:05\u202fAM."
    assert day == "This registration is for Tuesday, December 8, 2026. It is open until 6:00\u202fAM that day."


async def test_the_demos_kiosk_offers_registration_and_says_the_window_as_it_is(tmp_path):
    clock = Clock(DEMO_START)
    server = await start(tmp_path / "o.sqlite3", clock, site=demo_site())
    app = kiosk(server, None, clock)
    try:
        await server.access.tick()
        async with app.run_test(size=SIZE) as pilot:
            await form(pilot, "de")  # the button is there in the demo's minutes, and the form
            await until(pilot, lambda: isinstance(app.screen, RegisterScreen) and laid_out(app, ".explain"))
            first = app.screen.query(".explain").first()
            expected = app.word("de", "register.when_same_day", opens="10:17", closes="10:28", draw_at="10:31")
            assert str(first.render()).split() == expected.split()
            assert "Vortag" not in str(first.render())
    finally:
        await server.stop()


def test_a_site_file_whose_same_day_window_closes_before_it_opens_is_refused_naming_the_key():
    def same_day(opens: str, closes: str = "06:00"):
        return lambda data: data["access"].update(same_day=True, opens=opens, closes=closes)

    message = broken(same_day("14:00"))
    assert "access.same_day" in message and "14:00" in message and "06:00" in message
    assert "access.same_day" in broken(lambda data: data["access"].update(same_day="yes"))
    data = demo_data()
    same_day("05:00")(data)
    rules = parse_site(data, file="default.toml", environ={}).access
    assert (rules.same_day, rules.days_before, f"{rules.opens:%H:%M}") == (True, 0, "05:00")
