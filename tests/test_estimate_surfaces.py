"""One estimate everywhere: the kiosk's reply (ticket and kiosk screen), the phone page, the
queue rows of displays and counters all show what `Office.estimate` says; a clerk's planned end
of shift (`close_at`) goes over the wire and moves the estimates. Real server, real clients,
a clock that stands still so every answer is for the same moment."""

from __future__ import annotations

import json
import time

import pytest

from config import strings
from server.wire import protocol as p
from server.edge.app import Server
from server.wire.session import ServerError

from .conftest import http_get, make_site, token
from server.wire.session import ClientSession

NOW = time.time()


@pytest.fixture
async def frozen(tmp_path):
    server = Server(make_site(), tmp_path / "office.sqlite3", always_open=True, clock=lambda: NOW)
    await server.start("127.0.0.1", 0)
    sessions = []

    async def terminal(terminal_id: str = "", role: str | None = None) -> ClientSession:
        session = ClientSession(f"ws://127.0.0.1:{server.port}/", role=role or make_site().terminal(terminal_id).role,
                                terminal=terminal_id, token=token(terminal_id) if terminal_id else "")
        sessions.append(session)
        session.start()
        await session.ready()
        return session

    yield server, terminal
    for session in sessions:
        await session.close()
    await server.stop()


async def test_every_surface_shows_the_one_estimate(frozen):
    server, terminal = frozen
    counter, kiosk, display = await terminal("counter-5"), await terminal("kiosk-1"), await terminal(role="display")
    await counter.request(p.Open(id=0, services=["residence"]))
    replies = [await kiosk.request(p.Draw(id=0, service="residence", lang="uk", request=f"s-{i}")) for i in range(4)]
    office = server.office
    assert [r.eta for r in replies] == [office.estimate(r.ticket.number, NOW) for r in replies]
    assert replies[0].eta[0] == 0 and replies[-1].eta[0] > 0  # the first is called at once, the fourth later

    status, _, body = await http_get(f"http://127.0.0.1:{server.port}/t/{replies[-1].ticket.token}.json")
    low, high = office.estimate(replies[-1].ticket.number, NOW)
    assert status == 200 and json.loads(body)["detail"] == strings("uk")["status.eta"].format(low=low, high=high)

    pushed = await display.next_event(p.QueuesChanged)
    while "residence" not in (queues := {q.service: q for q in pushed.queues}) or queues["residence"].waiting < 4:
        pushed = await display.next_event(p.QueuesChanged)
    assert queues["residence"].eta == office.service_estimate("residence", NOW)  # the next one to draw
    assert queues["residence"].eta[0] >= replies[-1].eta[0]


async def test_a_planned_end_of_shift_goes_over_the_wire_and_moves_the_estimates(frozen):
    server, terminal = frozen
    counter, admin = await terminal("counter-5"), await terminal("admin")
    await counter.request(p.Open(id=0, services=["residence"]))
    reply = await counter.request(p.CloseAt(id=0, at=NOW + 20 * 60))
    assert reply.desk.closes_at == NOW + 20 * 60
    pushed = await admin.next_event(p.DeskChanged)
    while pushed.desk.closes_at is None:  # the opening came first
        pushed = await admin.next_event(p.DeskChanged)
    assert (pushed.desk.counter, pushed.desk.closes_at) == ("5", NOW + 20 * 60)
    assert server.office.forecast.clerks["5"].closes_at == NOW + 20 * 60  # what the estimates honour

    with pytest.raises(ServerError) as info:
        await counter.request(p.CloseAt(id=0, at=NOW - 60))
    assert info.value.code == "bad_request" and server.office.desks["5"].closes_at == NOW + 20 * 60
    await counter.request(p.CloseAt(id=0, at=None))
    assert server.office.forecast.clerks["5"].closes_at is None
    assert server.store.db["events"].count_where("kind = 'counter_close_planned'") == 2  # each is an event
