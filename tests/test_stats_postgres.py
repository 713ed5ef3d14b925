"""The statistics queries on PostgreSQL: the scripted days' tickets and events copied into a
throwaway PostgreSQL 15 cluster (Debian's `postgresql`, on a Unix socket in a temporary
folder: no network) give the same tables as on SQLite, computed live and from kept days."""

from __future__ import annotations

import dataclasses
import glob
import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import pytest

from server.manager.stats import Period, Statistics, keep_days

from .conftest import make_site
from .test_stats import BY_SERVICE, THURSDAY, TZ, at, scripted_days

TICKETS = ("id integer, day text, number text, service text, lang text, kiosk text, token text, state text, "
           "counter text, issued_at double precision, called_at double precision, started_at double precision, "
           "finished_at double precision, outcome text, recalls integer, transfers integer, booking text, "
           "appointment_at double precision, interpreter integer, first_called_at double precision, "
           "eta_low integer, eta_high integer")


class Postgres:
    """What `server.manager.stats` uses of a connection, over psycopg: `?` placeholders become `%s`."""

    def __init__(self, conn):
        self.conn = conn

    def execute(self, sql: str, params=()):
        return self.conn.execute(sql.replace("?", "%s"), params)

    def executemany(self, sql: str, rows) -> None:
        with self.conn.cursor() as cursor:
            cursor.executemany(sql.replace("?", "%s"), rows)


@pytest.fixture(scope="module")
def postgres():
    import psycopg
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    assert found, "Debian's postgresql is not installed (the README's test command installs it)"
    bin_dir = Path(found[-1]).parent
    folder = Path(tempfile.mkdtemp(prefix="willkommen-pg-"))
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(folder, "postgres")
    run = lambda *args: subprocess.run([*as_postgres, *args], check=True, capture_output=True, timeout=60)  # noqa: E731
    run(str(bin_dir / "initdb"), "-D", str(folder / "data"), "-A", "trust", "-U", "postgres")
    run(str(bin_dir / "pg_ctl"), "-D", str(folder / "data"), "-l", str(folder / "log"), "-w", "start",
        "-o", f"-c listen_addresses='' -k {folder} -p 54329")
    try:
        with psycopg.connect(f"host={folder} port=54329 user=postgres dbname=postgres", autocommit=True) as conn:
            yield conn
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(folder / "data"), "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def copy_store(lite: sqlite3.Connection, pg) -> None:
    pg.execute("DROP TABLE IF EXISTS tickets, events, stats_days, stats_tickets, stats_times, stats_desks, "
               "stats_interpreters, stats_service_times, stats_service_tickets, stats_hour_tickets, stats_feedback")
    pg.execute(f"CREATE TABLE tickets ({TICKETS})")
    pg.execute("CREATE TABLE events (seq integer, at double precision, day text, kind text, data text)")
    columns = [c.split()[0] for c in TICKETS.split(", ")]
    with pg.cursor() as cursor:
        cursor.executemany(f"INSERT INTO tickets ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})",
                           lite.execute(f"SELECT {', '.join(columns)} FROM tickets").fetchall())
        cursor.executemany("INSERT INTO events VALUES (%s, %s, %s, %s, %s)",
                           lite.execute("SELECT seq, at, day, kind, data FROM events").fetchall())


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
    assert tables(Postgres(postgres)) == live
    keep_days(Postgres(postgres), before=THURSDAY, tz=TZ, personal=True)
    assert [d for (d,) in postgres.execute("SELECT day FROM stats_days ORDER BY day")] == ["2026-11-23", "2026-11-24"]
    assert tables(Postgres(postgres)) == live
    lite.close()
