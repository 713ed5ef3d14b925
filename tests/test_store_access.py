"""The lottery's side tables on both backends (SQLite file, PostgreSQL): personal data written
in the commit of the entry and gone when the next day starts, weights written in the commit of
the draw and forgotten after 60 days without an entry, the seed kept until the draw, and a
lottery day's entries replayed from the evening before."""

from __future__ import annotations

from config import load_site
from server.core import Office
from server.core import events as ev
from server.core.access import Person
from server.store import open_store

from .access_office import DAY, at

SECRET = b"store-test-secret-000"


def office_with_entries(store, n: int = 3) -> Office:
    office = Office(load_site(), always_open=True)
    office.open_access(day=DAY, seed_hash="h", contingent={"residence": 1}, closes_at=at(DAY, "06:00"),
                       draw_at=at(DAY, "06:05"), now=at("2026-12-07", "14:00"))
    for i in range(n):
        office.register(day=DAY, entry=f"e{i}", identity=f"id{i}", service="residence", lang="ar", urgent=False,
                        person=Person(f"Name {i}", "1990-01-02", f"+49170{i:04d}"), contact_key=f"c{i}", via="web",
                        weight=1, services=("residence",), per_contact=4, now=at("2026-12-07", "20:00"))
    store.write(store.rows(*office.take_changes(), office.take_private()))
    return office


def test_names_are_kept_for_the_day_and_forgotten_when_the_next_starts(store_db):
    store = open_store(store_db, timezone="Europe/Berlin")
    try:
        office_with_entries(store)
        assert sorted(store.access_people("2026-12-07")) == [
            (f"e{i}", DAY, f"Name {i}", "1990-01-02", f"+49170{i:04d}") for i in range(3)]
        store.start_day(DAY, retention_days=90, personal=False)
        assert len(store.access_people(DAY)) == 3  # the lottery's own day: still needed at the counter
        store.start_day("2026-12-09", retention_days=90, personal=False)
        assert store.query("SELECT count(*) FROM access_people") == [(0,)]
    finally:
        store.close()


def test_the_draw_writes_weights_a_place_resets_them_and_sixty_quiet_days_forget_them(store_db):
    store = open_store(store_db, timezone="Europe/Berlin")
    try:
        office = office_with_entries(store)
        office.draw_access(day=DAY, seed="00" * 32, contingent={"residence": 1}, urgent_share=0.0,
                           spans=[(at(DAY, "08:00"), at(DAY, "12:00"))], window_minutes=30, codes_key=SECRET,
                           now=at(DAY, "06:05"))
        events, tickets = office.take_changes()
        store.write(store.rows(events, tickets, office.take_private()))
        drawn = next(e for e in events if isinstance(e, ev.AccessDrawn))
        winner = office.access_days[DAY].entries[drawn.places[0].entry].identity
        assert store.unlucky(winner) == 0
        assert sorted(store.unlucky(f"id{i}") for i in range(3)) == [0, 1, 1]
        booked = [e for e in events if isinstance(e, ev.AppointmentBooked)]
        assert [b.booking for b in booked] == [drawn.places[0].code]  # the place is an appointment
        store.start_day("2026-12-30", retention_days=90, personal=False)
        assert sorted(store.unlucky(f"id{i}") for i in range(3)) == [0, 1, 1]
        store.start_day("2027-02-07", retention_days=90, personal=False)  # 61 days later, no entry since
        assert [store.unlucky(f"id{i}") for i in range(3)] == [0, 0, 0]
        assert store.query("SELECT count(*) FROM access_weights") == [(0,)]
    finally:
        store.close()


def test_the_seed_is_kept_once_until_the_draw(store_db):
    store = open_store(store_db, timezone="Europe/Berlin")
    try:
        assert store.keep_seed(DAY, "aa" * 32) == "aa" * 32
        assert store.keep_seed(DAY, "bb" * 32) == "aa" * 32  # a restart in between keeps the first
        assert store.access_seed(DAY) == "aa" * 32
        store.forget_seed(DAY)
        assert store.access_seed(DAY) is None
    finally:
        store.close()


def test_a_lottery_days_entries_are_replayed_from_the_evening_before(store_db):
    store = open_store(store_db, timezone="Europe/Berlin")
    try:
        office_with_entries(store, n=4)
        replayed = [e for e in store.events_since(DAY) if isinstance(e, ev.EntryRegistered)]
        assert [e.entry for e in replayed] == ["e0", "e1", "e2", "e3"]
        again = Office(load_site(), always_open=True)
        for event in store.events_since(DAY):
            again.apply(event)
        assert len(again.access_days[DAY].entries) == 4 and again.access_days[DAY].identities["id2"] == "e2"
    finally:
        store.close()


def test_the_purge_keeps_a_lottery_days_entries_from_the_evening_before_while_its_day_is_kept(store_db):
    """Entries for DAY come on the day before; a purge whose cutoff is DAY keeps them (the
    day's proof and statistics need every entry), the next one takes them."""
    store = open_store(store_db, timezone="Europe/Berlin")
    try:
        office_with_entries(store)
        entries = "SELECT count(*) FROM events WHERE kind = 'entry_registered'"
        store.purge("2026-12-09", retention_days=1)  # cutoff DAY: DAY is kept
        assert store.query(entries) == [(3,)]
        store.purge("2026-12-10", retention_days=1)
        assert store.query(entries) == [(0,)]
    finally:
        store.close()


def test_a_lottery_days_figures_are_kept_at_the_next_day_on_both_backends(store_db):
    """The statistics' rows of a lottery day (`server.manager.stats_lottery_rows`) are written
    when the next day starts, as the visits' are: 3 entries, 1 place drawn, nobody came."""
    store = open_store(store_db, timezone="Europe/Berlin")
    try:
        office = office_with_entries(store)
        office.draw_access(day=DAY, seed="00" * 32, contingent={"residence": 1}, urgent_share=0.0,
                           spans=[(at(DAY, "08:00"), at(DAY, "12:00"))], window_minutes=30, codes_key=SECRET,
                           now=at(DAY, "06:05"))
        store.write(store.rows(*office.take_changes(), office.take_private()))
        store.start_day("2026-12-09", retention_days=1, personal=False)
        assert store.query("SELECT day, service, entries, urgent, places, drawn, offered, checked_in, no_shows, "
                           "refused, held FROM stats_lottery") == [(DAY, "residence", 3, 0, 1, 1, 0, 0, 1, 0, 1)]
        assert store.query("SELECT day, unlucky, winners FROM stats_lottery_won") == [(DAY, 0, 1)]
        store.start_day("2026-12-10", retention_days=1, personal=False)  # kept once
        assert store.query("SELECT count(*) FROM stats_lottery") == [(1,)]
    finally:
        store.close()
