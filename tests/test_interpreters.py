"""Interpreters (issue 15): the visitor's "I need help with German" from the draw through the
core, the store and the wire; an older kiosk that does not send it still draws."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import connect

from server import protocol as p
from server.core import Office
from server.errors import BadRequest
from server.store import Store

from .conftest import examples, make_site, token
from .test_core_office import T0


# ---- the protocol ----------------------------------------------------------------------------

def test_a_draw_without_the_field_means_no_interpreter():
    old = p.decode_client(b'{"type": "draw", "id": 1, "service": "info", "lang": "ar", "request": "r"}')
    new = p.decode_client(b'{"type": "draw", "id": 1, "service": "info", "lang": "ar", "request": "r", '
                          b'"interpreter": true}')
    assert (old.interpreter, new.interpreter) == (False, True)
    assert b"interpreter" not in p.encode(old)  # what an old server reads is what it always read


@pytest.mark.parametrize("value", ['"yes"', "1", "null", "[]"])
def test_an_interpreter_that_is_not_true_or_false_is_a_bad_request(value):
    frame = '{"type": "draw", "id": 3, "service": "info", "lang": "ar", "request": "r", "interpreter": %s}' % value
    with pytest.raises(BadRequest) as caught:
        p.decode_client(frame)
    assert caught.value.re == 3 and "interpreter" in str(caught.value)


def test_ticket_and_queue_views_carry_the_need_only_when_there_is_one():
    plain = p.TicketView(number="A001", service="residence", lang="uk", state="waiting", issued_at=T0)
    needs = p.TicketView(number="A002", service="residence", lang="ar", state="waiting", issued_at=T0,
                         interpreter=True)
    assert b"interpreter" not in p.encode(plain)
    assert p.decode_server(p.encode(p.TicketChanged(ticket=needs))).ticket.interpreter is True
    queue = p.QueueView(service="residence", waiting=2, longest_wait=1.0, eta=None, interpreters={"ar": 1})
    assert p.decode_server(p.encode(p.QueuesChanged(queues=[queue]))).queues[0].interpreters == {"ar": 1}


# ---- the core and the store ------------------------------------------------------------------

def test_the_need_is_in_the_event_the_ticket_and_the_waiting_count():
    office = Office(make_site(), always_open=True)
    events, arabic = office.draw(kiosk="kiosk-1", service="residence", lang="ar", request="r1", token="t1",
                                 now=T0, interpreter=True)
    _, ukrainian = office.draw(kiosk="kiosk-1", service="residence", lang="uk", request="r2", token="t2", now=T0 + 1)
    drawn = [e for e in events if e["kind"] == "ticket_drawn"]
    assert drawn[0]["interpreter"] is True and (arabic.interpreter, ukrainian.interpreter) == (True, False)
    assert office.interpreters("residence") == {"ar": 1} and office.interpreters("info") == {}
    office.open(counter="5", services=None, now=T0 + 2)
    office.next(counter="5", now=T0 + 3)  # A001 is called: no longer waiting
    assert office.interpreters("residence") == {}
    assert office.tickets["A001"].interpreter  # the clerk still sees it


def test_a_retried_draw_returns_the_first_ticket_whatever_the_second_says():
    office = Office(make_site(), always_open=True)
    _, first = office.draw(kiosk="kiosk-1", service="info", lang="fa", request="same", token="t1", now=T0,
                           interpreter=True)
    events, again = office.draw(kiosk="kiosk-1", service="info", lang="fa", request="same", token="t2", now=T0 + 1)
    assert again is first and again.interpreter and events == []


def test_the_store_keeps_the_need_and_a_restart_rebuilds_it(tmp_path):
    office = Office(make_site(), always_open=True)
    office.draw(kiosk="kiosk-1", service="residence", lang="ar", request="r1", token="t1", now=T0, interpreter=True)
    office.draw(kiosk="kiosk-1", service="residence", lang="uk", request="r2", token="t2", now=T0 + 1)
    store = Store(tmp_path / "o.sqlite3", timezone="Europe/Berlin")
    store.append(office.take_journal(), office.tickets.values())
    assert (store.ticket_row(token="t1")["interpreter"], store.ticket_row(token="t2")["interpreter"]) == (1, 0)
    rebuilt = Office(make_site(), always_open=True)
    for event in store.events_since(office.day):
        rebuilt.apply(event)
    assert rebuilt.tickets == office.tickets and rebuilt.interpreters("residence") == {"ar": 1}
    store.close()


@settings(max_examples=examples(40), deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["de", "ar", "fa", "uk", "ti"]), st.booleans()), max_size=12))
def test_the_waiting_count_per_language_is_the_tickets_that_asked(draws):
    office = Office(make_site(), always_open=True)
    for i, (lang, needed) in enumerate(draws):
        office.draw(kiosk="kiosk-1", service="info", lang=lang, request=f"r{i}", token=f"t{i}", now=T0 + i,
                    interpreter=needed)
    expected: dict[str, int] = {}
    for lang, needed in draws:
        if needed:
            expected[lang] = expected.get(lang, 0) + 1
    assert office.interpreters("info") == expected


# ---- over the real server --------------------------------------------------------------------

async def reply_to(ws) -> dict:
    """The next reply or error (a kiosk is pushed queue changes between them)."""
    while True:
        message = json.loads(await ws.recv())
        if message["type"] in ("reply", "error"):
            return message


async def test_an_old_kiosk_without_the_field_still_draws(server):
    async with connect(f"ws://127.0.0.1:{server.port}/") as ws:
        await ws.send(json.dumps({"type": "hello", "role": "kiosk", "terminal": "kiosk-1", "token": token("kiosk-1")}))
        assert json.loads(await ws.recv())["type"] == "welcome"
        await ws.send(json.dumps({"type": "draw", "id": 1, "service": "info", "lang": "ar", "request": "old-1"}))
        reply = await reply_to(ws)
        await ws.send(json.dumps({"type": "draw", "id": 2, "service": "info", "lang": "ar", "request": "new-1",
                                  "interpreter": True}))
        second = await reply_to(ws)
    assert reply["type"] == "reply" and "interpreter" not in reply["ticket"]
    assert second["ticket"]["interpreter"] is True
    assert [t.interpreter for t in server.office.tickets.values()] == [False, True]
