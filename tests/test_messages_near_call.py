"""The "your call is near" notice, on a real server with real kiosk and counter sessions and a
real SMTP server (aiosmtpd): a visitor with a contact whose ticket was printed with a long
wait gets one e-mail in their language when the forecast says about 20 minutes, or when at
most 3 are ahead in a short queue; never a second one; a ticket printed with a short wait
(its visitor stayed) and a ticket without a contact get none. Here the test gives walk-ins
contacts through `outbox.near_call.contact_of`; in the office they are those left when
registering for the day's places (tests/test_messages_visitor_day.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from config import strings
from config.messages import Messages
from server.edge.app import Server
from server.messages.texts import compose
from server.wire import protocol as p
from server.wire.session import ClientSession

from .conftest import make_site, token
from .gateways import SmtpServer, until


@pytest.fixture
async def office(tmp_path):
    """A server whose clock the test moves, e-mail to a real SMTP server, and terminals."""
    smtp = SmtpServer().start()
    site = make_site()
    # today's 08:00 in the office: the test moves the clock 15 minutes a visit for some 3.5 hours,
    # which from the wall clock's evening crossed midnight (a new day closes the counters)
    now = [datetime.now(ZoneInfo(site.timezone)).replace(hour=8, minute=0, second=0, microsecond=0).timestamp()]
    messages = Messages(smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_tls="none",
                        mail_from="termine@amt.example", retry_seconds=0.05)
    server = Server(replace(site, messages=messages), tmp_path / "o.sqlite3", always_open=True,
                    clock=lambda: now[0])
    await server.start("127.0.0.1", 0)
    sessions = []

    async def terminal(terminal_id: str) -> ClientSession:
        session = ClientSession(f"ws://127.0.0.1:{server.port}/", role=make_site().terminal(terminal_id).role,
                                terminal=terminal_id, token=token(terminal_id))
        sessions.append(session)
        session.start()
        await session.ready()
        return session

    yield server, terminal, smtp, now
    for session in sessions:
        await session.close()
    await server.stop()
    smtp.stop()


async def test_one_notice_in_the_visitors_language_when_the_call_is_near(office):
    server, terminal, smtp, now = office
    counter, kiosk = await terminal("counter-5"), await terminal("kiosk-1")
    await counter.request(p.Open(id=0, services=["residence"]))
    drawn = [(await kiosk.request(p.Draw(id=0, service="residence", lang="ar", request=f"r{i}"))) for i in range(14)]
    printed = {d.ticket.number: d.eta for d in drawn}
    far = [n for n, eta in printed.items() if eta is not None and eta[0] > 20]
    near = [n for n, eta in printed.items() if eta is not None and eta[0] <= 20]
    assert far and near, printed  # the demo's residence visits take ~15 min: some near, some far
    contacts = {n: (f"visitor-{n.lower()}@example.org", "email") for n in far + near[1:]}
    last = far[-1]
    contacts[last] = ("0151 1234 5678", "sms")  # SMS is off on this site: recorded, waits
    server.outbox.near_call.contact_of = lambda ticket: contacts.get(ticket.number)
    target = far[0]

    assert server.outbox.near_call.check(now[0]) == []  # the far are far; the near were told so at the kiosk

    posted: list[str] = []
    while f"near_call:{server.office.day}:{target}" not in posted:
        await counter.request(p.Next(id=0))
        await counter.request(p.Start(id=0))
        now[0] += 15 * 60
        await counter.request(p.Finish(id=0, outcome="done"))
        posted += server.outbox.near_call.check(now[0])
    low, high = server.office.estimate(target, now[0])
    assert low <= 20 or server.office.ahead(server.office.tickets[target]) <= 3

    await until(lambda: len(smtp.mailbox.mails) >= 1)
    [mail] = [m for m in smtp.mailbox.mails if m["To"] == contacts[target][0]]
    subject, text = compose(strings("ar"), "near_call", office=server.site.name, number=target,
                            minutes=max(5, 5 * round((low + high) / 10)),
                            ahead=server.office.ahead(server.office.tickets[target]))
    assert (mail["Subject"], mail.get_content()) == (subject, text)
    assert target in text and "دقيقة" in text

    assert server.outbox.near_call.check(now[0]) == []  # once per ticket
    notified = {ref.rsplit(":", 1)[1] for ref in posted}
    assert notified <= set(far)  # never to a ticket printed with a short wait
    while server.office.waiting["residence"]:
        await counter.request(p.Next(id=0))
        await counter.request(p.Start(id=0))
        now[0] += 15 * 60
        await counter.request(p.Finish(id=0, outcome="done"))
        notified |= {ref.rsplit(":", 1)[1] for ref in server.outbox.near_call.check(now[0])}
    assert notified == set(far)  # every far one, once, on its way to the counter
    assert server.outbox.state(f"near_call:{server.office.day}:{last}") == "waiting"  # SMS off: recorded


async def test_no_contact_no_notice(office):
    """Walk-ins registered nowhere: nobody left a contact."""
    server, terminal, _, now = office
    counter, kiosk = await terminal("counter-5"), await terminal("kiosk-1")
    await counter.request(p.Open(id=0, services=["residence"]))
    for i in range(4):
        await kiosk.request(p.Draw(id=0, service="residence", lang="ti", request=f"r{i}"))
    now[0] += 3600
    assert server.outbox.near_call.check(now[0]) == []


async def test_one_tickets_bad_contact_keeps_no_other_tickets_notice_back(office, caplog):
    server, terminal, smtp, now = office
    counter, kiosk = await terminal("counter-5"), await terminal("kiosk-1")
    await counter.request(p.Open(id=0, services=["residence"]))
    drawn = [(await kiosk.request(p.Draw(id=0, service="residence", lang="uk", request=f"r{i}"))).ticket.number
             for i in range(4)]
    for number in drawn:
        server.office.tickets[number].eta_low = 30  # all were printed a long wait
    contacts = {drawn[0]: ("???", "fax"), drawn[1]: ("ok@example.org", "email")}
    server.outbox.near_call.contact_of = lambda ticket: contacts.get(ticket.number)
    assert server.outbox.near_call.check(now[0]) == [f"near_call:{server.office.day}:{drawn[1]}"]
    assert "near-call notice failed" in caplog.text
