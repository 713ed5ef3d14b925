"""The edge's table from counter message to office call (server/edge/requests.py), run against
a real `Office` without a server: every line of the table does what its key says, and a line
that names no method of `Office` (a method renamed in the core, the table forgotten) fails at
import, before any clerk presses the key. mypy checks the same lines' types (tests/test_types.py)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from server.core import Office
from server.core import events as ev
from server.edge import requests
from server.wire import errors
from server.wire import protocol as p

from .conftest import make_site

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo("Europe/Berlin")).timestamp()  # a Tuesday, 9:00

# A clerk's morning at counter 5, one message of each counter type, and the event each one's
# office call records last (refuse_identity: the ticket was not checked in with a place won by lot)
MORNING: list[tuple[p.CounterRequest, type]] = [
    (p.Open(id=1, services=["residence", "extension"]), ev.CounterOpened),
    (p.Next(id=2), ev.TicketCalled),
    (p.Recall(id=3), ev.TicketRecalled),
    (p.Start(id=4), ev.TicketStarted),
    (p.Park(id=5), ev.TicketParked),
    (p.Unpark(id=6, ticket="A001"), ev.TicketUnparked),  # back in the queue
    (p.Call(id=7, ticket="A001"), ev.TicketCalled),
    (p.Transfer(id=8, service="extension", front=True), ev.TicketTransferred),
    (p.Call(id=8, ticket="A002"), ev.TicketCalled),
    (p.RefuseIdentity(id=9), errors.NotAllowed),
    (p.NoShow(id=10), ev.TicketNoShow),
    (p.Next(id=11), ev.TicketCalled),
    (p.Refer(id=12, partners=["jobcenter"]), ev.TicketReferred),
    (p.Finish(id=13, outcome="done"), ev.TicketFinished),
    (p.Pause(id=14, reason="Kaffeepause"), ev.CounterPaused),
    (p.Resume(id=15), ev.CounterResumed),
    (p.CloseAt(id=16, at=T0 + 3600), ev.CounterClosePlanned),
    (p.Close(id=17), ev.CounterClosed),
]


def test_every_line_of_the_counter_table_carries_out_its_office_call():
    office = Office(make_site(), always_open=True)
    for n in range(3):
        office.draw(kiosk="kiosk-1", service="residence", lang="de", request=f"r{n}", token=f"t{n}", now=T0 + n)
    done: list[tuple[str, str]] = []
    for i, (message, expected) in enumerate(MORNING):
        call = requests.COUNTER[type(message)]
        if not issubclass(expected, Exception):
            events, _ = call(office, "5", message, T0 + 60 * (i + 1))
            done.append((type(message).__name__, type(events[-1]).__name__ if events else "nothing"))
        else:
            with pytest.raises(expected):
                call(office, "5", message, T0 + 60 * (i + 1))
    wanted = [(type(m).__name__, e.__name__) for m, e in MORNING if not issubclass(e, Exception)]
    assert done == wanted
    assert {type(m) for m, _ in MORNING} == set(p.COUNTER_REQUESTS), "a new counter message: add it to MORNING"


def test_a_line_that_names_no_office_method_fails_at_import():
    renamed = {p.Park: lambda o, c, m, now: o.park_it(counter=c, now=now)}
    with pytest.raises(ImportError, match=r"Park reads \['park_it'\]"):
        requests._names_exist(renamed)
    misspelt = {p.Open: lambda o, c, m, now: o.open(counter=c, services=m.servcies, now=now)}
    with pytest.raises(ImportError, match=r"Open reads \['servcies'\]"):
        requests._names_exist(misspelt)
    requests._names_exist(requests.COUNTER)  # the table as it stands
