"""What only the PostgreSQL store has to show (the store's other tests run on both backends,
`store_db`): its schema is versioned; a database that is not Willkommen's, or that a newer
version wrote, is refused by name and left as it is; one server per office by an advisory lock
that names its holder; a database that cannot be reached is said in one line, its password
never; a database that would confirm before its disk (`synchronous_commit = off`) is not
trusted with that; the site file can name the database; a schema per office. The real server
on PostgreSQL: tests/test_postgres_server.py."""

from __future__ import annotations

import asyncio

import psycopg
import pytest

from server.cli import chosen_db, parse_args
from server.store import open_store
from server.store.pg_schema import MIGRATIONS
from server.store.postgres import PostgresStore, shown
from server.store.unavailable import StoreCorrupt, StoreLocked, StoreNewer, StoreUnavailable

from .conftest import make_site
from .test_stored_events import a_day_of_every_kind


def contents(url: str) -> tuple:
    """What a refused start must leave as it was: the tables, the migrations, the events."""
    with psycopg.connect(url, connect_timeout=10) as conn:
        tables = sorted(t for (t,) in conn.execute("SELECT table_name FROM information_schema.tables "
                                                   "WHERE table_schema = 'public'"))
        events = conn.execute("SELECT md5(string_agg(data, '|' ORDER BY seq)) FROM events").fetchone() \
            if "events" in tables else None
        applied = conn.execute("SELECT name FROM willkommen_migrations ORDER BY name").fetchall() \
            if "willkommen_migrations" in tables else None
    return tables, events, applied


def test_the_schema_is_versioned_and_each_migration_applied_once(postgres_cluster):
    url = postgres_cluster.database()
    store = open_store(url, timezone="Europe/Berlin")
    assert isinstance(store, PostgresStore)
    assert store.schema_version() == [name for name, _ in MIGRATIONS] == [
        "p001_events_and_tickets", "p002_commit_mark", "p003_signed_out", "p004_fair_access", "p005_entries_per_address",
        "p006_draw_witnessed", "p007_floor_events"]
    store.append(a_day_of_every_kind(), [])
    store.close()
    again = open_store(url, timezone="Europe/Berlin")
    try:
        assert again.schema_version() == ["p001_events_and_tickets", "p002_commit_mark", "p003_signed_out", "p004_fair_access",
                                          "p005_entries_per_address", "p006_draw_witnessed", "p007_floor_events"]
        assert again.count_events() == len(a_day_of_every_kind())
    finally:
        again.close()


def test_a_database_that_is_not_willkommens_is_refused_and_left_as_it_is(postgres_cluster):
    url = postgres_cluster.database()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE invoices (id integer)")
    before = contents(url)
    with pytest.raises(StoreCorrupt, match=r"is not a Willkommen database \(its tables: invoices\)"):
        open_store(url, timezone="Europe/Berlin")
    assert contents(url) == before


def test_a_newer_versions_schema_or_event_is_refused_by_name_and_left_as_it_is(postgres_cluster):
    url = postgres_cluster.database()
    store = open_store(url, timezone="Europe/Berlin")
    store.append(a_day_of_every_kind(), [])
    store.close()
    with psycopg.connect(url, autocommit=True) as conn:
        seq = conn.execute("SELECT max(seq) FROM events WHERE kind = 'ticket_drawn'").fetchone()[0]
        conn.execute("UPDATE events SET data = jsonb_set(data::jsonb, '{fingerprint}', '\"x\"')::text "
                     "WHERE seq = %s", [seq])
    before = contents(url)
    with pytest.raises(StoreNewer, match=rf"event {seq} of kind 'ticket_drawn'.*unknown field `fingerprint`"):
        open_store(url, timezone="Europe/Berlin")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO willkommen_migrations (name) VALUES ('p999_from_the_future')")
    with pytest.raises(StoreNewer, match=r"written by a newer Willkommen \(schema p999_from_the_future\)"):
        open_store(url, timezone="Europe/Berlin")
    assert contents(url)[:2] == before[:2]


def test_one_server_per_office_the_second_is_told_who_holds_it(postgres_cluster, monkeypatch):
    monkeypatch.setattr("server.store.postgres.LOCK_WAIT", 0.3)
    url = postgres_cluster.database()
    first = open_store(url, timezone="Europe/Berlin")
    with pytest.raises(StoreLocked, match=r"^database .* is in use by another running Willkommen server "
                                          r"\(willkommen-server \S+ pid \d+\) \(one server per office: "):
        open_store(url, timezone="Europe/Berlin")
    other = postgres_cluster.database()  # another office's database is another lock
    open_store(other, timezone="Europe/Berlin").close()
    first.close()
    open_store(url, timezone="Europe/Berlin").close()  # the lock left with the first's session


