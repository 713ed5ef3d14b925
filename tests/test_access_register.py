"""Registering for the day's places on /register/ws: a real server on 127.0.0.1, a real
websocket client as the visitor's page, the server's clock moved by the test. Every refusal
has its code and changes nothing."""

from __future__ import annotations

import asyncio
import contextlib
import json

import websockets

from config.limits import Limits
from server.core import events as ev
from server.wire import protocol as p
from server.wire.session import ClientSession

from .access_office import DAY, Clock, access_site, at, page, start
from .conftest import http_get, token


async def test_a_visitor_registers_and_is_told_to_wait_for_the_draw(tmp_path):
    server = await start(tmp_path / "o.sqlite3", Clock(at("2026-12-07", "15:00")))
    try:
        await server.access.tick()  # the window for Tuesday opened at 14:00
        async with page(server) as visitor:
            registered = await visitor.register("Ahmad Al-Hassan", contact="+49 170 1234567")
            assert registered["type"] == "registered" and registered["day"] == DAY
            assert registered["draw_at"] == at(DAY, "06:05") and registered["weight"] == 1
            outcome = await visitor.outcome(registered["entry"])
        assert outcome["state"] == "waiting" and outcome["service"] == "residence" and "code" not in outcome
        status, _, body = await http_get(f"http://127.0.0.1:{server.port}/draw/{DAY}.json")
        published = json.loads(body)
        assert status == 200 and published["seed_hash"] == outcome["seed_hash"] and "seed" not in published
        assert published["entries"] == 1
    finally:
        await server.stop()


async def test_one_entry_per_person_however_the_name_is_typed(tmp_path):
    server = await start(tmp_path / "o.sqlite3", Clock(at("2026-12-07", "20:00")))
    try:
        await server.access.tick()
        async with page(server) as visitor:
            assert (await visitor.register("Ahmad Al-Hassan"))["type"] == "registered"
            again = await visitor.register("  ahmad  ALHASSAN ", lang="de")
            assert again["type"] == "error" and again["code"] == "already_registered"
            other = await visitor.register("Ahmad Al-Hassan", born="1991-01-02")  # another person
            assert other["type"] == "registered"
        assert len(server.office.access_days[DAY].entries) == 2
    finally:
        await server.stop()


async def test_registration_outside_the_window_is_refused_and_nothing_kept(tmp_path):
    clock = Clock(at("2026-12-07", "13:59"))
    server = await start(tmp_path / "o.sqlite3", clock)
    try:
        await server.access.tick()
        async with page(server) as visitor:
            early = await visitor.register("Maria Popescu")
            assert early["code"] == "window_closed" and "14:00" in early["message"]
            clock.t = at(DAY, "06:00")  # closed on the minute
            await server.access.tick()
            late = await visitor.register("Maria Popescu")
            assert late["code"] == "window_closed"
        assert not server.office.access_days.get(DAY) or not server.office.access_days[DAY].entries
        assert server.store.query("SELECT count(*) FROM access_people") == [(0,)]
    finally:
        await server.stop()


async def test_bad_input_gets_a_clear_code_and_changes_nothing(tmp_path):
    server = await start(tmp_path / "o.sqlite3", Clock(at("2026-12-07", "15:00")))
    try:
        await server.access.tick()
        async with page(server) as visitor:
            assert (await visitor.register("  -- ,, "))["code"] == "bad_name"
            # one person in a second script would be a second entry: only Latin letters, as in the passport
            for other in ("Олена Коваленко", "أحمد الحسن", "Olena Коваленко"):
                assert (await visitor.register(other))["code"] == "bad_name", other
            assert (await visitor.register("Li Wei", born="02.01.1990"))["code"] == "bad_birth_date"
            assert (await visitor.register("Li Wei", born="2030-01-01"))["code"] == "bad_birth_date"
            assert (await visitor.register("Li Wei", service="info"))["code"] == "unknown_service"
            assert (await visitor.register("Li Wei", contact="not a number"))["code"] == "bad_request"
            assert (await visitor.register("Li Wei", urgent_until="soon"))["code"] == "bad_request"
            assert (await visitor.register("Li Wei", lang="xx"))["code"] == "bad_request"
            assert (await visitor.outcome("made-up-entry"))["code"] == "unknown_entry"
            assert (await visitor.ask(type="register"))["code"] == "bad_request"
            await visitor.ws.send("{not json")
            assert json.loads(await visitor.ws.recv())["code"] == "bad_request"
            # the connection still serves, and accented Latin is a name as in the passport
            assert (await visitor.register("Nguyễn Thị Ánh Çelik"))["type"] == "registered"
        assert len(server.office.access_days[DAY].entries) == 1
    finally:
        await server.stop()


