"""The booking system's push endpoint (server/booking/push.py): a real server in a thread of its own
with its listener on 127.0.0.1, real HTTP requests (http.client), generated bodies and codes."""

from __future__ import annotations

import asyncio
import dataclasses
import http.client
import json
import socket
import threading
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.limits import Limits
from config.site import Appointments
from server.booking.appointments import printable
from server.wire import protocol as p
from server.edge.app import CannotListen, Server
from server.wire.session import ClientSession

from .conftest import examples, make_site, token

BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2026, 11, 25, 8, 0, tzinfo=BERLIN).timestamp()   # a Wednesday, 8:00
TOKEN = "push-token-for-tests"
RELAXED = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


class Office:
    """The server on an event loop in a thread, so that sync hypothesis tests can post to it."""

    def __init__(self, tmp_path, **limits):
        site = dataclasses.replace(make_site(), appointments=Appointments(push_port=0, push_token=TOKEN),
                                   limits=Limits(**limits))
        self.loop = asyncio.new_event_loop()
        self.server = Server(site, tmp_path / "office.sqlite3", always_open=True, clock=lambda: T0)
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.run(self.server.start("127.0.0.1", 0))
        self.port = self.server.push.port

    def run(self, coroutine, timeout: float = 30):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        self.run(self.server.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    def post(self, body: bytes | dict, *, auth: str | None = f"Bearer {TOKEN}", path: str = "/appointments",
             method: str = "POST") -> tuple[int, dict, dict]:
        data = json.dumps(body).encode() if isinstance(body, dict) else body
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        headers = {"Content-Type": "application/json", **({"Authorization": auth} if auth else {})}
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), json.loads(response.read())
        finally:
            connection.close()

    def events(self) -> int:
        return self.run(self._count())

    async def _count(self) -> int:
        return self.server.store.db["events"].count


@pytest.fixture
def office(tmp_path):
    office = Office(tmp_path)
    yield office
    office.close()


DAY = {"day": "2026-11-25", "appointments": [
    {"code": "HD-1", "time": "09:30", "service": "residence", "lang": "ar", "name": "Amira Example"},
    {"code": "hd-2", "time": "2026-11-25T10:30:00+01:00", "service": "passport"},
    {"code": "HD-3", "time": "11:00", "service": "info", "lang": "fa"},
]}


def test_without_or_with_a_wrong_token_nothing_is_booked(office):
    before = office.events()
    for auth in (None, "Bearer wrong-token-of-same-size", f"Bearer {TOKEN}x", TOKEN, f"Basic {TOKEN}"):
        status, headers, answer = office.post(DAY, auth=auth)
        assert status == 401 and headers["WWW-Authenticate"].startswith("Bearer"), auth
        assert "token" in answer["error"]
    assert office.events() == before and not office.server.office.bookings


def test_an_address_guessing_tokens_waits_even_with_the_right_one(tmp_path):
    office = Office(tmp_path, hello_free_failures=2, hello_backoff=(0.5, 60.0))
    try:
        statuses = [office.post(DAY, auth=f"Bearer guess-{n}")[0] for n in range(3)]
        status, headers, answer = office.post(DAY)
        assert statuses == [401, 401, 401] and status == 429, (statuses, status)
        assert headers["Retry-After"] == "1" and "wrong tokens" in answer["error"]
        assert not office.server.office.bookings
        time.sleep(0.6)                      # the back-off of the third wrong token is over
        assert office.post(DAY)[0] == 200 and len(office.server.office.bookings) == 3
    finally:
        office.close()


def test_good_json_books_and_a_repost_changes_nothing(office):
    status, _, answer = office.post(DAY)
    assert (status, answer) == (200, {"booked": 3, "cancelled": 0, "unchanged": 0, "problems": []})
    bookings = office.server.office.bookings
    assert {code: (b.service, b.lang) for code, b in bookings.items()} == {
        "HD-1": ("residence", "ar"), "HD-2": ("passport", "de"), "HD-3": ("info", "fa")}
    assert bookings["HD-1"].due_at == datetime(2026, 11, 25, 9, 30, tzinfo=BERLIN).timestamp()
    stored = office.events()
    status, _, answer = office.post(DAY)
    assert (status, answer) == (200, {"booked": 0, "cancelled": 0, "unchanged": 3, "problems": []})
    assert office.events() == stored  # not one event more
    moved = {"appointments": [{"code": "HD-1", "time": "09:45", "service": "residence", "lang": "ar"},
                              {"code": "HD-3", "time": "11:00", "service": "info", "status": "cancelled"}]}
    status, _, answer = office.post(moved)  # "day" left out: the server's today
    assert (status, answer) == (200, {"booked": 1, "cancelled": 1, "unchanged": 0, "problems": []})
    assert "HD-3" not in bookings and bookings["HD-1"].due_at == datetime(2026, 11, 25, 9, 45,
                                                                            tzinfo=BERLIN).timestamp()
    assert "Amira" not in office.run(_dump(office.server))  # a name sent along is never stored


