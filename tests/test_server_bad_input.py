"""Bad input over real websockets: each gets a clear error or close code, nothing changes,
and the server goes on serving everyone else."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from server.wire import protocol as p
from server.edge.app import Server
from server.core import Office
from server.wire.errors import BadRequest
from server.wire.session import ClientSession, Refused

from .conftest import make_site, token


async def hello(ws, terminal: str, role: str | None = None, **extra) -> dict:
    role = role or make_site().terminal(terminal).role
    await ws.send(json.dumps({"type": "hello", "role": role, "terminal": terminal, "token": token(terminal), **extra}))
    return json.loads(await ws.recv())


async def answer(ws, frame: str | bytes) -> dict:
    """Send a frame, return the reply or error to it (skipping pushed events)."""
    await ws.send(frame)
    while True:
        message = json.loads(await ws.recv())
        if message["type"] in ("reply", "error"):
            return message


async def closed_with(ws) -> tuple[int, str]:
    with pytest.raises(ConnectionClosed) as info:
        while True:
            await ws.recv()
    return info.value.rcvd.code, info.value.rcvd.reason


@pytest.mark.parametrize("frame, expected", [
    ("{not json", {"re": None, "code": "bad_request", "message": "JSON is malformed: object keys must be strings "
                   "(byte 1)"}),
    ('{"type": "teleport", "id": 1}', {"re": 1, "code": "unknown_type", "message": "unknown message type 'teleport'"}),
    ('{"type": "draw", "id": 2, "lang": "de", "request": "x"}',
     {"re": 2, "code": "bad_request", "message": "draw: Object missing required field `service`"}),
    ('{"type": "draw", "id": 3, "service": ["info"], "lang": "de", "request": "x"}',
     {"re": 3, "code": "bad_request", "message": "draw: Expected `str`, got `array` - at `$.service`"}),
    ('{"type": "draw", "id": 4, "service": "visa", "lang": "de", "request": "x"}',
     {"re": 4, "code": "unknown_service", "message": "unknown service 'visa' (expected one of residence, extension, "
                                                     "settlement, passport, card-pickup, info, counselling)"}),
    ('{"type": "next", "id": 5}', {"re": 5, "code": "not_allowed", "message": "a kiosk terminal may not send next"}),
    ('{"type": "hello", "role": "kiosk"}', {"re": None, "code": "bad_request",
                                             "message": "hello was already received on this connection"}),
])
async def test_bad_frames_get_an_error_and_change_nothing(server, url, frame, expected):
    async with connect(url) as ws:
        await hello(ws, "kiosk-1")
        error = await answer(ws, frame)
        assert error == {"type": "error", **expected}
        good = await answer(ws, json.dumps({"type": "draw", "id": 9, "service": "info", "lang": "de", "request": "ok"}))
        assert good["ticket"]["number"] == "F001"  # still serving, nothing drawn before
    assert len(server.office.tickets) == 1


async def test_a_frame_over_the_limit_closes_with_1009_and_others_carry_on(server, url, terminal):
    kiosk = await terminal("kiosk-2")
    async with connect(url, max_size=None) as ws:
        await hello(ws, "kiosk-1")
        await ws.send(json.dumps({"type": "draw", "id": 1, "service": "info", "lang": "de", "request": "x" * p.MAX_FRAME}))
        code, reason = await closed_with(ws)
        assert code == 1009 and re.fullmatch(r"frame with 656\d\d bytes exceeds limit of 65536 bytes", reason)
    assert (await kiosk.request(p.Draw(id=0, service="info", lang="de", request="after"))).ticket.number == "F001"


async def test_a_command_before_hello_closes_with_4408(server, url):
    async with connect(url) as ws:
        await ws.send(json.dumps({"type": "draw", "id": 1, "service": "info", "lang": "de", "request": "x"}))
        assert await closed_with(ws) == (4408, "the first message must be hello, not draw")
    async with connect(url) as ws:
        await ws.send("hello?")
        code, reason = await closed_with(ws)
        assert code == 4408 and reason.startswith("the first message must be hello (JSON is malformed")
    assert server.office.tickets == {}


@pytest.mark.parametrize("terminal, role, token_, extra, expected", [
    ("kiosk-1", "kiosk", "guess", {}, (4401, "unknown terminal or wrong token for 'kiosk-1'")),
    ("kiosk-9", "kiosk", "demo-kiosk-1", {}, (4401, "unknown terminal or wrong token for 'kiosk-9'")),
    ("kiosk-1", "counter", "demo-kiosk-1", {}, (4403, "terminal kiosk-1 is a kiosk, not a counter")),
    ("counter-1", "admin", "demo-counter-1", {}, (4403, "terminal counter-1 is a counter, not a admin")),
    ("kiosk-1", "kiosk", "demo-kiosk-1", {"v": 2},
     (4400, "protocol version 2 is not supported; this server speaks 1")),
])
async def test_hello_is_checked_before_anything_else(server, url, terminal, role, token_, extra, expected):
    async with connect(url) as ws:
        await ws.send(json.dumps({"type": "hello", "role": role, "terminal": terminal, "token": token_, **extra}))
        assert await closed_with(ws) == expected


async def test_the_client_session_gives_up_on_a_refusal(url):
    session = ClientSession(url, role="kiosk", terminal="kiosk-1", token="wrong-token")
    session.start()
    with pytest.raises(Refused) as info:
        await session.ready()
    assert info.value.code == 4401
    await session.close()


async def test_roles_are_enforced_by_the_server(server, url, terminal):
    display = await terminal("display-first")
    with pytest.raises(Exception) as info:
        await display.request(p.Draw(id=0, service="info", lang="de", request="d"))
    assert info.value.code == "not_allowed" and info.value.message == "a display terminal may not send draw"
    counter = await terminal("counter-5")
    with pytest.raises(Exception) as info:
        await counter.request(p.Open(id=0, counter="6"))
    assert info.value.message == "terminal counter-5 stands at counter 5, not 6"
    admin = await terminal("admin")
    with pytest.raises(Exception) as info:
        await admin.request(p.Open(id=0))
    assert info.value.message == "an admin names the counter it acts for (\"counter\")"
    assert (await admin.request(p.Open(id=0, counter="6"))).desk.state == "open"
    assert server.office.desks["5"].state == "closed"


async def test_anonymous_displays_only_where_the_site_allows(tmp_path):
    server = Server(make_site(anonymous_displays=False), tmp_path / "o.sqlite3", always_open=True)
    port = await server.start("127.0.0.1", 0)
    try:
        async with connect(f"ws://127.0.0.1:{port}/") as ws:
            await ws.send(json.dumps({"type": "hello", "role": "display"}))
            assert await closed_with(ws) == (4401, "unknown terminal or wrong token for ''")
    finally:
        await server.stop()


async def test_kiosks_are_rate_limited(tmp_path):
    server = Server(make_site(kiosk_draws_per_minute=3), tmp_path / "o.sqlite3", always_open=True)
    port = await server.start("127.0.0.1", 0)
    try:
        async with connect(f"ws://127.0.0.1:{port}/") as ws:
            await hello(ws, "kiosk-1")
            replies = [await answer(ws, json.dumps({"type": "draw", "id": i, "service": "info", "lang": "de",
                                                    "request": f"r{i}"})) for i in range(4)]
        assert [r["type"] for r in replies] == ["reply", "reply", "reply", "error"]
        assert replies[3] == {"type": "error", "re": 3, "code": "rate_limited",
                              "message": "kiosk kiosk-1 draws faster than 3 tickets a minute"}
        assert len(server.office.tickets) == 3
    finally:
        await server.stop()


# ---- issue 11, items 1-3: malformed frames, close reasons, numbers out of range --------------

@pytest.mark.parametrize("frame, expected", [
    ('{"type": "next", "id": 1e400}', {"re": None, "code": "bad_request",
                                       "message": "next: Number out of range - at `$.id`"}),
    ('{"type": ["draw"], "id": 1}', {"re": 1, "code": "bad_request",
                                     "message": '"type" must be a string naming the message'}),
    ('{"type": {"draw": 1}, "id": "a"}', {"re": "a", "code": "bad_request",
                                          "message": '"type" must be a string naming the message'}),
    ("[" * 2000 + "]" * 2000, {"re": None, "code": "bad_request", "message": "JSON is nested too deeply"}),
    ('{"type": "draw", "id": 7, "service": ' + "[" * 2000 + "]" * 2000 + "}",
     {"re": None, "code": "bad_request", "message": "JSON is nested too deeply"}),
    ('{"type": "nope"}x', {"re": None, "code": "bad_request",
                           "message": "JSON is malformed: trailing characters (byte 17)"}),
    ('{"type": "' + "z" * 500 + '", "id": 2}', {"re": 2, "code": "unknown_type",
                                                "message": f"unknown message type '{'z' * 40}…'"}),
    (b"\xff\xfe{", {"re": None, "code": "bad_request", "message": "JSON is malformed: invalid character (byte 0)"}),
], ids=["id-1e400", "type-list", "type-object", "nested-2000", "nested-field", "trailing", "long-type", "binary"])
async def test_malformed_frames_answer_bad_request_and_the_connection_goes_on(server, url, frame, expected):
    """Each of these killed the connection's handler (close 1011, a traceback in the log)."""
    async with connect(url) as ws:
        await hello(ws, "kiosk-1")
        assert await answer(ws, frame) == {"type": "error", **expected}
        good = await answer(ws, json.dumps({"type": "draw", "id": 9, "service": "info", "lang": "de", "request": "ok"}))
        assert good["ticket"]["number"] == "F001"