async def test_a_phone_holds_a_family_and_no_more(tmp_path):
    server = await start(tmp_path / "o.sqlite3", Clock(at("2026-12-07", "15:00")))
    try:
        await server.access.tick()
        async with page(server) as visitor:
            for name in ("Amina Yusuf", "Omar Yusuf", "Sara Yusuf", "Ali Yusuf"):
                assert (await visitor.register(name, contact="+49 170 555 0101"))["type"] == "registered"
            fifth = await visitor.register("Hana Yusuf", contact="+49-170-5550101")  # the same phone, written otherwise
            assert fifth["code"] == "contact_full"
            assert (await visitor.register("Hana Yusuf", contact="hana@example.org"))["type"] == "registered"
    finally:
        await server.stop()


async def test_a_flood_of_made_up_identities_from_one_address_stops_at_its_cap(tmp_path):
    site = access_site(entries_per_address=20, contingent={"residence": 5})
    clock = Clock(at("2026-12-07", "15:00"))
    server = await start(tmp_path / "o.sqlite3", clock, site=site,
                         limits=Limits(register_per_second=10_000, register_burst=10_000))
    try:
        await server.access.tick()
        answers = []
        async with page(server) as operator:
            again = [await operator.register("Made Up PersonAA") for _ in range(2)]  # a refusal is no entry
            assert [a.get("code", a["type"]) for a in again] == ["registered", "already_registered"]
            for i in range(1, 120):
                answers.append(await operator.register(f"Made Up Person{chr(65 + i % 26)}{chr(65 + i // 26)}"))
        answers = again[:1] + answers
        codes = [a.get("code", a["type"]) for a in answers]
        assert codes[:20] == ["registered"] * 20 and set(codes[20:]) == {"too_many"}
        day = server.office.access_days[DAY]
        assert len(day.entries) == 20
        clock.t = at(DAY, "06:05")
        await server.access.tick()
        drawn = {p.entry for p in day.drawn.places}
        refused_entries = {a.get("entry") for a in answers[20:]}
        assert len(drawn) == 5 and refused_entries == {None}  # a refused one holds no entry, so it cannot win
    finally:
        await server.stop()


async def test_the_socket_paces_an_address_that_floods_it(tmp_path):
    """Frames beyond the burst wait for the address's rate: a flood is slowed, not read at once."""
    server = await start(tmp_path / "o.sqlite3", Clock(at("2026-12-07", "15:00")),
                         limits=Limits(register_per_second=1.0, register_burst=3))
    try:
        async with page(server) as visitor:
            for i in range(5):
                await visitor.ws.send(json.dumps({"type": "outcome", "id": i, "entry": f"x{i}"}))
            answered = []
            try:
                while True:
                    answered.append(json.loads(await asyncio.wait_for(visitor.ws.recv(), 0.5)))
            except TimeoutError:
                pass
        assert 3 <= len(answered) < 5  # the burst at once; the rest one a second
    finally:
        await server.stop()


async def test_a_page_of_another_site_cannot_open_the_socket(tmp_path):
    server = await start(tmp_path / "o.sqlite3", Clock(at("2026-12-07", "15:00")))
    try:
        try:
            await websockets.connect(f"ws://127.0.0.1:{server.port}/register/ws", origin="http://evil.example")
            raise AssertionError("opened")
        except websockets.InvalidStatus as exc:
            assert exc.response.status_code == 403
    finally:
        await server.stop()


