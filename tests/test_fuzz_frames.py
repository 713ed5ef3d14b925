"""Fuzz: over 10,000 generated frames through the real server, from every role, before and
after hello. Whatever a terminal sends, it gets an answer (a reply or an error that is not
`internal`) and its connection goes on; a first frame that is not a good hello closes with one
of the protocol's own codes, never 1011. The log shows no failed handler or request.

The server runs on its own event loop in a thread, so hypothesis drives plain synchronous
websocket clients; each example sends its frames in one burst on one connection (fast enough
for CI: the frames, not the connections, are what is tested).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from server.wire import protocol as p
from server.edge.app import Server

from .conftest import make_site, token

FRAMES_PER_CONNECTION = 100
EXAMPLES_PER_ROLE = 25          # 4 roles x 25 x 100 = 10,000 frames after hello
FIRST_FRAMES = 400              # and this many as the first frame of a connection
TERMINALS = {"kiosk": "kiosk-1", "counter": "counter-5", "display": "display-first", "admin": "admin"}
# no shrinking: a failure names its frame (the answers before it are in order), and shrinking
# bursts of 100 frames would keep a broken server busy for minutes
SETTINGS = dict(derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.generate])

# ---- frames ----------------------------------------------------------------------------------
# Each frame costs hypothesis only a few draws from fixed pools (a draw costs ~0.05 ms; a frame
# of nested strategies cost ~3 ms, too slow for 10,000 in CI). Near-valid messages reach past
# decoding into the office's own checks: one field swapped for a pool value, or dropped.

GOOD = {  # one plausible message per type, for the counter at desk 5 (an admin names it too)
    "hello": {"role": "kiosk", "terminal": "kiosk-1", "token": token("kiosk-1")},
    "draw": {"service": "info", "lang": "de", "request": "r1"}, "checkin": {"booking": "B-1"},
    "cancel": {"ticket": "F001"}, "printer": {"state": "paper_out", "detail": "no paper"},
    "open": {"counter": "5", "services": ["residence", "info"]}, "next": {"counter": "5"},
    "call": {"counter": "5", "ticket": "F002"}, "recall": {"counter": "5"}, "start": {"counter": "5"},
    "noshow": {"counter": "5"}, "park": {"counter": "5"}, "unpark": {"counter": "5", "ticket": "F001"},
    "transfer": {"counter": "5", "service": "passport", "front": True}, "finish": {"counter": "5", "outcome": "done"},
    "pause": {"counter": "5", "reason": "Pause"}, "resume": {"counter": "5"}, "close": {"counter": "5"},
    "close_at": {"counter": "5", "at": 1.9e9}, "refer": {"counter": "5", "partners": ["jobcenter", "mbe"], "front": True},
    "book": {"booking": "B-1", "service": "info", "lang": "ar", "due_at": 1.9e9},
    "unbook": {"booking": "B-1"},
    "set_plan": {"template": [{"counter": "5", "weekday": 0, "start": "08:00", "end": "12:00"}],
                 "exceptions": [{"day": "2026-12-24", "kind": "closed"}]},
    "book_many": {"appointments": [{"type": "book", "id": 1, "booking": "B-2", "service": "info", "lang": "de",
                                    "due_at": 1.9e9}, {"type": "unbook", "id": 2, "booking": "B-1"}]},
    "refuse_identity": {"counter": "5"},
    "register": {"service": "residence", "lang": "ar", "name": "Ahmad Al-Hassan", "birth_date": "1990-01-02",
                 "contact": "+49 170 1234567", "urgent_until": "2026-12-10"},
}
FIELDS = sorted({field for fields in GOOD.values() for field in fields} | {"id", "type", "x", "to_counter", "v"})
assert set(GOOD) == p.CLIENT_TYPES, "a new message type: add a plausible one to GOOD"
VALUES = [
    "1e400", "-1e400", "1e300", "-1e15", "2e9", "1.8e9", "0", "-0", "-1", "1", "0.5", str(2**53), str(2**64),
    "1" + "0" * 40, "true", "false", "null", "[]", "{}", "[1e400]", '{"type":"draw"}', '[["info"]]',
    '"info"', '"residence"', '"passport"', '"5"', '"6"', '"99"', '"F001"', '"A001"', '"de"', '"ar"', '"xx"',
    '"done"', '"nope"', '"ok"', '"paper_out"', '"kiosk-1"', '"B-1"', '"B-2"', '""', '" "', r'"\u0000"',
    r'"\ud800"', json.dumps("ü" * 70), json.dumps("x" * 300), json.dumps("y" * 1200), "[" * 500 + "]" * 500,
    '["residence", 5]', json.dumps(["info"] * 70), "1.5e-320", "-9223372036854775809",
]
RAW = ["", " ", "{", "}", "[1e400]", "null", "42", '"hello"', "{not json", "[" * 3000 + "]" * 3000,
       '{"type":"draw","id":1,"service":' + "[" * 3000 + "]" * 3000 + "}", '{"type":"next"}' * 3,
       '{"type":"hello","role":"admin","terminal":"admin","token":"wrong-token"}', "\x00\x01", "🙂" * 10]
TYPES = sorted(p.CLIENT_TYPES) + ["nope", "Draw", ""]


def render(fields: dict[str, str]) -> str:
    return "{" + ",".join(f"{json.dumps(key)}:{value}" for key, value in fields.items()) + "}"


PLANS = [(kind, field, how, with_id) for kind in TYPES for field in FIELDS for how in ("swap", "drop", "add")
         for with_id in (True, False) if how != "drop" or field in GOOD.get(kind, {})]


def build(plan: tuple[str, str, str, bool], value: str) -> str:
    """A message of a known (or made-up) type with one field swapped for a pool value, dropped,
    or added (an id if the plan says so)."""
    kind, field, how, with_id = plan
    fields = {"type": json.dumps(kind), **{k: json.dumps(v) for k, v in GOOD.get(kind, {}).items()}}
    if with_id:
        fields["id"] = str(len(value))
    if how == "drop":
        del fields[field]
    else:
        fields[field] = value
    return render(fields)


def message():
    return st.builds(build, st.sampled_from(PLANS), st.sampled_from(VALUES))


frame = st.one_of(
    message(), message(), message(), message(),
    st.tuples(message(), st.integers(0, 200)).map(lambda cut: cut[0][:cut[1]]),               # cut short
    st.tuples(message(), st.sampled_from(["x", "}", " {}", ",", "\x00"])).map("".join),     # trailing junk
    st.sampled_from(RAW),
    st.sampled_from(VALUES),
    st.binary(max_size=8),
)
first_frame = st.one_of(
    frame,
    st.builds(lambda role, terminal, key, v: json.dumps({"type": "hello", "role": role, "terminal": terminal,
                                                        "token": key, "v": v}),
              st.sampled_from([*p.ROLES, "boss"]), st.sampled_from(["", *TERMINALS.values(), "ü" * 90]),
              st.sampled_from(["", "wrong-token", token("kiosk-1")]), st.sampled_from([1, 2, 0])),
)

# ---- the server, on its own loop ----------------------------------------------------------------


class Problems(logging.Handler):
    """Every error the server or websockets logs while the fuzz runs."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(f"{record.name}: {record.getMessage()}")


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    """A real server on 127.0.0.1 in a thread; yields (url, problems logged)."""
    loop = asyncio.new_event_loop()
    server = Server(make_site(), tmp_path_factory.mktemp("fuzz") / "office.sqlite3", always_open=True)
    port = loop.run_until_complete(server.start("127.0.0.1", 0))
    thread = threading.Thread(target=loop.run_forever, name="fuzzed-server", daemon=True)
    thread.start()
    problems = Problems()
    loggers = [logging.getLogger(name) for name in ("willkommen", "websockets")]
    for logger in loggers:
        logger.addHandler(problems)
    try:
        yield f"ws://127.0.0.1:{port}/", problems
    finally:
        for logger in loggers:
            logger.removeHandler(problems)
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def hello(ws, role: str) -> None:
    terminal = TERMINALS[role]
    ws.send(json.dumps({"type": "hello", "role": role, "terminal": terminal, "token": token(terminal)}))
    assert json.loads(ws.recv(timeout=10))["type"] == "welcome"


