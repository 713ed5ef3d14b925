"""End to end over real websockets: a kiosk, a counter and a display on a real server."""

from __future__ import annotations

import json

import pytest

from server.wire import protocol as p
from server.wire.session import ServerError

from .conftest import http_get, make_site


async def test_draw_next_start_finish_and_the_display_sees_the_call(server, terminal):
    kiosk = await terminal("kiosk-1")
    counter = await terminal("counter-5")
    display = await terminal(role="display")  # anonymous read-only display, allowed by the demo site
    admin = await terminal("admin")

    await counter.request(p.Open(id=0))
    drawn = await kiosk.request(p.Draw(id=0, service="residence", lang="ar", request="r-1"))
    assert (drawn.ticket.number, drawn.ticket.state, drawn.ahead) == ("A001", "waiting", 0)
    assert drawn.eta is not None and drawn.ticket.token and len(drawn.ticket.token) >= 16

    called = await counter.request(p.Next(id=0))
    assert (called.ticket.number, called.ticket.lang, called.desk.current.number) == ("A001", "ar", "A001")
    assert called.ticket.reason == "first_service"

    shown = await display.next_event(p.Called)
    assert (shown.ticket.number, shown.counter, shown.zone, shown.recall) == ("A001", "5", "first-floor", 0)
    assert shown.texts == {"de": "Nummer A001, bitte zu Schalter 5.",
                           "ar": "الرقم A001، يرجى التوجه إلى الشباك 5.",
                           "en": "Number A001, please go to counter 5."}  # the demo site adds English

    await counter.request(p.Recall(id=0))
    assert (await display.next_event(p.Called)).recall == 1
    started = await counter.request(p.Start(id=0))
    assert started.ticket.state == "serving"
    finished = await counter.request(p.Finish(id=0, outcome="done"))
    assert (finished.ticket.state, finished.ticket.outcome, finished.desk.current) == ("done", "done", None)
    assert [(t.number, t.outcome) for t in finished.desk.handled] == [("A001", "done")]
    with pytest.raises(TimeoutError):  # a finished visit is no news to a waiting room
        await display.next_event(p.TicketChanged, timeout=0.3)

    states = [(await admin.next_event(p.TicketChanged)).ticket.state for _ in range(3)]
    assert states == ["waiting", "serving", "done"]  # staff see every change
    row = server.store.ticket_row(token=drawn.ticket.token)
    assert (row["number"], row["state"], row["counter"], row["lang"]) == ("A001", "done", "5", "ar")


async def test_queue_lengths_and_estimates_are_pushed(terminal):
    kiosk = await terminal("kiosk-2")
    display = await terminal("display-ground")
    await kiosk.request(p.Draw(id=0, service="passport", lang="tr", request="q-1"))
    pushed = await display.next_event(p.QueuesChanged)
    while "passport" not in (queues := {q.service: q for q in pushed.queues}):
        pushed = await display.next_event(p.QueuesChanged)
    # no counter is open yet: the estimate waits for the counters to open (expected in 10 minutes)
    assert queues["passport"].waiting == 1 and queues["passport"].eta[0] >= 5


async def test_welcome_carries_site_and_snapshot(terminal):
    kiosk = await terminal("kiosk-1")
    await kiosk.request(p.Draw(id=0, service="info", lang="fa", request="w-1"))
    counter = await terminal("counter-2")
    welcome = counter.welcome
    assert (welcome.role, welcome.terminal, welcome.counter, welcome.v) == ("counter", "counter-2", "2", 1)
    assert welcome.site.services[0].names["fa"] == "اجازه اقامت (درخواست اول)"
    assert {q.service: q.waiting for q in welcome.snapshot.queues}["info"] == 1


async def test_counter_errors_are_sentences_with_codes(terminal):
    counter = await terminal("counter-3")
    with pytest.raises(ServerError) as info:
        await counter.request(p.Next(id=0))
    assert (info.value.code, info.value.message) == ("counter_not_open", "counter 3 is closed: open it first")
    await counter.request(p.Open(id=0, services=["passport"]))
    with pytest.raises(ServerError) as info:
        await counter.request(p.Next(id=0))
    assert (info.value.code, info.value.message) == ("nothing_waiting", "nobody is waiting for counter 3's services")


async def test_healthz_reports_the_live_state(server, terminal):
    # a server starting between 14:00 and 06:00 (Berlin) opens the demo's lottery window first: one
    # commit of its own, before any terminal acts
    started = json.loads((await http_get(f"http://127.0.0.1:{server.port}/healthz"))[2])["commits"]
    kiosk = await terminal("kiosk-1")
    counter = await terminal("counter-4")
    await counter.request(p.Open(id=0))
    await kiosk.request(p.Draw(id=0, service="extension", lang="ru", request="h-1"))
    await kiosk.request(p.Printer(id=0, state="paper_near_end"))
    status, headers, body = await http_get(f"http://127.0.0.1:{server.port}/healthz")
    assert status == 200 and headers.get_all("Content-Type") == ["application/json"]
    health = json.loads(body)
    assert health["status"] == "ok" and health["open_counters"] == ["4"]
    assert health["waiting"]["extension"] == 1 and health["tickets_today"] == 1
    assert health["commits"] == started + 2  # the counter opened, a ticket drawn; the printer report is not stored
    assert health["connected"] == {"kiosk": ["kiosk-1"], "counter": ["counter-4"]}
    assert health["printers"]["kiosk-1"]["state"] == "paper_near_end"


async def test_unknown_pages_are_404(server):
    status, _, body = await http_get(f"http://127.0.0.1:{server.port}/nothing")
    assert (status, body) == (404, b"not found\n")


