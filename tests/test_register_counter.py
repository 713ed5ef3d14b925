"""At the counter, a place won by lot: the clerk who calls its ticket sees the name and birth
date the visitor registered with (to compare with the passport), in the reply to the call and
in the welcome after a reconnect; no one else does (another counter, an admin acting for the
counter, a display, the pushes every staff terminal gets). "Not the registered person" ends
the visit and is counted (an `identity_refused` event); a ticket without a registration cannot
end that way. Real server on 127.0.0.1, real terminals (kiosk, counters, display, admin)."""

from __future__ import annotations

import json

import pytest

from server.wire import protocol as p
from server.wire.session import ClientSession, ServerError

from .access_office import DAY, Clock, access_site, at, page, start
from .conftest import token

NAME, BORN = "Amina Haddad", "1991-03-07"


async def won_place(server, clock: Clock) -> str:
    """Register one visitor, draw, and give back the place's code (the window is open now)."""
    await server.access.tick()
    async with page(server) as visitor:
        entry = (await visitor.register(NAME, born=BORN, lang="ar"))["entry"]
    clock.t = at(DAY, "06:05")
    await server.access.tick()
    entrant = server.office.entrant(entry)[1]
    clock.t = entrant.window[0]
    return entrant.code


def terminal(server, terminal_id: str, role: str, **options) -> ClientSession:
    return ClientSession(f"ws://127.0.0.1:{server.port}/", role=role, terminal=terminal_id,
                         token=token(terminal_id), **options)


def events_of(server, kind: str) -> list[dict]:
    return [json.loads(data) for (data,) in server.store.query("SELECT data FROM events WHERE kind = ?", [kind])]


@pytest.fixture
async def office(tmp_path):
    clock = Clock(at("2026-12-07", "16:00"))
    server = await start(tmp_path / "o.sqlite3", clock, site=access_site(contingent={"residence": 2}))
    sessions: list[ClientSession] = []

    async def opened(terminal_id: str, role: str, **options) -> ClientSession:
        session = terminal(server, terminal_id, role, **options)
        sessions.append(session)
        session.start()
        await session.ready()
        return session

    server.opened, server.clock_ = opened, clock
    yield server
    for session in sessions:
        await session.close()
    await server.stop()


async def test_the_calling_counter_sees_the_registered_name_and_no_one_else_does(office):
    code = await won_place(office, office.clock_)
    kiosk = await office.opened("kiosk-1", "kiosk")
    ticket = (await kiosk.request(p.Checkin(id=0, booking=code, lang="ar"))).ticket
    display = await office.opened("display-first", "display")
    other = await office.opened("counter-6", "counter")
    clerk = await office.opened("counter-5", "counter")
    await clerk.request(p.Open(id=0, services=["residence"]))
    called = await clerk.request(p.Next(id=0))
    assert called.ticket.number == ticket.number
    assert called.desk.person == p.PersonView(name=NAME, birth_date=BORN)

    for elsewhere in (other, display):  # the call as every other counter and the waiting room hear it
        heard = await elsewhere.next_event(p.Called)
        assert heard.ticket.number == ticket.number and NAME.encode() not in p.encode(heard)
    admin = await office.opened("admin", "admin")
    assert all(d.person is None for d in admin.welcome.snapshot.desks)  # the board's view: no names
    assert all(d.person is None for d in display.welcome.snapshot.desks)
    assert not [k for k in display.welcome.strings["ar"] if k.startswith("register.")]  # a display's welcome stays small
    with_admin = await admin.request(p.Recall(id=0, counter="5"))
    assert with_admin.desk.person is None  # an admin acting for the counter is not its clerk

    await clerk.close()
    again = await office.opened("counter-5", "counter")  # the clerk's screen restarts mid-visit
    mine = next(d for d in again.welcome.snapshot.desks if d.counter == "5")
    assert mine.person == p.PersonView(name=NAME, birth_date=BORN)
    later = await office.opened("counter-6", "counter")
    assert all(d.person is None for d in later.welcome.snapshot.desks)


