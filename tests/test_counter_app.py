"""The clerk's workstation driven by Pilot against a real server, a kiosk drawing tickets."""

from __future__ import annotations

import asyncio


from counter.app import CounterApp
from server.wire import protocol as p
from server.wire.session import ClientSession

from .conftest import token


def counter_app(url: str, terminal: str = "counter-5", lang: str = "en") -> CounterApp:
    return CounterApp(ClientSession(url, role="counter", terminal=terminal, token=token(terminal),
                                    backoff=(0.05, 0.2), lang=lang, explain=True), lang=lang)  # as counter/cli.py


async def until(pilot, condition, timeout: float = 30.0) -> None:
    """Let the app run until `condition()` holds (server replies and pushes are real I/O); the
    timeout only ends a wait that will never end (a loaded 2-core CI machine is slow)."""
    try:
        async with asyncio.timeout(timeout):
            while not condition():
                await pilot.pause(0.02)
    except TimeoutError:
        app = pilot.app
        raise AssertionError(f"still not so: current={text(app, '#current')!r} message={text(app, '#message')!r} "
                             f"title={app.title!r} sub={app.sub_title!r}") from None


def text(app: CounterApp, selector: str) -> str:
    return str(app.query_one(selector).render())


async def draw(kiosk: ClientSession, service: str, lang: str, n: int) -> str:
    return (await kiosk.request(p.Draw(id=0, service=service, lang=lang, request=f"t-{n}"))).ticket.number


async def test_a_clerks_morning_every_action(server, url, terminal):
    kiosk = await terminal("kiosk-1")
    numbers = [await draw(kiosk, s, lang, n) for n, (s, lang) in enumerate(
        [("residence", "ar"), ("extension", "uk"), ("residence", "fa"), ("extension", "de")])]
    assert numbers == ["A001", "B001", "A002", "B002"]
    app = counter_app(url)
    async with app.run_test(size=(130, 40)) as pilot:
        await until(pilot, lambda: app.board.desk is not None)
        assert "Counter 5" in app.title and app.sub_title == "closed"
        await pilot.press("n")
        await until(pilot, lambda: "Counter 5 is closed. Open it first" in text(app, "#message"))

        await pilot.press("o")  # choose services: all ticked
        await pilot.press("o")  # ... and open
        await until(pilot, lambda: app.sub_title == "open")
        assert "Residence permit (first application)" in str(app.query_one("#queues").get_row_at(0))

        await pilot.press("n")
        await until(pilot, lambda: "A001" in text(app, "#current"))
        current = text(app, "#current")
        assert "Language: Arabic" in current and "first service of this counter" in current

        await pilot.click("#do-recall")  # every key is a button too
        await until(pilot, lambda: "recalled 1×" in text(app, "#current"))
        await pilot.press("s")
        await until(pilot, lambda: "serving" in text(app, "#current"))

        await pilot.press("t")  # transfer to general information, at the front
        await pilot.pause()
        assert app.screen.labels[5] == "Service: General information · no counter open"
        assert "Counter: 8 · closed" in app.screen.labels
        await pilot.press("f", "6")
        await until(pilot, lambda: app.board.current is None)
        moved = server.office.tickets["A001"]
        assert (moved.service, moved.state, moved.front, moved.number) == ("info", "waiting", True, "A001")

        await pilot.press("n")  # the next: A002 (residence first at counter 5)
        await until(pilot, lambda: "A002" in text(app, "#current"))
        await pilot.press("p")
        await until(pilot, lambda: "A002" in text(app, "#parked"))
        await pilot.press("n")
        await until(pilot, lambda: "B001" in text(app, "#current"))
        await pilot.press("f", "2")  # finish with the second outcome: documents missing
        await until(pilot, lambda: "B001 done" in text(app, "#handled"))
        assert server.office.tickets["B001"].outcome == "documents-missing"

        await pilot.press("b", "1")  # take back the parked A002
        await until(pilot, lambda: "A002" in text(app, "#current"))
        assert text(app, "#parked") == "–"
        await pilot.press("x")  # no-show asks first; N keeps the visitor
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert server.office.tickets["A002"].state == "called"
        await pilot.press("x", "y")
        await until(pilot, lambda: "A002 no-show" in text(app, "#handled"))

        await pilot.press("c")  # call a specific number
        await pilot.pause()
        await pilot.press(*"b002", "enter")
        await until(pilot, lambda: "B002" in text(app, "#current"))
        assert "called by number" in text(app, "#current") and "Language: German" in text(app, "#current")

        await pilot.press("w")  # pause with a reason, then resume
        await pilot.pause()
        # the reason is stored with the counter: the dialog says for how long, and what to leave out
        assert str(app.screen.query_one(".dialog-title").render()) == (
            "Reason for the pause (optional). It is kept with the counter for 90 days – please nothing "
            "about health or private matters.")
        await pilot.press(*"lunch", "enter")
        await until(pilot, lambda: app.sub_title == "paused: lunch")
        await pilot.press("w")
        await until(pilot, lambda: app.sub_title == "open")

        await pilot.press("q")  # closing with a visitor open asks first
        await pilot.pause()
        await pilot.press("y")
        await until(pilot, lambda: app.sub_title == "closed")
        assert server.office.tickets["B002"].state == "waiting" and server.office.tickets["B002"].front


