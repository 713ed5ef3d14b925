"""Promises of the server that no other test held: the role matrix for every message type, the
error codes on the wire, the refusals a client gives up on, and the kiosk burst at the site's
real setting. Expected sentences are written out by hand."""

from __future__ import annotations

import json

import msgspec
import pytest
from websockets.asyncio.client import connect

from server.wire import protocol as p
from server.edge.app import Server
from server.wire.session import ClientSession, Refused, ServerError

from .conftest import make_site, token

# one valid frame of every request type, by the role that may send it
FRAMES = {
    "kiosk": {"draw": {"service": "info", "lang": "de", "request": "x"}, "checkin": {"booking": "B1"},
              "cancel": {"ticket": "F001"}, "printer": {"state": "ok"}},
    "counter": {"open": {}, "next": {}, "call": {"ticket": "F001"}, "recall": {}, "start": {}, "noshow": {},
                "park": {}, "unpark": {"ticket": "F001"}, "transfer": {"service": "info"},
                "finish": {"outcome": "done"}, "pause": {}, "resume": {}, "close": {}},
    "admin": {"book": {"booking": "B1", "service": "info", "lang": "de", "due_at": 1_800_000_000.0}},
}


async def answer(ws) -> dict:
    """The next reply to a request: the pushes a terminal gets after its welcome (the queues, a
    counter's desk) may come before it on a busy machine, and they carry no "re"."""
    while "re" not in (frame := json.loads(await ws.recv())):
        assert frame["type"] not in {"error", "reply"}, frame
    return frame


@pytest.mark.parametrize("terminal, role", [("kiosk-1", "kiosk"), ("counter-5", "counter"),
                                            ("display-ground", "display")])
async def test_a_terminal_may_send_only_its_own_roles_messages(server, url, terminal, role):
    foreign = [(kind, fields) for owner, frames in FRAMES.items() if owner != role for kind, fields in frames.items()]
    async with connect(url) as ws:
        await ws.send(json.dumps({"type": "hello", "role": role, "terminal": terminal, "token": token(terminal)}))
        assert json.loads(await ws.recv())["type"] == "welcome"
        for n, (kind, fields) in enumerate(foreign):
            await ws.send(json.dumps({"type": kind, "id": n, **fields}))
            reply = await answer(ws)
            assert reply == {"type": "error", "re": n, "code": "not_allowed",
                             "message": f"a {role} terminal may not send {kind}"}
    assert len(foreign) == 18 - len(FRAMES.get(role, {}))
    assert server.office.tickets == {} and server.office.bookings == {}
    assert {desk.state for desk in server.office.desks.values()} == {"closed"}


async def refused(session: ClientSession) -> Refused:
    session.start()
    with pytest.raises(Refused) as info:
        await session.ready()
    assert session._task.done()  # it gave up: no reconnecting with the same hello
    await session.close()
    return info.value


async def test_a_client_gives_up_on_a_wrong_version_role_or_token(server, url):
    newer = ClientSession(url, role="kiosk", terminal="kiosk-1", token=token("kiosk-1"))
    newer.hello = msgspec.structs.replace(newer.hello, v=2)
    assert (await refused(newer)).code == 4400
    wrong_role = ClientSession(url, role="counter", terminal="kiosk-1", token=token("kiosk-1"))
    assert (await refused(wrong_role)).code == 4403
    wrong_token = ClientSession(url, role="kiosk", terminal="kiosk-1", token="guess")
    assert (await refused(wrong_token)).code == 4401


async def error_of(session: ClientSession, message: p.Request) -> tuple[str, str]:
    with pytest.raises(ServerError) as info:
        await session.request(message)
    return info.value.code, info.value.message


async def test_every_refusal_of_a_counter_command_has_its_code_on_the_wire(server, terminal):
    kiosk, counter, admin = await terminal("kiosk-1"), await terminal("counter-5"), await terminal("admin")
    assert await error_of(admin, p.Next(id=0, counter="99")) == ("unknown_counter", "unknown counter '99'")
    await counter.request(p.Open(id=0))
    assert await error_of(counter, p.Recall(id=0)) == ("no_current_ticket", "no visitor is called at counter 5")
    assert await error_of(counter, p.Call(id=0, ticket="Z999")) == ("unknown_ticket", "there is no ticket Z999 today")
    for n in range(2):
        await kiosk.request(p.Draw(id=0, service="residence", lang="de", request=f"c{n}"))
    await counter.request(p.Next(id=0))
    assert await error_of(counter, p.Next(id=0)) == (
        "visitor_at_counter",
        "ticket A001 is still at counter 5: finish, transfer, park it or mark it a no-show first")
    code, message = await error_of(counter, p.Finish(id=0, outcome="vanished"))
    assert code == "unknown_outcome" and message.startswith("unknown outcome 'vanished' (expected one of done, ")
    await counter.request(p.Start(id=0))
    assert await error_of(counter, p.Start(id=0)) == (
        "invalid_transition", "ticket A001 is being served, it cannot be started")
    assert server.office.tickets["A001"].state == "serving" and server.office.tickets["A002"].state == "waiting"


async def test_a_kiosk_draws_ten_at_once_at_the_sites_thirty_a_minute(tmp_path):
    server = Server(make_site(kiosk_draws_per_minute=30), tmp_path / "o.sqlite3", always_open=True,
                    clock=lambda: 1_795_000_000.0)  # time stands still: no token comes back
    await server.start("127.0.0.1", 0)
    kiosk = ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal="kiosk-2", token=token("kiosk-2"))
    try:
        async with kiosk:
            await kiosk.ready()
            for n in range(10):
                await kiosk.request(p.Draw(id=0, service="info", lang="de", request=f"b{n}"))
            assert await error_of(kiosk, p.Draw(id=0, service="info", lang="de", request="b10")) == (
                "rate_limited", "kiosk kiosk-2 draws faster than 30 tickets a minute")
            assert len(server.office.tickets) == 10
    finally:
        await server.stop()