async def test_not_the_registered_person_ends_the_visit_and_is_counted(office):
    code = await won_place(office, office.clock_)
    kiosk = await office.opened("kiosk-1", "kiosk")
    ticket = (await kiosk.request(p.Checkin(id=0, booking=code, lang="ar"))).ticket
    walk_in = (await kiosk.request(p.Draw(id=0, service="residence", lang="de", request="w1"))).ticket
    clerk = await office.opened("counter-5", "counter")
    await clerk.request(p.Open(id=0, services=["residence"]))
    assert (await clerk.request(p.Call(id=0, ticket=walk_in.number))).desk.person is None
    with pytest.raises(ServerError) as refused:  # nobody registered for a walk-in's ticket
        await clerk.request(p.RefuseIdentity(id=0))
    assert refused.value.code == "not_allowed"
    await clerk.request(p.Finish(id=0, outcome="done"))

    await clerk.request(p.Call(id=0, ticket=ticket.number))
    ended = await clerk.request(p.RefuseIdentity(id=0))
    assert ended.ticket.state == "done" and ended.ticket.outcome == "identity_refused"
    assert ended.desk.current is None and ended.desk.person is None
    assert [e["number"] for e in events_of(office, "identity_refused")] == [ticket.number]
    assert office.office.tickets[ticket.number].outcome == "identity_refused"


async def test_the_textual_counter_shows_the_name_and_ends_the_visit_as_not_the_registered_person(office):
    from .test_counter_app import counter_app, text, until

    code = await won_place(office, office.clock_)
    kiosk = await office.opened("kiosk-1", "kiosk")
    ticket = (await kiosk.request(p.Checkin(id=0, booking=code, lang="ar"))).ticket
    walk_in = (await kiosk.request(p.Draw(id=0, service="residence", lang="de", request="w1"))).ticket
    app = counter_app(f"ws://127.0.0.1:{office.port}/", "counter-5", lang="de")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.board.desk is not None)
        await pilot.press("o", "o")
        await until(pilot, lambda: app.sub_title == "geöffnet")
        await pilot.press("n")
        await until(pilot, lambda: ticket.number in text(app, "#current"))
        assert "Angemeldet: Amina Haddad, geboren 7.3.1991" in text(app, "#current")
        await pilot.press("f")
        await pilot.pause()
        assert app.screen.labels[-1] == "Nicht die angemeldete Person"
        await pilot.press(app.screen.keys[-1])
        await until(pilot, lambda: app.board.current is None)
        assert office.office.tickets[ticket.number].outcome == "identity_refused"

        await pilot.press("n")  # the walk-in: no name, no such outcome
        await until(pilot, lambda: walk_in.number in text(app, "#current"))
        assert "Angemeldet" not in text(app, "#current")
        await pilot.press("f")
        await pilot.pause()
        assert "Nicht die angemeldete Person" not in app.screen.labels


async def test_the_browser_counter_shows_the_name_and_ends_the_visit_as_not_the_registered_person(office, browser):
    from .browser import axe_violations
    from .test_counter_page import CURRENT, clerk_page, key, open_counter, until_shown

    code = await won_place(office, office.clock_)
    kiosk = await office.opened("kiosk-1", "kiosk")
    ticket = (await kiosk.request(p.Checkin(id=0, booking=code, lang="ar"))).ticket
    page = await clerk_page(browser, office, "ben", counter_key="2")   # ben: counters 2, 6, 7; in English
    assert await page.inner_text("#title") == "Counter 6"
    await open_counter(page, "open")
    await key(page, "n")
    await until_shown(page, CURRENT, ticket.number)
    assert await page.inner_text("#current .registered") == "Registered: Amina Haddad, born 7 Mar 1991"
    assert await axe_violations(page) == []
    await key(page, "s")   # a push of the desk (serving) keeps the name beside the same visitor
    await until_shown(page, "#current", "serving")
    assert await page.is_visible("#current .registered")
    await key(page, "f")
    await page.wait_for_selector("#dialog[open]")
    assert (await page.inner_text("#dialog")).count("Not the registered person") == 1
    await key(page, str(len(office.site.outcomes) + 1))
    await until_shown(page, "#handled", ticket.number)
    assert office.office.tickets[ticket.number].outcome == "identity_refused"
    assert await page.locator("#current .registered").count() == 0