def burst(ws, frames: list[str | bytes]) -> tuple[list[dict], int | None]:
    """Send every frame, then read the replies and errors to them (pushed events in between are
    skipped): the answers in order, and the close code if the server closed the connection
    (then frame number len(answers) is the one it could not take)."""
    found = []
    try:
        for data in frames:
            ws.send(data)
        while len(found) < len(frames):
            message = json.loads(ws.recv(timeout=10))
            if message["type"] in ("reply", "error"):
                found.append(message)
    except ConnectionClosed as closed:
        return found, closed.rcvd.code if closed.rcvd else 1006
    return found, None


@pytest.mark.parametrize("role", p.ROLES)
def test_generated_frames_after_hello_are_answered_never_internal(fuzzed, role):
    url, problems = fuzzed
    sent = []

    @settings(max_examples=EXAMPLES_PER_ROLE, **SETTINGS)
    @given(st.lists(frame, min_size=FRAMES_PER_CONNECTION, max_size=FRAMES_PER_CONNECTION))
    def frames_on_one_connection(frames):
        with connect(url, max_size=None) as ws:
            hello(ws, role)
            got, closed = burst(ws, frames)
        assert closed is None, f"closed with {closed} at frame {frames[len(got)]!r}"
        assert [(frames[i], a) for i, a in enumerate(got) if a["type"] == "error" and a["code"] == "internal"] == []
        sent.extend(frames)

    frames_on_one_connection()
    assert len(sent) == EXAMPLES_PER_ROLE * FRAMES_PER_CONNECTION
    assert problems.records == []


def test_generated_first_frames_close_with_the_protocols_codes(fuzzed):
    url, problems = fuzzed
    outcomes: dict[str, int] = {}

    @settings(max_examples=FIRST_FRAMES, **SETTINGS)
    @given(first_frame)
    def first(data):
        with connect(url, max_size=None) as ws:
            ws.send(data)
            try:
                outcome = json.loads(ws.recv(timeout=10))["type"]  # a good hello: welcome
            except ConnectionClosed as closed:
                outcome = closed.rcvd.code if closed.rcvd else "no close frame"
        assert outcome in ("welcome", 4400, 4401, 4403, 4408, 4429)
        outcomes[str(outcome)] = outcomes.get(str(outcome), 0) + 1

    first()
    assert sum(outcomes.values()) == FIRST_FRAMES and "4408" in outcomes and "4401" in outcomes
    assert problems.records == []