@pytest.mark.parametrize("frame, why", [
    ("[1e400]", 'a message must be a JSON object with a "type"'),
    ('{"type": "hello", "role": "kiosk", "v": 1e400}', "hello: Number out of range - at `$.v`"),
    ("[" * 2000 + "]" * 2000, "JSON is nested too deeply"),
    ('{"type": ["hello"]}', '"type" must be a string naming the message'),
    ('{"type": "hello", "role": "kiosk"}x', "JSON is malformed: trailing characters (byte 35)"),
], ids=["array-1e400", "v-1e400", "nested-2000", "type-list", "trailing"])
async def test_malformed_first_frames_close_with_4408(server, url, frame, why):
    async with connect(url) as ws:
        await ws.send(frame)
        assert await closed_with(ws) == (4408, f"the first message must be hello ({why})")


@pytest.mark.parametrize("name", ["ü" * 80, "ب" * 80, "🙂" * 40, "x" * 200], ids=["umlauts", "arabic", "emoji", "ascii"])
async def test_a_refusal_with_a_long_non_ascii_terminal_name_closes_4401(server, url, name):
    """A close reason holds 123 bytes: cut by characters, 80 umlauts (160 bytes) broke the
    close frame and the connection ended with 1011."""
    async with connect(url) as ws:
        await ws.send(json.dumps({"type": "hello", "role": "kiosk", "terminal": name, "token": "wrong-token"}))
        code, reason = await closed_with(ws)
    assert code == 4401
    assert f"unknown terminal or wrong token for {name!r}".startswith(reason)
    assert 120 <= len(reason.encode()) <= p.MAX_CLOSE_REASON


