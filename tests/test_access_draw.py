"""The draw at its time, the outcome to each person, the kiosk check-in of a won place, the
published proof and `willkommen-server draw verify`, a restart and a crash before the draw,
a no-show's place to the next, and the weight carried to the next day. Real server on
127.0.0.1, real websocket clients, the server's clock moved by the test."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from server.wire import protocol as p
from server.wire.session import ClientSession, ServerError

from .access_office import DAY, Clock, access_site, at, page, start, window_open
from .conftest import ROOT, http_get, token

NAMES = [f"{first} {last}" for first in ("Amina", "Omar", "Sara", "Ali", "Hana", "Yusuf")
         for last in ("Haddad", "Karimi", "Tesfay")]  # 18 people


async def register_all(server, names=NAMES, **more) -> dict[str, dict]:
    registered = {}
    async with page(server) as visitor:
        for i, name in enumerate(names):
            registered[name] = await visitor.register(name, contact=f"+49 170 {1000 + i}", **more)
            assert registered[name]["type"] == "registered", registered[name]
    return registered


async def outcomes(server, registered) -> dict[str, dict]:
    async with page(server) as visitor:
        return {name: await visitor.outcome(r["entry"]) for name, r in registered.items()}


async def test_the_draw_gives_the_contingent_places_with_codes_and_windows_and_tells_everyone(tmp_path):
    async with window_open(tmp_path, places=6) as (server, clock):
        registered = await register_all(server)
        clock.t = at(DAY, "06:04")
        await server.access.tick()
        assert {o["state"] for o in (await outcomes(server, registered)).values()} == {"waiting"}
        clock.t = at(DAY, "06:05")
        await server.access.tick()
        seen = await outcomes(server, registered)
        won = {n: o for n, o in seen.items() if o["state"] == "won"}
        lost = {n: o for n, o in seen.items() if o["state"] == "not_drawn"}
        assert len(won) == 6 and len(lost) == 12
        assert len({o["code"] for o in won.values()}) == 6
        assert all(at(DAY, "07:30") <= o["window_start"] < o["window_end"] <= at(DAY, "18:00") for o in won.values())
        assert all(o["weight"] == 2 and "code" not in o for o in lost.values())  # the next entry counts twice
        told = {m.address.removeprefix("+49170"): m for m in server.outbox.messages.values()}
        assert len(told) == 18  # through the office's outbox (server/messages): by SMS in the visitor's language
        for name, o in won.items():
            message = told[str(1000 + NAMES.index(name))]
            assert o["code"] in message.text and message.channel == "sms" and message.lang == "ar"
            assert message.ref == f"won:{registered[name]['entry']}"
        for name in lost:
            assert told[str(1000 + NAMES.index(name))].ref.startswith("not_drawn:")
        assert server.store.query("SELECT count(*) FROM access_seeds") == [(0,)]  # published now, not kept


async def test_the_published_draw_verifies_with_the_command_and_a_changed_one_does_not(tmp_path):
    async with window_open(tmp_path, places=5) as (server, clock):
        registered = await register_all(server, urgent_until="2026-12-12")
        await register_all(server, [f"Late {n}" for n in NAMES[:6]])
        clock.t = at(DAY, "06:05")
        await server.access.tick()
        status, headers, body = await http_get(f"http://127.0.0.1:{server.port}/draw/{DAY}.json")
    proof = json.loads(body)
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    assert len(proof["entries"]) == 24 and len(proof["places"]) == 5 and len(proof["rest"]) == 19
    assert sum(p["urgent"] for p in proof["places"]) == 1  # a quarter of 5 places: one through the urgent lane
    text = body.decode()
    for name, r in registered.items():  # no name, entry key or code in the public file
        assert name.split()[0] not in text and r["entry"] not in text
    good = tmp_path / "draw.json"
    good.write_bytes(body)
    result = subprocess.run([sys.executable, "-m", "server", "draw", "verify", str(good)], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("matches: "), result.stdout + result.stderr
    proof["places"][0]["entry"], proof["rest"][0] = proof["rest"][0], proof["places"][0]["entry"]
    bad = tmp_path / "changed.json"
    bad.write_text(json.dumps(proof))
    result = subprocess.run([sys.executable, "-m", "server", "draw", "verify", str(bad)], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "does not match" in result.stdout and "place 1" in result.stdout


async def test_a_winner_checks_in_at_the_kiosk_with_the_code_and_a_forged_one_is_refused(tmp_path):
    clock = Clock(at("2026-12-07", "16:00"))
    server = await start(tmp_path / "o.sqlite3", clock, site=access_site(contingent={"residence": 3}))
    kiosk = ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal="kiosk-1", token=token("kiosk-1"))
    try:
        await server.access.tick()
        registered = await register_all(server, NAMES[:5])
        clock.t = at(DAY, "07:00")
        await server.access.tick()
        seen = await outcomes(server, registered)
        name, won = next((n, o) for n, o in seen.items() if o["state"] == "won")
        kiosk.start()
        await kiosk.ready()
        for forged in ("LAAAAAAAA", won["code"][:-1] + ("0" if won["code"][-1] != "0" else "1")):
            try:
                await kiosk.request(p.Checkin(id=0, booking=forged))
                raise AssertionError("a forged code gave a ticket")
            except ServerError as exc:
                assert exc.code == "unknown_booking"
        reply = await kiosk.request(p.Checkin(id=0, booking=won["code"], lang="ar"))
        assert reply.ticket.service == "residence" and reply.booking.booking == won["code"]
        again = await kiosk.request(p.Checkin(id=0, booking=won["code"].lower()))  # replayed: the same ticket
        assert again.ticket.number == reply.ticket.number
        async with page(server) as visitor:
            assert (await visitor.outcome(registered[name]["entry"]))["state"] == "checked_in"
        person = server.office.registered_person(server.office.tickets[reply.ticket.number])
        assert person is not None and person.name == name  # what the counter compares
        assert len(server.office.access_days[DAY].drawn.places) == 3  # nothing at the kiosk changed who won
    finally:
        await kiosk.close()
        await server.stop()


async def test_a_kiosk_registers_through_its_own_socket_and_the_server_says_it_came_from_the_kiosk(tmp_path):
    server = await start(tmp_path / "o.sqlite3", Clock(at("2026-12-07", "16:00")))
    kiosk = ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal="kiosk-1", token=token("kiosk-1"))
    try:
        await server.access.tick()
        kiosk.start()
        await kiosk.ready()
        registered = await kiosk.request(p.Register(id=0, service="residence", lang="uk", name="Olena Kovalenko",
                                                    birth_date="1985-03-04", via="web"))
        assert isinstance(registered, p.Registered) and registered.day == DAY
        entrant = server.office.access_days[DAY].entries[registered.entry]
        assert entrant.via == "kiosk" and entrant.lang == "uk"
        try:
            await kiosk.request(p.Register(id=0, service="residence", lang="uk", name="olena  kovalenko",
                                           birth_date="1985-03-04"))
            raise AssertionError("registered twice")
        except ServerError as exc:
            assert exc.code == "already_registered"
    finally:
        await kiosk.close()
        await server.stop()


async def test_a_restart_keeps_the_evenings_entries_and_a_crash_before_the_draw_draws_again_the_same(tmp_path):
    clock = Clock(at("2026-12-07", "16:00"))
    site = access_site(contingent={"residence": 7})
    server = await start(tmp_path / "o.sqlite3", clock, site=site)
    try:
        await server.access.tick()
        registered = await register_all(server)
    finally:
        await server.stop()  # the server stops (or crashes) before the draw
    shutil.copy(tmp_path / "o.sqlite3", tmp_path / "copy.sqlite3")
    results = []
    for db in ("o.sqlite3", "copy.sqlite3"):
        clock.t = at(DAY, "06:30")
        server = await start(tmp_path / db, clock, site=site)
        try:
            day = server.office.access_days[DAY]
            assert len(day.entries) == 18 and len(day.people) == 18  # replayed from the evening before
            await server.access.tick()
            results.append(await outcomes(server, registered))
        finally:
            await server.stop()
    assert results[0] == results[1]
    assert sum(o["state"] == "won" for o in results[0].values()) == 7


async def test_a_no_shows_place_goes_to_the_next_drawn_with_a_come_now_message(tmp_path):
    async with window_open(tmp_path, places=2) as (server, clock):
        registered = await register_all(server, NAMES[:6])
        clock.t = at(DAY, "06:05")
        await server.access.tick()
        day = server.office.access_days[DAY]
        first, second = day.drawn.places
        next_in_line = day.drawn.rest[0]
        clock.t = first.window_end + 1  # the first did not come in their window
        await server.access.tick()
        offered = next(n for n, r in registered.items() if r["entry"] == next_in_line)
        seen = await outcomes(server, registered)
        assert seen[offered]["state"] == "offered" and seen[offered]["window_start"] == clock.t
        message = server.outbox.messages[f"offered:{next_in_line}"]
        assert seen[offered]["code"] in message.text
        await server.access.tick()  # once: the place is not offered again
        assert sum(o["state"] == "offered" for o in (await outcomes(server, registered)).values()) == 1
        figures = server.board.floor(clock.t)["access"][0]
        assert (figures["no_shows"], figures["offered"], figures["won_after_unlucky_days"]) == (1, 1, {0: 2})


async def test_no_place_today_weighs_more_tomorrow_and_a_place_resets_it(tmp_path):
    async with window_open(tmp_path, places=2) as (server, clock):
        registered = await register_all(server, NAMES[:5])
        clock.t = at(DAY, "06:05")
        await server.access.tick()
        seen = await outcomes(server, registered)
        clock.t = at(DAY, "15:00")  # Tuesday afternoon: Wednesday's window
        await server.access.tick()
        again = await register_all(server, NAMES[:5])
        for name in NAMES[:5]:
            assert again[name]["day"] == "2026-12-09"
            assert again[name]["weight"] == (1 if seen[name]["state"] == "won" else 2), name
        clock.t = at("2026-12-09", "09:00")  # Tuesday's day is over: its outcome page says so
        assert {o["state"] for o in (await outcomes(server, registered)).values()} == {"gone"}


async def test_not_the_registered_person_ends_the_visit_at_the_counter_and_is_counted(tmp_path):
    clock = Clock(at("2026-12-07", "16:00"))
    server = await start(tmp_path / "o.sqlite3", clock, site=access_site(contingent={"residence": 1}))
    kiosk = ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal="kiosk-1", token=token("kiosk-1"))
    counter = ClientSession(f"ws://127.0.0.1:{server.port}/", role="counter", terminal="counter-5",
                            token=token("counter-5"))
    try:
        await server.access.tick()
        registered = await register_all(server, NAMES[:3])
        clock.t = at(DAY, "07:35")
        await server.access.tick()
        day = server.office.access_days[DAY]
        place = day.drawn.places[0]
        for session in (kiosk, counter):
            session.start()
            await session.ready()
        ticket = (await kiosk.request(p.Checkin(id=0, booking=place.code))).ticket
        name = next(n for n, r in registered.items() if r["entry"] == place.entry)
        contact = server.outbox.near_call.contact_of(server.office.tickets[ticket.number])
        assert contact == (f"+49 170 {1000 + NAMES.index(name)}", "sms")  # for "your call is near"
        await counter.request(p.Open(id=0))
        await counter.request(p.Call(id=0, ticket=ticket.number))
        refused = await counter.request(p.RefuseIdentity(id=0))
        assert refused.ticket.state == "done" and refused.ticket.outcome == "identity_refused"
        assert server.office.desks["5"].current is None
        assert server.store.query("SELECT count(*) FROM events WHERE kind = 'identity_refused'") == [(1,)]
        figures = server.board.floor(clock.t)["access"][0]  # the floor board's lottery figures
        assert (figures["day"], figures["entries"], figures["places"], figures["came"]) == (DAY, 3, 1, 1)
        assert figures["identity_refused"] == 1 and figures["via"] == {"web": 3} and figures["proof"].endswith(".json")
        try:
            await counter.request(p.RefuseIdentity(id=0))  # nobody at the counter now
            raise AssertionError("refused twice")
        except ServerError as exc:
            assert exc.code == "no_current_ticket"
    finally:
        await kiosk.close()
        await counter.close()
        await server.stop()


async def test_the_demo_moves_the_day_to_its_start_and_the_winners_windows_lie_ahead(tmp_path):
    from server.access.demo import soon

    start_at = at(DAY, "10:02")
    site = soon(access_site(contingent={"residence": 4}), start_at)
    assert (site.access.closes.isoformat(), site.access.draw_at.isoformat()) == ("10:13:00", "10:16:00")
    assert soon(access_site(), at(DAY, "23:55")).access == access_site().access  # not across midnight
    clock = Clock(start_at)
    server = await start(tmp_path / "o.sqlite3", clock, site=site)
    try:
        await server.access.tick()  # today's window is open from the demo's start
        registered = await register_all(server, NAMES[:8])
        assert {r["day"] for r in registered.values()} == {DAY}
        clock.t = at(DAY, "10:16")  # three minutes after the close: time for a witness's words
        await server.access.tick()
        places = server.office.access_days[DAY].drawn.places
        assert len(places) == 4 and all(p.window_start >= at(DAY, "10:17") for p in places)  # none in the past
    finally:
        await server.stop()


async def test_without_a_fixed_contingent_the_places_are_the_plans_capacity_less_the_appointments(tmp_path):
    from server.wire.plan import Shift

    clock = Clock(at("2026-12-07", "16:00"))
    site = access_site(contingent={})
    server = await start(tmp_path / "o.sqlite3", clock, site=site)
    try:
        await server.access.tick()
        await server.writer.submit(lambda now: server.office.set_plan(  # Tuesday 8-12 at counter 5: 240 min ÷ 15
            template=[Shift(counter="5", weekday=1, start="08:00", end="12:00", services=["residence"])],
            closures=[], now=now))
        await server.writer.submit(lambda now: server.office.book(booking="B-1", service="residence", lang="de",
                                                                  due_at=at(DAY, "09:00"), now=now))
        await register_all(server)
        clock.t = at(DAY, "06:05")
        assert server.access.schedule.contingent(DAY) == {"residence": 16 - 1}
        await server.access.tick()
        assert server.office.access_days[DAY].drawn.contingent == {"residence": 15}
        places = server.office.access_days[DAY].drawn.places
        assert len(places) == 15  # in windows while the plan staffs counter 5 for it, not the opening hours
        assert all(at(DAY, "08:00") <= p.window_start < p.window_end <= at(DAY, "12:00") for p in places)
    finally:
        await server.stop()


async def test_not_drawn_says_a_freed_place_may_still_come_only_where_the_service_had_places(tmp_path):
    """The "not drawn" text (SMS or e-mail, the visitor's language) tells those of a service
    with places that a place given back may still be offered today; those of a service
    without places only not to come."""
    from config import strings

    clock = Clock(at("2026-12-07", "16:00"))
    server = await start(tmp_path / "o.sqlite3", clock,
                         site=access_site(services=("residence", "extension"), contingent={"residence": 1, "extension": 0}))
    try:
        await server.access.tick()
        residence = await register_all(server, NAMES[:3])  # Arabic, by SMS
        async with page(server) as visitor:
            extension = await visitor.register("Olena Kovalenko", service="extension", lang="uk",
                                               contact="olena@example.org")
        clock.t = at(DAY, "06:05")
        await server.access.tick()
        told = server.outbox.messages
        lost = [r["entry"] for r in residence.values() if f"won:{r['entry']}" not in told]
        assert len(lost) == 2
        for entry in lost:
            assert told[f"not_drawn:{entry}"].text == strings("ar")["messages.not_drawn_offer"]
        assert told[f"not_drawn:{extension['entry']}"].text == strings("uk")["messages.not_drawn"]
    finally:
        await server.stop()
