"""Both counters say the same: the browser counter's sentences come from the server, made by the
Textual counter's own code (counter/screen.py), and the review's findings at the desk — yes is
J in German and Y in English, N during a pause says that it ended the pause, a referral's
history names the partner, and what the queue table shows is what N calls after a transfer to
one counter."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from counter.board import Board, Words
from counter.screen import queue_rows, screen
from server.wire import protocol as p
from server.wire.session import ClientSession, ServerError

from .conftest import token
from .test_counter_app import counter_app, draw, text, until
from .test_counter_keys import open_counter
from .test_counter_page import clerk_page, key, until_shown
from .test_counter_page import kiosk, office  # noqa: F401  (fixtures)
from .test_counter_page import open_counter as open_page_counter

# the sentences the screen makes: the page must build none of them itself
SCREEN_KEYS = ("state.", "reason.", "panel.why", "panel.waited", "panel.language", "panel.minutes", "panel.range",
               "panel.appointment", "panel.recalls", "transfer.handled", "transfer.counter", "referral.handled",
               "referral.desk", "referral.card", "interpreter.needed", "dialog.to_service", "dialog.to_counter",
               "panel.sent_here", "title")


def test_the_page_builds_no_sentence_of_the_screen():
    script = (Path(__file__).parent.parent / "counter" / "static" / "counter.js").read_text(encoding="utf-8")
    used = set(re.findall(r"""\bt\(\s*[`"']([\w.]+)""", script))
    assert not [k for k in used for prefix in SCREEN_KEYS if k == prefix or (prefix.endswith(".") and k.startswith(prefix))]


async def test_the_browser_counter_shows_the_screen_the_textual_counter_computes(office, kiosk, browser):  # noqa: F811
    """anna at counter 1 in the browser; the server's screen for her page equals what
    `counter.screen` makes of a Textual counter's board at the same counter, and the page shows it."""
    number = await draw(kiosk, "info", "ar", 1)
    page = await clerk_page(browser, office, counter_key="1")
    await open_page_counter(page)
    await key(page, "n")
    await until_shown(page, "#current .number", number)
    await page.wait_for_function("document.querySelector('#queues tr[data-service=info] td').textContent === '0'")
    shown = await page.evaluate("window.willkommenCounter.screen")
    async with ClientSession(f"ws://127.0.0.1:{office.port}/", role="admin", terminal="admin",
                             token=token("admin")) as admin:
        welcome = await admin.ready()
    board = Board()
    board.welcome(welcome)  # an admin's welcome: every desk; this one as counter 1 sees it
    board.counter = "1"
    board.desk = next(d for d in welcome.snapshot.desks if d.counter == "1")
    mine = screen(board, Words("de"), office.clock())
    for part in ("title", "state", "current", "choices", "targets", "headers"):
        assert shown[part] == _json(mine[part]), part
    # the estimates: as last pushed to the page (a queue nothing happened to is not pushed again)
    assert [row[:4] for row in shown["queues"]] == [row[:4] for row in _json(mine["queues"])]
    current = await page.inner_text("#current")
    for line in shown["current"]["lines"]:
        assert " ".join(text for text, _ in line) in current
    assert "Sprache: Arabisch" in current and "Warum: wartet am längsten" in current


def _json(value):
    import json
    return json.loads(json.dumps(value))


async def test_yes_is_j_in_german_and_y_in_english_at_the_textual_counter(server, url, terminal):
    kiosk = await terminal("kiosk-1")
    for lang, yes, other in (("de", "j", "y"), ("en", "y", "j")):
        await draw(kiosk, "residence", "ar", f"{lang}-1")
        app = counter_app(url, lang=lang)
        async with app.run_test(size=(130, 40)) as pilot:
            await open_counter(pilot)
            await pilot.press("n")
            await until(pilot, lambda: app.board.current is not None)
            await pilot.press("x")
            await until(pilot, lambda: len(app.screen_stack) == 2)
            labels = [str(app.screen.query_one("#choices").get_option_at_index(i).prompt) for i in range(2)]
            assert labels[0].startswith(f"[b]{yes.upper()}[/b]"), labels
            await pilot.press(other)  # the other language's yes does nothing
            await pilot.pause()
            assert len(app.screen_stack) == 2
            await pilot.press(yes)
            await until(pilot, lambda: app.board.current is None)
            await pilot.press("q")
            await until(pilot, lambda: app.sub_title == app.words("state.closed"))


async def test_the_browser_counter_in_english_asks_with_y(office, kiosk, browser):  # noqa: F811
    await draw(kiosk, "residence", "ar", "en-page")
    page = await clerk_page(browser, office, "ben", counter_key="2")   # ben: lang = "en", counters 2, 6, 7
    await key(page, "Escape")
    page = page
    await key(page, "o")
    await page.wait_for_selector("#dialog[open]")
    await key(page, "o")
    await until_shown(page, "#desk-state", "open")
    await draw(kiosk, "info", "ar", "en-page-2")
    await key(page, "n")
    await page.wait_for_selector("#current .number")
    await key(page, "x")
    await page.wait_for_selector("#dialog[open]")
    assert "Y Yes" in await page.inner_text("#dialog") and "N No" in await page.inner_text("#dialog")
    await key(page, "j")
    assert await page.evaluate("document.getElementById('dialog').open")
    await key(page, "y")
    await until_shown(page, "#handled", "no-show")


async def test_next_during_a_pause_says_the_pause_ended(server, url, terminal):
    kiosk = await terminal("kiosk-1")
    app = counter_app(url, lang="de")
    async with app.run_test(size=(130, 40)) as pilot:
        await open_counter(pilot)
        await pilot.press("w")
        await pilot.pause()
        await pilot.press(*"Akte", "enter")
        await until(pilot, lambda: app.sub_title.startswith("Pause"))
        number = await draw(kiosk, "residence", "uk", "pause-1")
        await pilot.press("n")
        await until(pilot, lambda: app.board.current is not None)
        assert text(app, "#message") == f"Pause beendet – {number} ist aufgerufen."
        assert app.sub_title == "geöffnet"


async def test_next_during_a_pause_says_so_in_the_browser(office, kiosk, browser):  # noqa: F811
    page = await clerk_page(browser, office, counter_key="1")
    await open_page_counter(page)
    await key(page, "w")
    await page.wait_for_selector("#dialog[open] input")
    await page.keyboard.type("Akte")
    await key(page, "Enter")
    await until_shown(page, "#desk-state", "Pause")
    number = await draw(kiosk, "info", "uk", "pause-page")
    await key(page, "n")
    await until_shown(page, "#message", "Pause beendet")
    assert await page.inner_text("#message") == f"Pause beendet – {number} ist aufgerufen."


async def test_a_referral_in_the_history_names_the_partner(server, url, terminal):
    kiosk = await terminal("kiosk-1")
    number = await draw(kiosk, "residence", "ar", "refer-1")
    app = counter_app(url, lang="de")
    partner = server.site.partner("mbe").name("de")
    async with app.run_test(size=(130, 40)) as pilot:
        await open_counter(pilot)
        await pilot.press("n")
        await until(pilot, lambda: app.board.current is not None)
        await pilot.press("v")
        await until(pilot, lambda: len(app.screen_stack) == 2)
        await pilot.press("1", "v")   # the first partner: the migration counselling desk here
        await until(pilot, lambda: app.board.current is None)
        await until(pilot, lambda: f"{number} an {partner} verwiesen" in text(app, "#handled"))
        assert "weitergeleitet" not in text(app, "#handled")


async def test_what_the_queues_show_is_what_n_calls_after_a_transfer_to_one_counter(server, url, terminal):
    """A residence visitor sent from counter 5 to counter 1 (which serves no residence): counter
    1 shows them in a row of their own and N calls them; counter 6 (residence) shows nobody
    waiting for it, and N there finds nobody."""
    kiosk = await terminal("kiosk-1")
    number = await draw(kiosk, "residence", "ar", "sent-1")
    five, six = await terminal("counter-5"), await terminal("counter-6")
    await five.request(p.Open(id=0))
    await six.request(p.Open(id=0))
    app = counter_app(url, "counter-1", lang="de")
    async with app.run_test(size=(130, 40)) as pilot:
        await open_counter(pilot)
        await five.request(p.Next(id=0))
        await five.request(p.Transfer(id=0, to_counter="1", front=False))
        await until(pilot, lambda: ["An diesen Schalter weitergeleitet", "1"] in
                    [row[:2] for row in queue_rows(app.board, app.words)])
        async with ClientSession(url, role="admin", terminal="admin", token=token("admin")) as admin:
            welcome = await admin.ready()
        board = Board()
        board.welcome(welcome)
        board.counter = "6"
        residence = next(q for q in welcome.snapshot.queues if q.service == "residence")
        assert (residence.waiting, residence.sent) == (1, {"1": 1})
        assert board.waiting_for_me("residence") == 0  # what counter 6's table shows
        try:
            await six.request(p.Next(id=0))
            raise AssertionError("counter 6 called a visitor sent to counter 1")
        except ServerError as exc:
            assert exc.code == "nothing_waiting"
        await pilot.press("n")
        await until(pilot, lambda: app.board.current is not None)
        assert app.board.current.number == number


def test_the_longest_wait_a_counter_shows_is_of_those_its_n_calls():
    """A review's clerk read "Wartend 0, Längste 5 min": the longest waiting was a visitor sent
    to another counter by name. Each counter's row now gives the longest wait of those its N may
    call, and the row of visitors sent here the longest of theirs."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from server.core import Office
    from server.edge import views

    from .conftest import make_site

    t0, minute = datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo("Europe/Berlin")).timestamp(), 60.0
    office = Office(make_site(), always_open=True)
    for counter in ("1", "5", "6"):
        office.open(counter=counter, services=None, now=t0)
    sent = office.draw(kiosk="k", service="residence", lang="ar", request="r1", token="t1", now=t0)[1]
    office.next(counter="5", now=t0 + 2 * minute)
    office.transfer(counter="5", service=None, to_counter="1", front=False, now=t0 + 3 * minute)
    shown = lambda counter, now: queue_rows(Board(counter=counter, site=views.site(office.site),
                                                  desk=views.desk(office, office.desks[counter]),
                                                  queues={s: views.queue(office, s, now) for s in office.waiting}),
                                            Words("de"))
    six = next(row for row in shown("6", t0 + 10 * minute) if row[0].startswith("Aufenthaltserlaubnis"))
    assert six[1:3] == ["0", "0 min"]   # nobody counter 6 calls waits (before: "10 min")
    one = shown("1", t0 + 10 * minute)
    assert ["An diesen Schalter weitergeleitet", "1", "10 min"] == one[-1][:3]
    office.draw(kiosk="k", service="residence", lang="uk", request="r2", token="t2", now=t0 + 4 * minute)
    six = next(row for row in shown("6", t0 + 10 * minute) if row[0].startswith("Aufenthaltserlaubnis"))
    assert six[1:3] == ["1", "6 min"]   # the one drawn at 9:04, not the one sent to counter 1 at 9:00
    assert sent.target == "1"


async def test_the_picker_says_nothing_is_connecting(office, browser):  # noqa: F811
    """Before a counter is chosen nothing connects: the picker stood under "verbinde …"."""
    page = await clerk_page(browser, office)   # anna: three counters, so the picker
    await page.wait_for_selector("#picker:not([hidden]) button")
    assert await page.inner_text("#status") == ""


async def test_the_textual_counter_shows_no_english_word_of_textual_and_wraps_a_long_question(server, url, terminal):
    """The footer had Textual's "^p palette"; the no-show question was cut at the dialog's edge."""
    kiosk = await terminal("kiosk-1")
    await draw(kiosk, "residence", "ar", "wrap-1")
    app = counter_app(url, lang="de")
    async with app.run_test(size=(120, 34)) as pilot:
        await open_counter(pilot)
        await pilot.press("n")
        await until(pilot, lambda: app.board.current is not None)
        await pilot.press("x")
        await until(pilot, lambda: len(app.screen_stack) == 2)
        await pilot.pause()
        assert "palette" not in app.export_screenshot()
        title = app.screen.query_one(".dialog-title")
        dialog = app.screen.query_one(".dialog")
        assert title.region.right <= dialog.content_region.right and title.size.height >= 2  # wrapped, whole


@settings(max_examples=200, deadline=None)
@given(now=st.floats(1_700_000_000, 1_900_000_000), minute=st.integers(0, 59),
       hour=st.integers(0, 23).filter(lambda h: h != 2))   # 02:xx: the clock changes (no such time in spring)
def test_an_end_of_shift_is_today_and_later_or_refused_as_passed(now, hour, minute):
    """The clerk's "HH:MM" is that time today (Berlin), never tomorrow's: "15:30" typed at
    19:43 is refused as passed (review r-staff-2, finding 10)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from counter.board import EndPassed, planned_end

    typed = f"{hour:02d}:{minute:02d}"
    try:
        at = planned_end(typed, now, "Europe/Berlin")
    except EndPassed as passed:
        assert passed.time == typed
        today = datetime.fromtimestamp(now, ZoneInfo("Europe/Berlin"))
        assert (hour, minute) <= (today.hour, today.minute)
        return
    local, today = (datetime.fromtimestamp(x, ZoneInfo("Europe/Berlin")) for x in (at, now))
    assert at > now and local.date() == today.date() and local.strftime("%H:%M") == typed