async def _dump(server) -> str:
    return "\n".join(str(row) for table in ("events", "tickets") for row in server.store.db[table].rows)


def test_a_pushed_appointment_checks_in_at_a_kiosk(office):
    office.post(DAY)

    async def check_in() -> p.Reply:
        async with ClientSession(f"ws://127.0.0.1:{office.server.port}/", role="kiosk", terminal="kiosk-1",
                                 token=token("kiosk-1")) as kiosk:
            await kiosk.ready()
            return await kiosk.request(p.Checkin(id=0, booking="hd-1"))

    reply = office.run(check_in())
    assert (reply.ticket.number, reply.ticket.lang, reply.arrival) == ("A001", "ar", "early")


def test_bad_appointments_are_reported_by_index_and_the_others_booked(office):
    body = {"appointments": [
        {"code": "OK-1", "time": "12:00", "service": "info"},
        "HD-9;10:00;info",
        {"code": "", "time": "10:00", "service": "info"},
        {"code": "X-1", "time": "10:00", "service": "bakery"},
        {"code": "X-2", "time": "half past ten", "service": "info"},
        {"code": "X-3", "time": "2026-11-24 10:00", "service": "info"},
        {"code": "X" * 257, "time": "10:00", "service": "info"},
        {"code": 42, "time": "10:00", "service": "info"},
        {"code": "X-4", "time": "10:00", "service": "info", "lang": "xx"},
        {"code": "X-5", "time": "10:00", "service": "info", "status": "maybe"},
        {"code": "OK-2", "time": "13:00", "service": "passport"},
    ]}
    status, _, answer = office.post(body)
    assert status == 422 and (answer["booked"], answer["unchanged"]) == (2, 0)
    problems = {item["index"]: item["problem"] for item in answer["problems"]}
    assert sorted(problems) == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert problems[1] == "an appointment is a JSON object, not a string"
    assert problems[2] == "the code is empty"
    assert problems[3].startswith("unknown service 'bakery'")
    assert problems[4] == "time 'half past ten' is not HH:MM or YYYY-MM-DD HH:MM"
    assert problems[5] == "appointment X-3 would be in the past (2026-11-24)"
    assert "length <= 256" in problems[6]
    assert problems[7] == "code must be a string, not a number"
    assert problems[8].startswith("language 'xx' is not offered here")
    assert problems[9] == "status 'maybe' is neither booked nor cancelled"
    assert set(office.server.office.bookings) == {"OK-1", "OK-2"}


@pytest.mark.parametrize("body, status, says", [
    (b"{not json", 400, "the body is not JSON"),
    (b"[]", 400, 'a list "appointments"'),
    (b'{"appointments": {}}', 400, 'a list "appointments"'),
    (b'{"appointments": [], "when": 1}', 400, "unknown field 'when'"),
    (b'{"appointments": [], "day": "tomorrow"}', 400, "is not a date"),
    (b'{"appointments": [], "day": 20261125}', 400, "is not a date"),
    (json.dumps({"appointments": [{}] * 5001}).encode(), 413, "more than 5000"),
])
def test_a_body_that_is_no_list_of_appointments_is_refused(office, body, status, says):
    got, _, answer = office.post(body)
    assert got == status and says in answer["error"]


def test_other_paths_methods_and_framing_are_refused(office):
    assert office.post(DAY, path="/appointments/2")[0] == 404
    status, headers, _ = office.post(b"", method="GET")
    assert status == 405 and headers["Allow"] == "POST"
    head = f"POST /appointments HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
    for request, answer in ((head + "Content-Length: 1048577\r\n\r\n", b"HTTP/1.1 413"),  # before the body
                            (head + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", b"HTTP/1.1 411"),
                            ("NOT HTTP AT ALL\r\n\r\n", b"HTTP/1.1 400")):
        with socket.create_connection(("127.0.0.1", office.port), timeout=10) as raw:
            raw.sendall(request.encode())
            assert raw.makefile("rb").readline().startswith(answer), request
    assert office.post(DAY)[0] == 200  # still serving


def test_a_taken_push_port_is_one_line(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        site = dataclasses.replace(make_site(), appointments=Appointments(push_port=port, push_token=TOKEN))
        server = Server(site, tmp_path / "office.sqlite3", always_open=True)
        with pytest.raises(CannotListen, match=f"cannot listen on 127.0.0.1:{port}: the port is already in use"):
            asyncio.run(server.start("127.0.0.1", 0))


# ---- generated bodies and codes ---------------------------------------------------------

json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                       max_size=4), max_leaves=12)
items = st.fixed_dictionaries({"code": st.text(max_size=8), "time": st.sampled_from(["09:00", "25:00", "", "12:30"]),
                               "service": st.sampled_from(["info", "passport", "nope"])},
                              optional={"lang": st.sampled_from(["ar", "de", "zz"]),
                                        "status": st.sampled_from(["", "cancelled", "later"])}) | json_values