async def test_entries_are_events_without_names_and_names_stay_in_the_side_table(tmp_path):
    server = await start(tmp_path / "o.sqlite3", Clock(at("2026-12-07", "15:00")))
    try:
        await server.access.tick()
        async with page(server) as visitor:
            await visitor.register("Ahmad Al-Hassan", contact="ahmad@example.org", urgent_until="2026-12-10")
        stored = server.store.query("SELECT day, data FROM events WHERE kind = 'entry_registered'")
        assert len(stored) == 1 and stored[0][0] == DAY
        assert "Hassan" not in stored[0][1] and "1990" not in stored[0][1] and "example.org" not in stored[0][1]
        event = ev.decode(stored[0][1])
        assert event.urgent and event.contact == "email" and event.via == "web"
        assert server.store.query("SELECT name, birth_date, contact FROM access_people") == [
            ("Ahmad Al-Hassan", "1990-01-02", "ahmad@example.org")]
    finally:
        await server.stop()


async def test_the_info_desk_registers_a_caller_from_the_board_and_the_server_says_so(tmp_path):
    from .test_manager_board import board_socket, cookie_for

    server = await start(tmp_path / "o.sqlite3", Clock(at("2026-12-07", "15:00")))
    try:
        await server.access.tick()
        ws, _ = await board_socket(server, await cookie_for(server.port, "manager", "demo-manager"))
        await ws.send(json.dumps({"type": "register", "id": 9, "service": "residence", "lang": "ti",
                                  "name": "Selam Tesfay", "birth_date": "1994-07-01", "contact": "+49 151 2345678",
                                  "via": "web"}))
        while (answer := json.loads(await ws.recv()))["type"] == "board":
            pass
        await ws.close()
        assert answer["type"] == "registered" and answer["re"] == 9 and answer["day"] == DAY
        stored = ev.decode(server.store.query("SELECT data FROM events WHERE kind = 'entry_registered'")[0][0])
        assert stored.via == "desk" and stored.by == "manager" and stored.lang == "ti"
        async with page(server) as visitor:  # the caller registered by the desk cannot register again online
            assert (await visitor.register("selam tesfay", born="1994-07-01"))["code"] == "already_registered"
    finally:
        await server.stop()


async def test_registration_and_the_draw_on_postgresql(postgres_cluster):
    url = postgres_cluster.database()
    clock = Clock(at("2026-12-07", "15:00"))
    server = await start(url, clock, site=access_site(contingent={"residence": 2}))
    try:
        await server.access.tick()
        async with page(server) as visitor:
            entries = [(await visitor.register(name))["entry"] for name in ("Amina Haddad", "Omar Karimi", "Sara Tesfay")]
    finally:
        await server.stop()
    clock.t = at(DAY, "06:05")
    server = await start(url, clock, site=access_site(contingent={"residence": 2}))  # restarted before the draw
    try:
        assert len(server.office.access_days[DAY].people) == 3
        await server.access.tick()
        async with page(server) as visitor:
            states = sorted([(await visitor.outcome(entry))["state"] for entry in entries])
        assert states == ["not_drawn", "won", "won"]
        assert server.store.query("SELECT count(*) FROM access_weights") == [(1,)]
    finally:
        await server.stop()


async def test_a_number_in_arabic_indic_digits_is_kept_in_digits_the_sms_gateway_knows(tmp_path):
    """The page converts digits itself; a raw frame (or the info desk's form) may not: the
    server keeps the number as 0-9, and the family cap counts it as the same phone."""
    server = await start(tmp_path / "o.sqlite3", Clock(at("2026-12-07", "15:00")))
    try:
        await server.access.tick()
        async with page(server) as visitor:
            await visitor.register("Ahmad Al-Hassan", contact="+٤٩ ١٧٠ ١٢٣٤٥٦٧")
            await visitor.register("Fatima Al-Hassan", contact="+49 170 1234567")
        contacts = server.store.query("SELECT contact FROM access_people ORDER BY name")
        assert contacts == [("+49 170 1234567",), ("+49 170 1234567",)]
        keys = server.store.query("SELECT data FROM events WHERE kind = 'entry_registered'")
        assert len({ev.decode(data).contact_key for (data,) in keys}) == 1
    finally:
        await server.stop()