@given(st.text(max_size=200))
@settings(deadline=None)
def test_close_reasons_are_the_longest_whole_characters_that_fit(text):
    reason = p.close_reason(text)
    assert text.startswith(reason) and len(reason.encode()) <= p.MAX_CLOSE_REASON
    if reason != text:  # cut: one more character would not have fit
        assert len(text[:len(reason) + 1].encode()) > p.MAX_CLOSE_REASON


BOOK = {"type": "book", "id": 1, "booking": "T-1", "service": "info", "lang": "de", "due_at": 2_000_000_000}


@pytest.mark.parametrize("field, value, expected", [
    ("due_at", "1e300", "book: Expected `float` <= 4102444800.0 - at `$.due_at`"),
    ("due_at", "-1e15", "book: Expected `float` >= 946684800.0 - at `$.due_at`"),
    ("due_at", "1e400", "book: Number out of range - at `$.due_at`"),
    ("due_at", "1" + "0" * 30, "book: Expected `float` <= 4102444800.0 - at `$.due_at`"),
    ("id", str(2**53), "book: Expected `int` <= 9007199254740991 - at `$.id`"),
    ("id", "-1", "book: Expected `int` >= 0 - at `$.id`"),
    ("id", "1" + "0" * 40, "book: Expected `int` <= 9007199254740991 - at `$.id`"),
    ("id", json.dumps("i" * 65), "book: Expected `str` of length <= 64 - at `$.id`"),
    ("booking", json.dumps("B" * 257), "book: Expected `str` of length <= 256 - at `$.booking`"),
], ids=["due-1e300", "due-minus-1e15", "due-1e400", "due-1e30", "id-2p53", "id-negative", "id-1e40", "id-long",
        "booking-long"])
async def test_numbers_and_lengths_out_of_range_are_bad_requests(server, url, field, value, expected):
    """`due_at` 1e300 or -1e15 overflowed the clock's conversion and answered `internal`."""
    frame = json.dumps({**BOOK, field: "VALUE"}).replace('"VALUE"', value)
    async with connect(url) as ws:
        await hello(ws, "admin")
        assert await answer(ws, frame) == {"type": "error", "re": None if field == "id" else 1,
                                           "code": "bad_request", "message": expected}
        assert (await answer(ws, json.dumps(BOOK)))["booking"]["booking"] == "T-1"  # nothing was booked before


@pytest.mark.parametrize("at", ["1e300", "-1e15", "1e400", "0"])
async def test_a_shift_end_out_of_range_is_a_bad_request(server, url, at):
    async with connect(url) as ws:
        await hello(ws, "counter-5")
        error = await answer(ws, '{"type": "close_at", "id": 1, "at": %s}' % at)
        assert (error["re"], error["code"]) == (1, "bad_request") and error["message"].endswith("- at `$.at`")
        assert (await answer(ws, '{"type": "close_at", "id": 2, "at": null}'))["type"] == "reply"


@given(due_at=st.floats(allow_nan=False) | st.integers(min_value=-10**20, max_value=10**20))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_due_at_is_booked_or_refused_by_range(due_at):
    """The boundary, tested through decoding and the office: in range books, out of range is a
    bad request, nothing in between overflows."""
    frame = json.dumps({**BOOK, "due_at": due_at}).replace("Infinity", "1e400")
    try:
        message = p.decode_client(frame)
    except BadRequest as exc:
        assert not p.EARLIEST <= due_at <= p.LATEST and exc.code == "bad_request"
        return
    assert p.EARLIEST <= due_at <= p.LATEST
    office = Office(make_site(), always_open=True)
    now = p.EARLIEST
    office.book(booking=message.booking, service=message.service, lang=message.lang, due_at=message.due_at, now=now)
