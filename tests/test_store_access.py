"""The lottery's side tables on both backends (SQLite file, PostgreSQL): personal data written
in the commit of the entry and gone when the next day starts, weights written in the commit of
the draw and forgotten after 60 days without an entry, the seed kept until the draw, and a
lottery day's entries replayed from the evening before."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from config import load_site
from server.core import Office
from server.core import events as ev
from server.core.access import Person
from server.store import open_store

from .access_office import DAY, at
from .conftest import examples

SECRET = b"store-test-secret-000"


def drawn_with_one_place(store) -> Office:
    """Three entries for one place of residence, drawn at 06:05 (not yet written)."""
    office = office_with_entries(store)
    office.draw_access(day=DAY, seed="00" * 32, contingent={"residence": 1}, urgent_share=0.0,
                       spans=[(at(DAY, "08:00"), at(DAY, "12:00"))], window_minutes=30, codes_key=SECRET,
                       now=at(DAY, "06:05"))
    return office


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
        office = drawn_with_one_place(store)
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
    """The statistics' rows of a lottery day (`server.store.stats_lottery_rows`) are written
    when the next day starts, as the visits' are: 3 entries, 1 place drawn, nobody came."""
    store = open_store(store_db, timezone="Europe/Berlin")
    try:
        office = drawn_with_one_place(store)
        store.write(store.rows(*office.take_changes(), office.take_private()))
        store.start_day("2026-12-09", retention_days=1, personal=False)
        assert store.query("SELECT day, service, entries, urgent, places, drawn, offered, checked_in, no_shows, "
                           "refused, held FROM stats_lottery") == [(DAY, "residence", 3, 0, 1, 1, 0, 0, 1, 0, 1)]
        assert store.query("SELECT day, unlucky, winners FROM stats_lottery_won") == [(DAY, 0, 1)]
        store.start_day("2026-12-10", retention_days=1, personal=False)  # kept once
        assert store.query("SELECT count(*) FROM stats_lottery") == [(1,)]
    finally:
        store.close()


@settings(max_examples=examples(25), deadline=None)
@given(entries=st.integers(1, 10), places=st.integers(0, 4), urgent=st.lists(st.booleans(), min_size=10, max_size=10),
       came=st.lists(st.sampled_from(["came", "refused", "away", "away_offered"]), min_size=6, max_size=6))
def test_the_statistics_count_a_lottery_day_as_the_floor_board_does(entries, places, urgent, came):
    """Whatever the entries, places, check-ins, refusals and offers of no-shows' places: the
    day's statistics row (made live, and kept at the next day) holds the floor board's figures
    (`access_days.summary`, computed apart from the office in memory)."""
    from server.store import stats_lottery_rows

    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "o.sqlite3", timezone="Europe/Berlin")
        try:
            office = Office(load_site(), always_open=True)
            office.open_access(day=DAY, seed_hash="h", contingent={"residence": places}, closes_at=at(DAY, "06:00"),
                               draw_at=at(DAY, "06:05"), now=at("2026-12-07", "14:00"))
            for i in range(entries):
                office.register(day=DAY, entry=f"e{i}", identity=f"id{i}", service="residence", lang="ar",
                                urgent=urgent[i], person=Person(f"Name {i}", "1990-01-02", f"+49170{i:04d}"),
                                contact_key=f"c{i}", via="web", weight=1 + i % 3, services=("residence",),
                                per_contact=4, now=at("2026-12-07", "20:00"))
            office.draw_access(day=DAY, seed="00" * 32, contingent={"residence": places}, urgent_share=0.25,
                               spans=[(at(DAY, "08:00"), at(DAY, "18:00"))], window_minutes=30, codes_key=SECRET,
                               now=at(DAY, "06:05"))
            office.open(counter="5", services=None, now=at(DAY, "07:55"))
            for place, what in zip(office.access_days[DAY].drawn.places, came):
                if what in ("came", "refused"):
                    _, ticket = office.checkin(kiosk="kiosk-1", booking=place.code, token=f"t{place.code}",
                                               now=place.window_start + 60)
                    if what == "refused":
                        office.call(counter="5", ticket=ticket.number, now=place.window_start + 120)
                        office.refuse_identity(counter="5", now=place.window_start + 180)
                elif what == "away_offered":
                    office.offer_place(day=DAY, instead_of=place.entry, window=(place.window_end, place.window_end + 1800),
                                       codes_key=SECRET, now=place.window_end + 1)
            store.write(store.rows(*office.take_changes(), office.take_private()))
            now = at(DAY, "19:00")
            board = office.access_summary(now)[0]
            expected = (entries, board["urgent"], places, board["places"], board["offered"], board["came"],
                        board["no_shows"], board["identity_refused"])
            conn = store.db.conn
            made = stats_lottery_rows.rows_between(conn, DAY, DAY, now=now)
            assert [row[2:10] for row in made.days] == [expected]
            store.start_day("2026-12-09", retention_days=1, personal=False)
            assert store.query("SELECT entries, urgent, places, drawn, offered, checked_in, no_shows, refused "
                               "FROM stats_lottery") == [expected]
        finally:
            store.close()