async def test_two_counters_race_for_one_visitor(server, url, terminal):
    kiosk = await terminal("kiosk-1")
    admin = await terminal("admin")
    for counter in ("5", "8"):
        await admin.request(p.Open(id=0, counter=counter))
    await draw(kiosk, "extension", "tr", 1)
    first, second = counter_app(url, "counter-5"), counter_app(url, "counter-8")
    async with first.run_test(size=(130, 40)) as one, second.run_test(size=(130, 40)) as two:
        await until(one, lambda: first.board.desk is not None)
        await until(two, lambda: second.board.desk is not None)
        await asyncio.gather(one.press("n"), two.press("n"))
        await until(one, lambda: first.board.current or text(first, "#message"))
        await until(two, lambda: second.board.current or text(second, "#message"))
        winners = [app for app in (first, second) if app.board.current is not None]
        losers = [app for app in (first, second) if app.board.current is None]
        assert len(winners) == 1 and winners[0].board.current.number == "B001"
        assert text(losers[0], "#message") == "No visitor is waiting for your services."


async def test_the_app_reconnects_after_a_server_restart(tmp_path, site):
    from server.edge.app import Server

    server = Server(site, tmp_path / "o.sqlite3", always_open=True)
    port = await server.start("127.0.0.1", 0)
    url = f"ws://127.0.0.1:{port}/"
    async with ClientSession(url, role="kiosk", terminal="kiosk-2", token=token("kiosk-2")) as kiosk:
        await kiosk.ready()
        await draw(kiosk, "residence", "ru", 1)
        await draw(kiosk, "residence", "ru", 2)
    app = counter_app(url, lang="de")
    async with app.run_test(size=(130, 40)) as pilot:
        await until(pilot, lambda: app.board.desk is not None)
        await pilot.press("o", "o")
        await until(pilot, lambda: app.sub_title == "geöffnet")
        await pilot.press("n")
        await until(pilot, lambda: "A001" in text(app, "#current"))

        await server.stop()
        await until(pilot, lambda: app.sub_title.startswith("Keine Verbindung"))
        server = Server(site, tmp_path / "o.sqlite3", always_open=True)
        await server.start("127.0.0.1", port)
        try:
            await until(pilot, lambda: app.sub_title == "geöffnet", timeout=60)
            assert "A001" in text(app, "#current") and "Sprache: Russisch" in text(app, "#current")
            await pilot.press("f", "1")
            await until(pilot, lambda: "A001 erledigt" in text(app, "#handled"))
            await pilot.press("n")
            await until(pilot, lambda: "A002" in text(app, "#current"))
        finally:
            await server.stop()


async def test_the_clerk_plans_the_end_of_the_shift(server, url):
    app = counter_app(url)
    async with app.run_test(size=(130, 40)) as pilot:
        await until(pilot, lambda: app.board.desk is not None)
        await pilot.press("o", "o")
        await until(pilot, lambda: app.sub_title == "open")
        await pilot.press("e", *"25:99", "enter")  # not a time: said so, nothing sent
        await until(pilot, lambda: "HH:MM" in text(app, "#message"))
        assert server.office.desks["5"].closes_at is None
        await pilot.press("e", *"23:59", "enter")
        await until(pilot, lambda: "until 23:59" in app.sub_title)
        assert server.office.desks["5"].closes_at > server.clock()  # today's 23:59, or tomorrow's
        await pilot.press("e", "enter")  # empty: no planned end
        await until(pilot, lambda: app.sub_title == "open")
        assert server.office.desks["5"].closes_at is None


async def test_the_clerk_sees_the_appointment_time_of_a_visitor_who_booked(server, url, terminal):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    admin, kiosk = await terminal("admin"), await terminal("kiosk-1")
    due = server.clock() - 60
    await admin.request(p.Book(id=0, booking="HD-7", service="residence", lang="ar", due_at=due))
    await draw(kiosk, "residence", "de", 1)
    await kiosk.request(p.Checkin(id=0, booking="HD-7"))
    app = counter_app(url, lang="de")
    async with app.run_test(size=(130, 40)) as pilot:
        await until(pilot, lambda: app.board.desk is not None)
        await pilot.press("o", "o")
        await until(pilot, lambda: app.board.desk.state == "open")
        await pilot.press("n")  # the due appointment first
        await until(pilot, lambda: "A002" in text(app, "#current"))
        time = datetime.fromtimestamp(due, ZoneInfo("Europe/Berlin")).strftime("%H:%M")
        assert f"Termin {time}" in text(app, "#current")
        await admin.request(p.Start(id=0, counter="5"))
        await admin.request(p.Finish(id=0, counter="5", outcome="done"))
        await pilot.press("n")  # the walk-in: no appointment
        await until(pilot, lambda: "A001" in text(app, "#current"))
        assert "Termin" not in text(app, "#current")