async def test_registrations_push_no_queue_to_the_kiosks(tmp_path):
    """An entry moves no queue: the kiosks (and displays) are not sent every queue for it; the
    first queue frame after three registrations is the one a draw causes, with its service."""
    from server.wire import protocol as p
    from server.wire.session import ClientSession

    from .access_office import window_open
    from .conftest import token

    async with window_open(tmp_path, places=5) as (server, _):
        kiosk = ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal="kiosk-1",
                              token=token("kiosk-1"))
        kiosk.start()
        try:
            await kiosk.ready()
            with contextlib.suppress(TimeoutError):  # what the window's opening and the kiosk's hello pushed
                while True:
                    await kiosk.next_event(p.QueuesChanged, timeout=0.6)
            async with page(server) as visitor:
                for name in ("Ahmad Al-Hassan", "Maria Popescu", "Li Wei"):
                    assert (await visitor.register(name))["type"] == "registered"
            await asyncio.sleep(0.4)  # longer than the queues' push delay: any frame for them is out
            await kiosk.request(p.Draw(id=0, service="info", lang="de", request="after-the-entries"))
            pushed = await kiosk.next_event(p.QueuesChanged)
            assert [q.service for q in pushed.queues] == ["info"]
        finally:
            await kiosk.close()


async def test_a_restart_gives_an_address_no_more_entries_and_forgets_its_count_with_the_day(tmp_path):
    """An address's web entries are counted on over a restart (from the store's side table, by
    the address's keyed hash, never the address itself); a kiosk's entries are not counted; the
    next day's window counts afresh, and the count goes with the day's personal data."""
    site = access_site(entries_per_address=2)
    clock = Clock(at("2026-12-07", "15:00"))
    server = await start(tmp_path / "o.sqlite3", clock, site=site)
    try:
        await server.access.tick()
        async with page(server) as visitor:
            assert [(await visitor.register(n))["type"] for n in ("Amina Haddad", "Omar Karimi")] == ["registered"] * 2
        kept = server.store.query("SELECT DISTINCT address FROM access_people")
        assert len(kept) == 1 and "127.0.0.1" not in kept[0][0] and len(kept[0][0]) == 64
    finally:
        await server.stop()
    server = await start(tmp_path / "o.sqlite3", clock, site=site)
    kiosk = ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal="kiosk-1", token=token("kiosk-1"))
    try:
        await server.access.tick()
        async with page(server) as visitor:
            third = await visitor.register("Sara Tesfay")
        assert third.get("code") == "too_many", third  # before the fix: a restart counted from 0
        kiosk.start()
        await kiosk.ready()
        at_kiosk = await kiosk.request(p.Register(id=0, service="residence", lang="ar", name="Sara Tesfay",
                                                  birth_date="1990-01-02"))
        assert isinstance(at_kiosk, p.Registered)  # the kiosk's own socket is not counted so
        clock.t = at(DAY, "15:00")  # the next day's window: the address counts afresh
        await server.access.tick()
        async with page(server) as visitor:
            assert (await visitor.register("Ali Karimi"))["type"] == "registered"
    finally:
        await kiosk.close()
        await server.stop()
    clock.t = at("2026-12-09", "15:00")  # DAY is over: its count went with its names
    server = await start(tmp_path / "o.sqlite3", clock, site=site)
    try:
        await server.access.tick()
        assert ("2026-12-08",) not in server.store.query("SELECT DISTINCT day FROM access_people")
        assert all(day > DAY for day, _ in server.access.per_address)
    finally:
        await server.stop()
