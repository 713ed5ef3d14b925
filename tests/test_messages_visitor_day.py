"""A visitor's day by text, end to end through a real Kannel (bearerbox, smsbox, fakesmsc):
registered on the phone page in Arabic with a mobile number, the draw's outcome arrives as an
Arabic SMS (the code and the time window; "no need to come" to the others, in Tigrinya for
one of them), the code checks in at the kiosk an hour early, the visitor leaves, and an SMS
says the call is near; then the counter calls that number. Real server, real websocket
clients, the server's clock moved by the test."""

from __future__ import annotations

from dataclasses import replace

import pytest

from config import strings
from config.messages import Messages
from server.access.proof import clock as wall
from server.messages.texts import compose
from server.wire import protocol as p
from server.wire.session import ClientSession

from .access_office import DAY, TZ, Clock, access_site, at, page, start
from .conftest import token
from .gateways import Kannel, until

PEOPLE = [("Amina Haddad", "ar", "0151 4000 0001"), ("Yonas Tesfay", "ti", "0151 4000 0002"),
          ("Omar Karimi", "ar", "0151 4000 0003"), ("Sara Haddad", "ar", "0151 4000 0004")]


@pytest.fixture(scope="module")
def kannel():
    gateway = Kannel().start()
    yield gateway
    gateway.stop()


def texts_to(kannel: Kannel, phone: str) -> list[str]:
    number = "+49" + phone.replace(" ", "")[1:]
    return [sms.text for sms in kannel.received() if sms.to == number]


async def test_registered_in_arabic_told_by_sms_checked_in_called(kannel, tmp_path):
    clock = Clock(at("2026-12-07", "16:00"))
    messages = Messages(sendsms_url=kannel.sendsms_url, sendsms_user="office", sendsms_password="kannel-secret",
                        sms_from="Amt", retry_seconds=0.1)
    site = replace(access_site(contingent={"residence": 2}), messages=messages)
    server = await start(tmp_path / "o.sqlite3", clock, site=site)
    sessions = []

    async def terminal(name: str) -> ClientSession:
        session = ClientSession(f"ws://127.0.0.1:{server.port}/", role=site.terminal(name).role, terminal=name,
                                token=token(name))
        sessions.append(session)
        session.start()
        await session.ready()
        return session

    try:
        await server.access.tick()
        async with page(server) as phone:
            entries = {name: (await phone.register(name, lang=lang, contact=contact))["entry"]
                       for name, lang, contact in PEOPLE}
        clock.t = at(DAY, "06:05")
        await server.access.tick()
        async with page(server) as phone:
            seen = {name: await phone.outcome(entries[name]) for name, _, _ in PEOPLE}
        won = [(n, lang, c) for n, lang, c in PEOPLE if seen[n]["state"] == "won"]
        assert len(won) == 2
        await until(lambda: all(texts_to(kannel, c) for _, _, c in PEOPLE))
        for name, lang, contact in PEOPLE:
            outcome = seen[name]
            values = ({"code": outcome["code"], "start": wall(outcome["window_start"], TZ),
                       "end": wall(outcome["window_end"], TZ)} if outcome["state"] == "won" else {})
            # not drawn, where a no-show's place may still come: the text says so, as the page does
            kind = "not_drawn_offer" if outcome.get("may_be_offered") else outcome["state"]
            assert texts_to(kannel, contact) == [compose(strings(lang), kind, **values)[1]]
        await until(lambda: all(server.outbox.state(f"{seen[n]['state']}:{entries[n]}") == "delivered"
                                for n, _, _ in PEOPLE))

        name, lang, contact = next(w for w in won if w[1] == "ar")
        code, start_at = seen[name]["code"], seen[name]["window_start"]
        clock.t = start_at - 3600  # an hour before the window; others came without a place
        counter, kiosk = await terminal("counter-5"), await terminal("kiosk-1")
        await counter.request(p.Open(id=0, services=["residence"]))
        for i in range(6):
            await kiosk.request(p.Draw(id=0, service="residence", lang="de", request=f"walk-in-{i}"))
        ticket = (await kiosk.request(p.Checkin(id=0, booking=code, lang="ar"))).ticket
        assert server.office.tickets[ticket.number].eta_low > 20  # told it is a while: the visitor leaves

        called = None
        while called != ticket.number:
            server.outbox.near_call.check(clock.t)
            called = (await counter.request(p.Next(id=0))).ticket.number
            await counter.request(p.Start(id=0))
            clock.t += 12 * 60
            await counter.request(p.Finish(id=0, outcome="done"))
        await until(lambda: len(texts_to(kannel, contact)) == 2)
        near = texts_to(kannel, contact)[1]
        assert ticket.number in near and near.startswith(f"الرقم {ticket.number}: دورك بعد ")
        # the SMS centre may have the text before the server has read Kannel's answer to its send
        await until(lambda: server.outbox.state(f"near_call:{DAY}:{ticket.number}") in ("sent", "delivered"),
                    what=lambda: server.outbox.state(f"near_call:{DAY}:{ticket.number}"))
    finally:
        for session in sessions:
            await session.close()
        await server.stop()
