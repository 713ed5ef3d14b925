"""The protocol module: stdlib and msgspec only, every message round-trips, bad frames are named."""

from __future__ import annotations

import subprocess
import sys

import pytest

from server.wire import protocol as p
from server.wire.errors import BadRequest

from .conftest import ROOT


def test_importing_the_protocol_pulls_in_no_server_or_ui_library():
    code = ("import sys, server.wire.protocol; heavy = [m for m in sys.modules if m.split('.')[0] in "
            "('websockets', 'sqlite_utils', 'sqlite3', 'textual', 'escpos', 'serial')]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("message", [
    p.Hello(role="kiosk", terminal="kiosk-1", token="secret", lang="ar"),
    p.Draw(id=1, service="info", lang="uk", request="r-1"),
    p.Cancel(id="x", ticket="A001"),
    p.Printer(id=2, state="paper_out", detail="DLE EOT 4: 0x72"),
    p.Open(id=3, services=["passport"]),
    p.Transfer(id=4, service="info", to_counter="2", front=True, counter="5"),
    p.Finish(id=5, outcome="done"),
    p.Pause(id=6, reason="lunch"),
])
def test_client_messages_round_trip(message):
    assert p.decode_client(p.encode(message)) == message


def test_server_messages_round_trip():
    ticket = p.TicketView(number="A001", service="info", lang="fa", state="called", issued_at=1.5, counter="3")
    for message in [p.Reply(re=1, ticket=ticket, ahead=4, eta=(10, 20)), p.Error(re=None, code="x", message="y"),
                    p.Called(ticket=ticket, counter="3", counter_name="3", direction="→", zone="ground-floor", recall=1,
                             texts={"de": "Nummer"}, audio={"de": "/speech/abc.wav"}),
                    p.QueuesChanged(queues=[p.QueueView(service="info", waiting=2, longest_wait=60.0, eta=None)])]:
        assert p.decode_server(p.encode(message)) == message


@pytest.mark.parametrize("frame, code, re, message", [
    (b"{", "bad_request", None, "JSON is malformed: Input data was truncated"),
    (b"[1, 2]", "bad_request", None, 'a message must be a JSON object with a "type"'),
    (b'{"type": "dance", "id": 7}', "unknown_type", 7, "unknown message type 'dance'"),
    (b'{"id": 8, "service": "info"}', "bad_request", 8, "message: Object missing required field `type`"),
    (b'{"type": "draw", "id": 9, "lang": "ar", "request": "r"}', "bad_request", 9,
     "draw: Object missing required field `service`"),
    (b'{"type": "draw", "id": 9, "service": 3, "lang": "ar", "request": "r"}', "bad_request", 9,
     "draw: Expected `str`, got `int` - at `$.service`"),
    (b'{"type": "next", "id": "n", "urgent": true}', "bad_request", "n", "next: Object contains unknown field `urgent`"),
    (b'{"type": "printer", "id": 1, "state": "on fire"}', "bad_request", 1,
     "printer: Invalid enum value 'on fire' - at `$.state`"),
])
def test_bad_frames_are_named(frame, code, re, message):
    with pytest.raises(BadRequest) as info:
        p.decode_client(frame)
    assert (info.value.code, info.value.re, info.value.message) == (code, re, message)


def test_every_client_type_is_known_and_tagged():
    assert p.CLIENT_TYPES == {"hello", "draw", "cancel", "printer", "open", "next", "call", "recall", "start",
                              "noshow", "park", "unpark", "transfer", "finish", "pause", "resume", "close", "close_at",
                              "checkin", "book", "unbook", "book_many", "refer", "set_plan", "register", "refuse_identity"}
