"""Properties of the queue core under random days of commands (hypothesis).

- no ticket is ever at two counters, and a counter's visitor is called or served there;
- every waiting ticket is in exactly its service's queue;
- `next` calls exactly the ticket a plain reference model of the documented rules picks
  (classes, the order within each class, the counter's preference order of services);
- numbers are unique per service and day and run without gaps;
- a refused command changes nothing, and replaying the events rebuilds the same state.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.core import Office
from server.wire.errors import WillkommenError

from .conftest import examples, make_site
from .test_core_office import T0

SITE = make_site()
SERVICES = ["residence", "extension", "settlement"]  # three services and three counters that
COUNTERS = ["5", "6", "8"]                           # share them: commands meet, not miss

draw = st.tuples(st.just("draw"), st.sampled_from(SERVICES), st.sampled_from(SITE.languages), st.booleans())
call_next = st.tuples(st.just("next"), st.sampled_from(COUNTERS))
finish = st.tuples(st.just("finish"), st.sampled_from(COUNTERS), st.sampled_from(list(SITE.outcomes)))
step = st.one_of(
    draw, draw, draw, call_next, call_next, call_next, finish, finish,
    st.tuples(st.sampled_from(["start", "recall", "noshow", "park", "pause", "resume", "close"]),
              st.sampled_from(COUNTERS)),
    st.tuples(st.just("open"), st.sampled_from(COUNTERS)),
    st.tuples(st.just("finish"), st.sampled_from(COUNTERS), st.sampled_from(list(SITE.outcomes))),
    st.tuples(st.just("transfer"), st.sampled_from(COUNTERS), st.sampled_from(SERVICES + [None]),
              st.sampled_from(COUNTERS + [None]), st.booleans()),
    st.tuples(st.just("unpark"), st.sampled_from(COUNTERS), st.integers(0, 40)),
    st.tuples(st.just("book"), st.sampled_from("ABC"), st.sampled_from(SERVICES), st.floats(-3600, 7200)),
    st.tuples(st.just("checkin"), st.sampled_from("ABC")),
)
opening = [(("open", c), 0.0) for c in COUNTERS]
days = st.lists(st.tuples(step, st.floats(0, 600)), min_size=30, max_size=150).map(lambda ops: opening + ops)


def run(office: Office, op: tuple, now: float, n: int):
    kind, *args = op
    if kind == "draw":
        return office.draw(kiosk="kiosk-1", service=args[0], lang=args[1], request=f"r{n}", token=f"t{n}", now=now,
                           interpreter=args[2])
    if kind == "finish":
        return office.finish(counter=args[0], outcome=args[1], now=now)
    if kind == "transfer":
        return office.transfer(counter=args[0], service=args[1], to_counter=args[2], front=args[3], now=now)
    if kind == "unpark":
        parked = [t.number for t in office.tickets.values() if t.state == "parked"]
        return office.unpark(counter=args[0], ticket=parked[args[1] % len(parked)] if parked else "X1", now=now)
    if kind == "book":
        return office.book(booking=args[0], service=args[1], lang="ar", due_at=now + args[2], now=now)
    if kind == "checkin":
        return office.checkin(kiosk="kiosk-2", booking=args[0], token=f"b{n}", now=now)
    if kind == "open":
        return office.open(counter=args[0], services=None, now=now)
    if kind == "pause":
        return office.pause(counter=args[0], reason="", now=now)
    return getattr(office, kind)(counter=args[0], now=now)


def state(office: Office):
    """Every field of every ticket and desk, the queues and the numbers, as plain tuples (a
    deepcopy per command made this test the slowest of the suite)."""
    def fields(obj) -> tuple:
        return tuple(tuple(v) if isinstance(v := getattr(obj, f), list) else v for f in obj.__dataclass_fields__)
    return (tuple(map(fields, office.tickets.values())), tuple(map(fields, office.desks.values())),
            tuple((s, tuple(q)) for s, q in office.waiting.items()), tuple(office.numbers.items()))


MAX_WAIT = {"residence": 60 * 60.0, "extension": 60 * 60.0, "settlement": 75 * 60.0}  # default.toml, by hand


def expected_next(office: Office, counter: str, now: float):
    """The ticket the documented rules pick (server/core/routing.py's docstring), written out
    plainly as a reference: each class in turn, each with its own order, ties by issue order.
    A ticket sent to this counter by name for a service it does not take comes before its
    own services (it was sent here on purpose)."""
    desk = office.desks[counter]
    mine = [t for q in office.waiting.values() for t in q.values()
            if t.target == counter or (t.target is None and t.service in desk.services)]
    due = [t for t in mine if t.appointment_at is not None and t.appointment_at <= now]
    if due:
        return min(due, key=lambda t: (t.appointment_at, t.id))
    front = [t for t in mine if t.front]
    if front:
        return min(front, key=lambda t: (t.placed_at, t.id))
    overdue = [t for t in mine if now - t.issued_at >= MAX_WAIT[t.service]]
    if overdue:
        return min(overdue, key=lambda t: (t.issued_at, t.id))
    for group in ([t for t in mine if t.service not in desk.services],
                  *([t for t in mine if t.service == s] for s in desk.services)):
        if group:
            return min(group, key=lambda t: (t.issued_at, t.id))
    return None


def check_invariants(office: Office) -> None:
    at_desks = [d.current for d in office.desks.values() if d.current]
    assert len(at_desks) == len(set(at_desks)), "a ticket is at two counters"
    for desk in office.desks.values():
        if desk.current:
            ticket = office.tickets[desk.current]
            assert ticket.state in ("called", "serving") and ticket.counter == desk.id
    for ticket in office.tickets.values():
        queues = [s for s, q in office.waiting.items() if ticket.number in q]
        assert queues == ([ticket.service] if ticket.state == "waiting" else [])
        if ticket.state in ("called", "serving"):
            assert office.desks[ticket.counter].current == ticket.number
    for service in SITE.services:
        waiting = office.waiting[service.id].values()
        if waiting:  # the cached oldest issue time is the true one, whatever left the queue
            assert office.queue_info(service.id, T0).longest_wait == T0 - min(t.issued_at for t in waiting)
        needed: dict[str, int] = {}  # the interpreters counted as tickets come and go: as many as wait
        for t in waiting:
            needed[t.lang] = needed.get(t.lang, 0) + t.interpreter
        assert office.interpreters(service.id) == {lang: n for lang, n in needed.items() if n}
        numbers = sorted(int(t.number[1:]) for t in office.tickets.values() if t.number[0] == service.prefix)
        assert numbers == list(range(1, len(numbers) + 1))


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                    HealthCheck.large_base_example])
@given(days)
def test_random_days_keep_every_rule(ops):
    office = Office(SITE, always_open=True)
    now = T0
    for n, (op, dt) in enumerate(ops):
        now += dt
        before = state(office)
        expected = expected_next(office, op[1], now) if op[0] == "next" else None
        try:
            _, subject = run(office, op, now, n)
        except WillkommenError:
            assert state(office) == before, f"{op} was refused but changed the state"
            continue
        if op[0] == "next":
            assert subject is expected, f"{op}: called {subject.number}, the rules pick {getattr(expected, 'number', None)}"
        check_invariants(office)
    replayed = Office(SITE, always_open=True)
    for event in office.take_journal():
        replayed.apply(event)
    assert (replayed.tickets, replayed.desks) == (office.tickets, office.desks)


@settings(max_examples=examples(60), deadline=None)
@given(st.integers(1, 6), st.floats(2, 9))
def test_no_ticket_waits_forever_behind_a_preferred_service(arrivals_per_visit, service_minutes):
    """Counter 3 prefers passport, which never runs dry; a card-pickup ticket (its second
    service, max wait 30 min) is still called once it is overdue, within one visit more."""
    office = Office(SITE, always_open=True)
    office.open(counter="3", services=None, now=T0)
    lonely = office.draw(kiosk="k", service="card-pickup", lang="fa", request="lonely", token="x", now=T0)[1]
    now, n = T0, 0
    while lonely.state == "waiting" and now < T0 + 8 * 3600:
        for _ in range(arrivals_per_visit):
            n += 1
            office.draw(kiosk="k", service="passport", lang="de", request=f"p{n}", token=f"t{n}", now=now)
        office.next(counter="3", now=now)
        now += service_minutes * 60
        office.finish(counter="3", outcome="done", now=now)
    assert lonely.called_at - lonely.issued_at <= 30 * 60 + service_minutes * 60