def test_a_database_that_cannot_be_reached_is_one_line_without_its_password(tmp_path):
    url = f"postgresql://willkommen:s3cret@/office?host={tmp_path}&port=5999"
    with pytest.raises(StoreUnavailable) as refused:
        open_store(url, timezone="Europe/Berlin")
    said = str(refused.value)
    assert said.startswith("database postgresql://willkommen:***@/office?") and "cannot be reached" in said
    assert "s3cret" not in said and "\n" not in said
    assert shown("postgresql://db.example/office") == "postgresql://db.example/office"


async def test_a_database_set_to_confirm_before_its_disk_is_not_trusted_with_that(postgres_cluster):
    url = postgres_cluster.database()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"ALTER DATABASE {url.split('/')[3].split('?')[0]} SET synchronous_commit = off")
    store = open_store(url, timezone="Europe/Berlin")
    try:
        from server.core import Office
        office = Office(make_site(), always_open=True)
        office.draw(kiosk="kiosk-1", service="info", lang="de", request="r", token="t", now=1.7e9)
        await asyncio.wait_for(store.commit(store.rows(*office.take_changes())), 10)
        assert store.conn.execute("SHOW synchronous_commit").fetchone()[0] == "on"
        assert (await (await store.aconn.execute("SHOW synchronous_commit")).fetchone())[0] == "on"
        assert store.ticket_row(token="t")["number"] == "F001"
    finally:
        await store.aclose()
        store.close()


def test_the_site_file_names_the_database_and_db_wins(tmp_path):
    site = make_site()
    import dataclasses
    on_pg = dataclasses.replace(site, database="postgresql://willkommen@db.example/office")
    assert chosen_db(parse_args([]), on_pg) == "postgresql://willkommen@db.example/office"
    assert chosen_db(parse_args(["--db", "postgresql://other@db.example/x"]), on_pg) == "postgresql://other@db.example/x"
    assert chosen_db(parse_args(["--db", str(tmp_path / "o.sqlite3")]), on_pg) == tmp_path / "o.sqlite3"
    assert chosen_db(parse_args(["--demo"]), on_pg).name == "demo.sqlite3"  # the demo never writes to an office's
    assert chosen_db(parse_args([]), site).name == "willkommen.sqlite3"


def office_in(url: str, schema: str) -> str:
    return f"{url}&options=-csearch_path%3D{schema}"


def test_a_second_server_on_the_same_office_schema_is_refused_another_schema_is_not(postgres_cluster, monkeypatch):
    monkeypatch.setattr("server.store.postgres.LOCK_WAIT", 0.3)
    url = postgres_cluster.database()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA wetzlar")
        conn.execute("CREATE SCHEMA giessen")
    first = open_store(office_in(url, "wetzlar"), timezone="Europe/Berlin")
    try:
        with pytest.raises(StoreLocked, match="in use by another running Willkommen server"):
            open_store(office_in(url, "wetzlar"), timezone="Europe/Berlin")
        open_store(office_in(url, "giessen"), timezone="Europe/Berlin").close()
    finally:
        first.close()


def test_a_schema_that_does_not_exist_is_said_with_how_to_make_it(postgres_cluster):
    url = postgres_cluster.database()
    with pytest.raises(StoreUnavailable, match=r"has no schema marburg \(the admin makes it: CREATE SCHEMA marburg "):
        open_store(office_in(url, "marburg"), timezone="Europe/Berlin")


@pytest.mark.parametrize("value, ok", [("postgresql://willkommen@db.example/office?sslmode=verify-full", True),
                                       ("/var/lib/willkommen/office.sqlite3", True),
                                       ("mysql://willkommen@db.example/office", False),
                                       ("office.sqlite3", False), ("postgresql://db example/x", False)])
def test_the_site_files_database_is_a_postgresql_url_or_an_absolute_file(value, ok):
    from config import ConfigError, parse_site

    from .conftest import demo_data
    data = demo_data()
    data["site"]["database"] = value
    if ok:
        assert parse_site(data).database == value
    else:
        with pytest.raises(ConfigError, match=r"site\.database.*a postgresql:// URL or an absolute file path"):
            parse_site(data)


@pytest.mark.parametrize("command", [["backup", "/tmp/x.sqlite3"], ["restore", "/tmp/x.sqlite3"], ["demo-month"]])
def test_the_sqlite_file_tools_refuse_a_postgresql_url_in_one_line(command, capsys):
    from server.cli import main

    assert main([*command, "--db", "postgresql://willkommen@db.example/office"]) == 2
    said = capsys.readouterr().err.strip().splitlines()
    assert len(said) == 1 and "PostgreSQL" in said[0], said