async def test_an_admin_books_a_visitor_checks_in_and_is_called_first_when_due(server, terminal):
    admin, kiosk, counter = await terminal("admin"), await terminal("kiosk-1"), await terminal("counter-6")
    booked = await admin.request(p.Book(id=0, booking="hd-2026-0042", service="settlement", lang="uk",
                                        due_at=server.clock() - 60))
    assert (booked.booking.booking, booked.booking.ticket) == ("HD-2026-0042", None)
    await kiosk.request(p.Draw(id=0, service="residence", lang="de", request="walk-in"))
    checked_in = await kiosk.request(p.Checkin(id=0, booking="HD-2026-0042"))
    assert (checked_in.ticket.number, checked_in.ticket.lang, checked_in.ahead) == ("C001", "uk", 0)
    with pytest.raises(ServerError) as info:
        await kiosk.request(p.Checkin(id=0, booking="HD-9"))
    assert (info.value.code, info.value.message) == ("unknown_booking", "there is no appointment HD-9 today")
    with pytest.raises(ServerError) as info:
        await kiosk.request(p.Book(id=0, booking="X", service="info", lang="de", due_at=server.clock()))
    assert info.value.code == "not_allowed"
    await counter.request(p.Open(id=0))
    called = await counter.request(p.Next(id=0))
    assert (called.ticket.number, called.ticket.reason) == ("C001", "appointment_due")


async def test_a_kiosk_cancels_a_ticket_it_could_not_print(server, terminal):
    kiosk, other = await terminal("kiosk-1"), await terminal("kiosk-2")
    drawn = await kiosk.request(p.Draw(id=0, service="info", lang="ar", request="jammed"))
    with pytest.raises(ServerError) as info:
        await other.request(p.Cancel(id=0, ticket=drawn.ticket.number))
    assert (info.value.code, info.value.message) == ("not_allowed", "ticket F001 was drawn at another kiosk")
    cancelled = await kiosk.request(p.Cancel(id=0, ticket=drawn.ticket.number, reason="paper_out"))
    assert cancelled.ticket.state == "cancelled"
    assert server.store.ticket_row(token=drawn.ticket.token)["state"] == "cancelled"
    assert server.office.queue_info("info", server.clock()).waiting == 0


async def test_tls_is_a_config_switch(tmp_path):
    import ssl

    import trustme

    from server.edge.app import Server
    from server.wire.session import ClientSession, ConnectionLost

    from .conftest import token

    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1")
    certificate.private_key_and_cert_chain_pem.write_to_path(str(tmp_path / "server.pem"))
    certificate.private_key_pem.write_to_path(str(tmp_path / "server.key"))
    site = make_site(tls_cert=str(tmp_path / "server.pem"), tls_key=str(tmp_path / "server.key"))
    server = Server(site, tmp_path / "o.sqlite3", always_open=True)
    port = await server.start("127.0.0.1", 0)
    trusted = ssl.create_default_context()
    authority.configure_trust(trusted)
    try:
        kiosk = ClientSession(f"wss://127.0.0.1:{port}/", role="kiosk", terminal="kiosk-1", token=token("kiosk-1"),
                              ssl=trusted)
        async with kiosk:
            await kiosk.ready()
            drawn = await kiosk.request(p.Draw(id=0, service="info", lang="tr", request="tls"))
        assert drawn.ticket.number == "F001"
        plain = ClientSession(f"ws://127.0.0.1:{port}/", role="kiosk", terminal="kiosk-1", token=token("kiosk-1"),
                              timeout=1)
        plain.start()
        with pytest.raises(ConnectionLost, match=f"no connection to ws://127.0.0.1:{port}/"):
            await plain.ready(timeout=1)  # no plain-text way in: the handshake never completes
        assert plain.refused is None and not plain.connected
        await plain.close()
    finally:
        await server.stop()


async def test_a_failed_commit_is_refused_and_stops_the_server_without_losing_anything(tmp_path, site):
    from server.edge.app import Server
    from server.wire.session import ClientSession

    from .conftest import token

    server = Server(site, tmp_path / "o.sqlite3", always_open=True)
    port = await server.start("127.0.0.1", 0)
    kiosk = ClientSession(f"ws://127.0.0.1:{port}/", role="kiosk", terminal="kiosk-1", token=token("kiosk-1"))
    async with kiosk:
        await kiosk.ready()
        kept = await kiosk.request(p.Draw(id=0, service="info", lang="de", request="before"))
        server.store.db.conn.close()  # the disk is gone from under the server
        with pytest.raises(ServerError) as info:
            await kiosk.request(p.Draw(id=0, service="info", lang="de", request="lost"))
        assert info.value.code == "storage_failed"
        assert server.failed.is_set() and server.health()["status"] == "failing"
    await server.stop()
    restarted = Server(site, tmp_path / "o.sqlite3", always_open=True)
    await restarted.start("127.0.0.1", 0)
    try:  # what was confirmed is there; what was refused is not
        assert list(restarted.office.tickets) == [kept.ticket.number] == ["F001"]
    finally:
        await restarted.stop()


async def test_a_missing_certificate_is_named_before_anything_is_opened(tmp_path):
    from server.edge.app import CannotListen, Server

    site = make_site(tls_cert=str(tmp_path / "nowhere.pem"), tls_key=str(tmp_path / "nowhere.key"))
    server = Server(site, tmp_path / "office.sqlite3")
    with pytest.raises(CannotListen) as refused:
        await server.start("127.0.0.1", 0)
    assert "site.tls_cert" in str(refused.value) and "nowhere.pem" in str(refused.value)
    assert not (tmp_path / "office.sqlite3").exists()  # nothing opened, nothing created
