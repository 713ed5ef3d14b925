"""The statistics queries on PostgreSQL: the scripted days' tickets and events copied into a
throwaway PostgreSQL 15 cluster (Debian's `postgresql`, on a Unix socket in a temporary
folder: no network; the session's, tests/postgres.py) give the same tables as on SQLite,
computed live and from kept days."""

from __future__ import annotations

import dataclasses
import sqlite3

import pytest

from server.manager.stats.tables import Period, Statistics, keep_days
from server.store import access
from server.store.postgres import Sql

from .conftest import make_site
from .test_stats import BY_SERVICE, THURSDAY, TZ, at, scripted_days

Postgres = Sql  # the name other tests import (test_feedback.py)

TICKETS = ("id integer, day text, number text, service text, lang text, kiosk text, token text, state text, "
           "counter text, issued_at double precision, called_at double precision, started_at double precision, "
           "finished_at double precision, outcome text, recalls integer, transfers integer, booking text, "
           "appointment_at double precision, interpreter integer, first_called_at double precision, "
           "eta_low integer, eta_high integer")


@pytest.fixture
def postgres(postgres_cluster):
    """A fresh database in the session's throwaway cluster (tests/postgres.py)."""
    import psycopg
    with psycopg.connect(postgres_cluster.database(), autocommit=True, connect_timeout=10) as conn:
        yield conn


def copy_store(lite: sqlite3.Connection, pg) -> None:
    pg.execute("DROP TABLE IF EXISTS tickets, events, stats_days, stats_tickets, stats_times, stats_desks, "
               "stats_interpreters, stats_service_times, stats_service_tickets, stats_hour_tickets, stats_feedback")
    pg.execute(f"CREATE TABLE tickets ({TICKETS})")
    pg.execute("CREATE TABLE events (seq integer, at double precision, day text, kind text, data text)")
    # the lottery's weights, which its statistics read once a draw was made (whether the server's
    # own ticker drew in a test's day depends on the machine's pace: CI met a missing table)
    pg.execute("DROP TABLE IF EXISTS access_weights")
    pg.execute(next(table for table in access.TABLES if "access_weights" in table))
    columns = [c.split()[0] for c in TICKETS.split(", ")]
    with pg.cursor() as cursor:
        cursor.executemany(f"INSERT INTO tickets ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})",
                           lite.execute(f"SELECT {', '.join(columns)} FROM tickets").fetchall())
        cursor.executemany("INSERT INTO events VALUES (%s, %s, %s, %s, %s)",
                           lite.execute("SELECT seq, at, day, kind, data FROM events").fetchall())
        cursor.executemany("INSERT INTO access_weights VALUES (%s, %s, %s)",
                           lite.execute("SELECT identity, unlucky, last_day FROM access_weights").fetchall())


def test_postgresql_runs_the_same_statistics_as_sqlite(postgres, tmp_path):
    site = make_site()
    site = dataclasses.replace(site, manager=dataclasses.replace(site.manager, personal_statistics=True))
    path = tmp_path / "office.sqlite3"
    scripted_days(path, site)
    lite = sqlite3.connect(path)
    copy_store(lite, postgres)
    now, month = at(THURSDAY, "10:00:00"), Period("2026-11-01", "2026-11-30")

    def tables(conn):
        return {t.name: [t.columns, *t.rows] for t in Statistics(conn, site, today=THURSDAY, now=now).tables(month)}

    live = tables(lite)
    assert live["tickets"][1:] == BY_SERVICE
    assert tables(Sql(postgres)) == live
    keep_days(Sql(postgres), before=THURSDAY, tz=TZ, personal=True)
    assert [d for (d,) in postgres.execute("SELECT day FROM stats_days ORDER BY day")] == ["2026-11-23", "2026-11-24"]
    assert tables(Sql(postgres)) == live
    lite.close()
