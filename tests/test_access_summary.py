"""The floor board's lottery panel in figures (`Office.access_summary`): counted as entries come
and places are drawn, offered, checked in and refused (`AccessDay.via`, `per_service`,
`offered`, `won_after`, `OfficeState.identity_refusals`), not walked over the day's entries,
bookings and tickets on every push. Under random days of commands (registrations of two
services, some refused as a second entry or a full contact, a witness, the draws, check-ins of
won codes, a clerk's "not the registered person" and ordinary finishes, cancels, places offered
again, the clock moving over windows' ends and nights) the figures are at every step exactly
what that walk gives, and replaying the events (a restart) gives the same.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config import load_site
from server.core import Office
from server.core.access import OFFERED, REFUSED_OUTCOME, WON, Person
from server.wire.errors import WillkommenError

from .access_office import at
from .conftest import examples

SITE = load_site()
DAYS = ["2026-12-08", "2026-12-09"]
SERVICES = ("residence", "extension")
CONTINGENT = {"residence": 2, "extension": 1}
KEY = b"summary-test-key-000"


def walk(office: Office, now: float) -> list[dict]:
    """What the board showed before: every booking, ticket and entry walked on each push."""
    checked_in = {b.code for b in office.bookings.values() if b.ticket is not None}
    refused = sum(1 for t in office.tickets.values() if t.outcome == REFUSED_OUTCOME)
    return [day_walked(day, checked_in, refused if d == office.day else 0, now)
            for d, day in sorted(office.access_days.items()) if d >= office.day]


def day_walked(day, checked_in: set[str], refused: int, now: float) -> dict:
    entries = list(day.entries.values())
    places = [x for x in entries if x.state in (WON, OFFERED)]
    after: dict[int, int] = {}
    via: dict[str, int] = {}
    for x in entries:
        via[x.via] = via.get(x.via, 0) + 1
        if x.state == WON:
            after[x.weight - 1] = after.get(x.weight - 1, 0) + 1
    drawn = day.drawn.places if day.drawn is not None else ()
    contingent = day.drawn.contingent if day.drawn is not None else day.contingent
    rows = {service: {"entries": 0, "urgent": 0, "contingent": n, "places": 0} for service, n in contingent.items()}
    for x in entries:
        row = rows.setdefault(x.service, {"entries": 0, "urgent": 0, "contingent": 0, "places": 0})
        row["entries"] += 1
        row["urgent"] += x.urgent
    for place in drawn:
        rows.setdefault(place.service, {"entries": 0, "urgent": 0, "contingent": 0, "places": 0})["places"] += 1
    return {"day": day.day, "seed_hash": day.seed_hash, "closes_at": day.closes_at, "draw_at": day.draw_at,
            "drawn": day.drawn is not None, "services": dict(sorted(rows.items())),
            "entries": len(entries), "urgent": sum(x.urgent for x in entries), "via": via,
            "places": len(drawn), "urgent_places": sum(p.urgent for p in drawn),
            "offered": sum(x.state == OFFERED for x in entries),
            "came": sum(x.code in checked_in for x in places),
            "no_shows": sum(x.code not in checked_in and x.window is not None and x.window[1] <= now for x in places),
            "identity_refused": refused, "won_after_unlucky_days": dict(sorted(after.items())),
            "witness": None if day.witness is None else {"words": day.witness.words, "by": day.witness.by,
                                                         "at": day.witness.at},
            "proof": f"/draw/{day.day}.json"}


def counted(office: Office) -> tuple:
    """The figures the core keeps as events come (what the board reads instead of walking)."""
    return office.identity_refusals, {d: (day.via, day.per_service, day.offered, day.won_after)
                                      for d, day in office.access_days.items()}


def counted_by_walking(office: Office) -> tuple:
    days = {}
    for d, day in office.access_days.items():
        walked = day_walked(day, set(), 0, 0.0)
        per_service = {s: [row["entries"], row["urgent"]] for s, row in walked["services"].items() if row["entries"]}
        days[d] = (walked["via"], per_service, walked["offered"], walked["won_after_unlucky_days"])
    return sum(1 for t in office.tickets.values() if t.outcome == REFUSED_OUTCOME), days


step = st.one_of(
    st.tuples(st.just("register"), st.integers(0, 1), st.integers(0, 11), st.sampled_from(SERVICES),
              st.booleans(), st.sampled_from(["web", "kiosk", "desk"]), st.integers(1, 4), st.integers(0, 4)),
    st.tuples(st.just("register"), st.integers(0, 1), st.integers(0, 11), st.sampled_from(SERVICES),
              st.booleans(), st.sampled_from(["web", "kiosk", "desk"]), st.integers(1, 4), st.integers(0, 4)),
    st.tuples(st.just("witness"), st.integers(0, 1)),
    st.tuples(st.just("draw"), st.integers(0, 1)),
    st.tuples(st.just("checkin"), st.integers(0, 9)),
    st.tuples(st.just("refuse"), st.integers(0, 9)),
    st.tuples(st.just("finish"), st.integers(0, 9)),
    st.tuples(st.just("cancel"), st.integers(0, 9)),
    st.tuples(st.just("offer"), st.integers(0, 9)),
    st.tuples(st.just("offer"), st.integers(0, 9)),
    st.tuples(st.just("checkin"), st.integers(0, 9)),
)
# seconds between commands: mostly minutes, now and then hours (windows end) or a night
gap = st.one_of(st.floats(0, 1800), st.floats(0, 1800), st.floats(0, 30_000))


def codes(office: Office) -> list[tuple[str, str]]:
    """(code, entry) of every place drawn or offered so far, of the days still held."""
    return [(code, entry) for day in office.access_days.values() for code, entry in day.codes.items()]


def run(office: Office, op: tuple, now: float, n: int) -> None:
    kind, *args = op
    if kind == "register":
        day, person, service, urgent, via, weight, contact = args
        office.register(day=DAYS[day], entry=f"e{n}", identity=f"id{person}", service=service, lang="ar",
                        urgent=urgent, person=Person(f"Name {person}", "1990-01-02", f"+4917{contact}"),
                        contact_key=f"c{contact}" if contact else "", via=via, weight=weight, services=SERVICES,
                        per_contact=2, now=now)
    elif kind == "witness":
        office.witness_draw(day=DAYS[args[0]], words=f"{n} 4 2", now=now)
    elif kind == "draw":
        day = DAYS[args[0]]
        office.draw_access(day=day, seed=f"{n:02x}" * 32, contingent=CONTINGENT, urgent_share=0.5,
                           spans=[(at(day, "08:00"), at(day, "10:00"))], window_minutes=30, codes_key=KEY, now=now)
    elif kind in ("checkin", "offer") and (held := codes(office)):
        code, entry = held[args[0] % len(held)]
        if kind == "checkin":
            office.checkin(kiosk="kiosk-1", booking=code, token=f"t{n}", now=now)
        else:
            window = (now, now + 1800)
            day = next(d for d, found in office.access_days.items() if code in found.codes)
            office.offer_place(day=day, instead_of=entry, window=window, codes_key=KEY, now=now)
    elif kind in ("refuse", "finish", "cancel") and (numbers := list(office.tickets)):
        number = numbers[args[0] % len(numbers)]
        if kind == "cancel":
            office.cancel(kiosk="kiosk-1", ticket=number, reason="printer_failed", now=now)
            return
        office.open(counter="5", services=None, now=now)
        office.call(counter="5", ticket=number, now=now)
        if kind == "refuse":
            office.refuse_identity(counter="5", now=now)
        else:
            office.finish(counter="5", outcome="done", now=now)


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.floats(0, 86_400), st.lists(st.tuples(step, gap), min_size=10, max_size=120))
def test_the_counted_figures_are_the_walk_over_the_day_at_every_step_and_after_a_replay(start, ops):
    office = Office(SITE, always_open=True)
    now = at("2026-12-07", "14:00")
    for day in DAYS:
        office.open_access(day=day, seed_hash=f"hash-{day}", contingent=CONTINGENT, closes_at=at(day, "06:00"),
                           draw_at=at(day, "06:05"), now=now)
    now += start / 4  # the evening before: registrations come until the first close
    for n, (op, pause) in enumerate(ops):
        now += pause
        try:
            run(office, op, now, n)
        except WillkommenError:
            pass  # refused (a second entry, a full contact, a window closed ...): may still start a day
        assert office.access_summary(now) == walk(office, now), (op, now)
        assert counted(office) == counted_by_walking(office), (op, now)
    restarted = Office(SITE, always_open=True)
    for event in office.take_journal():  # what the writer stores
        restarted.apply(event)
    assert restarted.access_summary(now) == office.access_summary(now)


def test_a_worked_day_two_entries_one_place_checked_in_and_refused_at_the_counter():
    """Counted as it happens: 2 entries (one urgent, one from the kiosk), the draw's one place
    to the urgent one, who checks in and whom the clerk finds not to be the registered person."""
    office = Office(SITE, always_open=True)
    day = DAYS[0]
    office.open_access(day=day, seed_hash="h", contingent={"residence": 1}, closes_at=at(day, "06:00"),
                       draw_at=at(day, "06:05"), now=at("2026-12-07", "14:00"))
    for i, (urgent, via) in enumerate([(True, "web"), (False, "kiosk")]):
        office.register(day=day, entry=f"e{i}", identity=f"id{i}", service="residence", lang="ar", urgent=urgent,
                        person=Person(f"Name {i}", "1990-01-02", ""), contact_key="", via=via, weight=2,
                        services=SERVICES, per_contact=2, now=at("2026-12-07", "20:00"))
    office.draw_access(day=day, seed="00" * 32, contingent={"residence": 1}, urgent_share=1.0,
                       spans=[(at(day, "08:00"), at(day, "10:00"))], window_minutes=30, codes_key=KEY,
                       now=at(day, "06:05"))
    (place,) = office.access_days[day].drawn.places
    _, ticket = office.checkin(kiosk="kiosk-1", booking=place.code, token="t", now=at(day, "08:10"))
    office.open(counter="5", services=None, now=at(day, "08:11"))
    office.call(counter="5", ticket=ticket.number, now=at(day, "08:12"))
    office.refuse_identity(counter="5", now=at(day, "08:15"))
    (figures,) = office.access_summary(at(day, "09:00"))
    assert (figures["entries"], figures["urgent"], figures["via"], figures["places"], figures["came"],
            figures["no_shows"], figures["identity_refused"], figures["won_after_unlucky_days"]) == (
        2, 1, {"web": 1, "kiosk": 1}, 1, 1, 0, 1, {1: 1})
    assert figures["services"] == {"residence": {"entries": 2, "urgent": 1, "contingent": 1, "places": 1}}
