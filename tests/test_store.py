"""The store, on SQLite and on PostgreSQL (`store_db`): events are the truth, tickets a projection,
migrations recorded."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest

from server.core import Office
from server.core.events import decode
from server.store import open_store
from server.store.sqlite import Store

from .conftest import make_site
from .test_core_office import MIN, T0


def day_of_work(office: Office) -> None:
    office.open(counter="5", services=None, now=T0)
    for i in range(3):
        office.draw(kiosk="kiosk-1", service="residence", lang="ar", request=f"r{i}", token=f"tok{i}", now=T0 + i)
    office.next(counter="5", now=T0 + MIN)
    office.finish(counter="5", outcome="done", now=T0 + 9 * MIN)
    office.next(counter="5", now=T0 + 10 * MIN)


def store_all(store: Store, office: Office) -> None:
    store.append(office.take_journal(), office.tickets.values())


def daily_stats(store, day: str, service: str) -> dict:
    columns = ("tickets", "done", "expired", "waits", "services", "service_s_sum", "wait_s_sum")
    [row] = store.query(f"SELECT {', '.join(columns)} FROM daily_stats WHERE day = ? AND service = ?", [day, service])
    return dict(zip(columns, row))


def test_events_and_tickets_rebuild_the_office(store_db):
    office = Office(make_site(), always_open=True)
    day_of_work(office)
    store = open_store(store_db, timezone="Europe/Berlin")
    store_all(store, office)
    store.close()

    store = open_store(store_db, timezone="Europe/Berlin")
    rebuilt = Office(make_site(), always_open=True)
    for event in store.events_of("2026-11-24"):
        rebuilt.apply(event)
    assert rebuilt.tickets == office.tickets and rebuilt.desks == office.desks
    assert store.events_of("2026-11-25") == []
    row = store.ticket_row(token="tok0")
    assert (row["number"], row["state"], row["lang"], row["outcome"], row["day"]) == ("A001", "done", "ar", "done",
                                                                                      "2026-11-24")
    assert row["finished_at"] - row["called_at"] == 8 * MIN
    assert store.ticket_row(day="2026-11-24", number="A002")["state"] == "called"
    assert store.last_ticket_id() == 3
    store.close()


def test_schema_is_versioned_and_the_file_is_in_wal_mode(tmp_path):
    store = Store(tmp_path / "o.sqlite3", timezone="Europe/Berlin", synchronous="full")
    assert store.schema_version() == ["m001_events_and_tickets", "m002_appointments", "m003_daily_stats",
                                     "m004_lighter_ticket_indexes", "m005_no_index_written_per_draw", "m006_interpreter",
                                     "m007_printed_estimates", "m008_signed_out", "m009_fair_access",
                                     "m010_entries_per_address", "m011_draw_witnessed", "m012_floor_events"]
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    store.close()
    again = Store(tmp_path / "o.sqlite3", timezone="Europe/Berlin")
    assert len(again.schema_version()) == 12  # each applied once, not twice


def test_a_file_of_the_first_schema_is_migrated(tmp_path):
    import sqlite_utils

    from server.store.sqlite_schema import migrations

    db = sqlite_utils.Database(tmp_path / "old.sqlite3")
    migrations.apply(db, stop_before="m002_appointments")
    db["tickets"].insert({"id": 1, "day": "2026-11-24", "number": "A001", "service": "info", "token": "t",
                          "state": "done", "issued_at": 1.0})
    db.close()
    store = Store(tmp_path / "old.sqlite3", timezone="Europe/Berlin")
    assert store.schema_version()[-2:] == ["m011_draw_witnessed", "m012_floor_events"]
    assert store.signed_out(now=0.0) == set()
    assert store.ticket_row(token="t")["booking"] is None and store.ticket_row(token="t")["interpreter"] == 0 and store.last_ticket_id() == 1
    assert store.ticket_row(token="t")["eta_high"] is None  # no range was recorded before m007
    assert store.db["tickets"].indexes == []  # a draw writes no index page
    assert {i.name for i in store.db["events"].indexes} == {"idx_events_day_started", "idx_events_booked", "idx_events_access",
                                                            "idx_events_kiosks", "idx_events_plans"}  # partial: no draw


def test_appointments_booked_ahead_are_replayed_on_their_day(store_db):
    office = Office(make_site(), always_open=True)
    tomorrow_10 = T0 + 86400 + 3600
    office.book(booking="abc-1", service="residence", lang="ar", due_at=tomorrow_10, now=T0)
    store = open_store(store_db, timezone="Europe/Berlin")
    store_all(store, office)
    assert store.events_of("2026-11-24")[0].kind == "day_started"
    assert [e.kind for e in store.events_of("2026-11-25")] == ["appointment_booked"]
    restarted = Office(make_site(), always_open=True)  # a restart on the day of the appointment
    for event in store.events_since("2026-11-25"):
        restarted.apply(event)
    ticket = restarted.checkin(kiosk="kiosk-1", booking="ABC-1", token="t", now=tomorrow_10 - 600)[1]
    assert (ticket.number, ticket.lang, ticket.appointment_at) == ("A001", "ar", tomorrow_10)
    store.close()


def test_a_new_day_expires_yesterdays_open_tickets(store_db):
    office = Office(make_site(), always_open=True)
    day_of_work(office)
    store = open_store(store_db, timezone="Europe/Berlin")
    store_all(store, office)
    office.draw(kiosk="kiosk-1", service="info", lang="de", request="next-day", token="nd", now=T0 + 86400)
    store_all(store, office)
    states = dict(store.query("SELECT number, state FROM tickets WHERE day = '2026-11-24'"))
    assert states == {"A001": "done", "A002": "expired", "A003": "expired"}
    assert store.ticket_row(token="nd")["day"] == "2026-11-25"
    store.close()


def test_a_failed_transaction_writes_nothing(store_db):
    office = Office(make_site(), always_open=True)
    day_of_work(office)
    store = open_store(store_db, timezone="Europe/Berlin")
    events = office.take_journal()
    broken = [*office.tickets.values()]
    broken[0].token = None  # NOT NULL: the projection fails, so must the events
    with pytest.raises((sqlite3.IntegrityError, psycopg.errors.NotNullViolation)):
        store.append(events, broken)
    assert store.count_events() == 0 and store.query("SELECT count(*) FROM tickets") == [(0,)]
    store.close()


def test_purge_forgets_old_tickets_and_events_but_keeps_statistics(store_db):
    office = Office(make_site(), always_open=True)
    day_of_work(office)  # 2026-11-24: A001 done after 1 min wait and 8 min service, A002 called
    store = open_store(store_db, timezone="Europe/Berlin")
    store_all(store, office)
    office.draw(kiosk="kiosk-1", service="info", lang="de", request="later", token="later", now=T0 + 30 * 86400)
    store_all(store, office)

    assert store.purge("2026-12-24", retention_days=30) == 0  # 2026-11-24 is exactly 30 days old: kept
    assert store.purge("2026-12-25", retention_days=30) == 3
    assert store.ticket_row(token="tok0") is None and store.events_of("2026-11-24") == []
    assert store.ticket_row(token="later")["number"] == "F001" and store.events_of("2026-12-24")
    stats = daily_stats(store, "2026-11-24", "residence")
    assert (stats["tickets"], stats["done"], stats["expired"], stats["waits"], stats["services"]) == (3, 1, 2, 2, 1)
    assert stats["service_s_sum"] == 8 * MIN and stats["wait_s_sum"] == (MIN - 0) + (10 * MIN - 1)
    assert store.purge("2026-12-25", retention_days=30) == 0  # nothing twice, statistics stay
    assert daily_stats(store, "2026-11-24", "residence")["tickets"] == 3
    store.close()


def test_a_day_is_replayed_from_its_start_and_bookings_ahead_outlive_the_purge(store_db):
    office = Office(make_site(), always_open=True)
    day_of_work(office)  # 2026-11-24
    office.book(booking="far-1", service="info", lang="fa", due_at=T0 + 40 * 86400, now=T0 + 11 * MIN)
    store = open_store(store_db, timezone="Europe/Berlin")
    store_all(store, office)
    office.draw(kiosk="kiosk-1", service="info", lang="de", request="d2", token="d2", now=T0 + 86400)
    store_all(store, office)

    replayed = store.events_since("2026-11-25")
    assert [e.kind for e in replayed] == ["appointment_booked", "day_started", "ticket_drawn"]
    assert replayed[2].number == "F001" and store.events_since("2026-11-26") == replayed[:1]
    store.purge("2026-12-30", retention_days=30)  # both days are past; the appointment is not
    assert [e.kind for e in store.events_since("2027-01-03")] == ["appointment_booked"]
    assert store.count_events() == 1
    store.close()


def test_the_plan_in_force_is_replayed_on_any_later_day_and_outlives_the_purge(store_db):
    from server.wire.plan import Shift

    office = Office(make_site(), always_open=True)
    shift = Shift(counter="5", weekday=1, start="08:00", end="12:00")
    office.set_plan(template=[Shift(counter="6", weekday=1, start="08:00", end="12:00")], closures=[], now=T0)
    office.set_plan(template=[shift], closures=[], by="anna", now=T0 + MIN)  # the one in force
    day_of_work(office)
    store = open_store(store_db, timezone="Europe/Berlin")
    store_all(store, office)
    office.draw(kiosk="kiosk-1", service="info", lang="de", request="d2", token="d2", now=T0 + 86400)
    store_all(store, office)

    replayed = store.events_since("2026-11-25")
    assert [e.kind for e in replayed] == ["plan_changed", "day_started", "ticket_drawn"]
    assert replayed[0].template == [shift] and replayed[0].by == "anna"
    store.purge("2026-12-30", retention_days=30)  # every day is past; the plan in force is not
    [kept] = store.events_since("2027-01-03")
    assert kept.kind == "plan_changed" and kept.template == [shift] and store.count_events() == 1
    again = Office(make_site(), always_open=True)
    for event in store.events_since("2027-01-03"):
        again.apply(event)
    assert again.plan.template == [shift]
    store.close()


def test_a_booking_code_of_any_text_is_stored_and_replayed_exactly(store_db):
    """Booking codes come from outside (the booking system, a scanner): any text, NUL too,
    which PostgreSQL's text cannot hold. The commit never fails on it (a failed commit stops the
    server, and the replay would bring the code back); the events give it back exactly, and
    the projection keeps it (PostgreSQL with U+FFFD for a NUL)."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from .conftest import examples

    store, site = open_store(store_db, timezone="Europe/Berlin"), make_site()

    @settings(max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(code=st.text(min_size=1, max_size=40).filter(str.strip))
    def booked_and_checked_in(code: str) -> None:
        office = Office(site, always_open=True)
        office.last_id = store.last_ticket_id()
        office.book(booking=code, service="residence", lang="ar", due_at=T0 + 3600, now=T0)
        token = f"t{office.last_id}"
        ticket = office.checkin(kiosk="kiosk-1", booking=code, token=token, now=T0 + 600)[1]
        store_all(store, office)
        stored = store.query("SELECT seq, data FROM events ORDER BY seq DESC LIMIT 3")
        assert [getattr(decode(data), "booking", None) for _, data in stored][:2] == [ticket.booking] * 2  # as the core keeps it
        assert store.ticket_row(token=token)["booking"] in (ticket.booking, ticket.booking.replace("\0", "\ufffd"))

    try:
        booked_and_checked_in()
    finally:
        store.close()