@settings(RELAXED, max_examples=examples(60))
@given(body=st.binary(max_size=64) | json_values.map(lambda v: json.dumps(v).encode())
       | st.lists(items, max_size=6).map(lambda xs: json.dumps({"appointments": xs}).encode()))
def test_any_body_gets_a_clear_answer_and_never_a_server_error(office, body):
    status, _, answer = office.post(body)
    assert status in (200, 400, 422), answer
    if status == 400:
        assert answer["error"]
    else:
        assert len(answer["problems"]) + answer["booked"] + answer["cancelled"] + answer["unchanged"] == len(
            json.loads(body)["appointments"])
        assert all(0 <= problem["index"] < len(json.loads(body)["appointments"]) for problem in answer["problems"])


codes = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=300),
    st.integers(250, 262).map(lambda n: "A" * n),
    st.text(" \t\n-", max_size=5),
)


@settings(RELAXED, max_examples=examples(60))
@given(code=codes)
def test_a_code_is_booked_as_the_kiosk_will_ask_for_it_or_reported(office, code):
    item = {"code": code, "time": "15:00", "service": "info"}
    status, _, answer = office.post({"appointments": [item]})
    key = code.strip().upper()
    if status == 200:
        assert 0 < len(code.strip()) <= p.MAX_KEY and key in office.server.office.bookings
        assert printable(code.strip()) == code.strip()  # no control characters
        assert office.post({"appointments": [item]})[2]["unchanged"] == 1  # idempotent
    else:
        assert status == 422 and [problem["index"] for problem in answer["problems"]] == [0]
        # empty, too long, or holding control characters (an escape sequence is no code: README "Security")
        assert not code.strip() or len(code.strip()) > p.MAX_KEY or printable(code.strip()) != code.strip()


def test_the_booking_system_posts_the_plan_and_a_bad_one_changes_nothing(office):
    plan = {"template": [{"counter": "5", "weekday": 1, "start": "08:00", "end": "12:00"},
                         {"counter": "6", "weekday": 1, "start": "12:30", "end": "16:00", "services": ["residence"]}],
            "exceptions": [{"day": "2026-12-24", "kind": "closed"}]}
    status, _, answer = office.post(plan, path="/plan")
    assert (status, answer) == (200, {"shifts": 2, "exceptions": 1})
    assert [s.counter for s in office.server.office.plan.template] == ["5", "6"]
    assert office.server.office.plan.template[1].services == ["residence"]
    for body, code, says in [({"template": [{"counter": "99", "weekday": 1, "start": "08:00", "end": "12:00"}]}, 422,
                              "no counter '99'"),
                             ({"template": [{"counter": "5", "weekday": 9, "start": "08:00", "end": "12:00"}]}, 400,
                              "weekday"),
                             (b"[1, 2]", 400, "JSON object")]:
        status, _, answer = office.post(body, path="/plan")
        assert status == code and says in answer["error"], answer
    assert len(office.server.office.plan.template) == 2  # unchanged
    assert office.post(plan, path="/plan", auth="Bearer wrong")[0] == 401


shifts = st.fixed_dictionaries({"counter": st.sampled_from(["1", "5", "99", ""]), "weekday": st.integers(-1, 7),
                                "start": st.sampled_from(["08:00", "12:00", "24:00", "7:00", "25:00"]),
                                "end": st.sampled_from(["12:00", "08:00", "24:00", "x"])},
                               optional={"services": st.lists(st.sampled_from(["info", "nope"]), max_size=2)})


@settings(RELAXED, max_examples=examples(60))
@given(body=st.binary(max_size=64) | json_values.map(lambda v: json.dumps(v).encode())
       | st.lists(shifts, max_size=5).map(lambda xs: json.dumps({"template": xs}).encode()))
def test_any_plan_gets_a_clear_answer_and_a_refused_one_changes_nothing(office, body):
    before = list(office.server.office.plan.template)
    status, _, answer = office.post(body, path="/plan")
    assert status in (200, 400, 422), answer
    if status == 200:
        assert len(office.server.office.plan.template) == answer["shifts"]
    else:
        assert answer["error"] and office.server.office.plan.template == before
