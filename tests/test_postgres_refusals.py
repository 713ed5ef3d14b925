"""A PostgreSQL database the server cannot start on is said as the SQLite file's problems are
(tests/test_store_file.py): one line in the staff's words from the catalogue's `[cli.file]`,
German, English with `--lang en`, libpq's own detail in parentheses; status 2, or 1 for a
database that cannot be reached (a supervisor's restart may find it). A login pointed at a
schema that exists but is another office's is told so, with its owner, not asked to create
what is there (`server.store.pg_refusals`). The real `python -m server` each time."""

from __future__ import annotations

import subprocess
import sys

import psycopg

from .conftest import ROOT, ServerProcess, always_open_config
from .test_store_postgres import contents, office_in


def start(db: str, *extra: str) -> tuple[int, str]:
    """A server started on `db` that must refuse: its status and its one line."""
    done = subprocess.run([sys.executable, "-m", "server", "--port", "0", "--db", db, *extra], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return done.returncode, lines[0]


def refused_untouched(db: str, *extra: str) -> str:
    """The one line of a start on `db` refused with status 2, which left the database as it was."""
    before = contents(db)
    status, said = start(db, *extra)
    assert status == 2, said
    assert contents(db) == before
    return said


def test_a_second_server_on_the_office_is_told_in_english_on_asking_naming_the_first(tmp_path, postgres_cluster):
    """(German: tests/test_store_file.py, on both databases.)"""
    db = postgres_cluster.database()
    first = ServerProcess(db, "--config", str(always_open_config(tmp_path)))
    try:
        status, said = start(db, "--lang", "en")
        assert status == 2
        assert said.startswith(f"willkommen-server: The database {db} is in use by another running Willkommen "
                               "server (willkommen-server "), said
        assert "(one server per office): stop the other" in said
    finally:
        assert first.stop() == 0


def test_a_database_that_cannot_be_reached_is_said_in_german_with_libpqs_detail(tmp_path):
    db = f"postgresql://willkommen:s3cret@/office?host={tmp_path}&port=5999"
    status, said = start(db)
    assert status == 1  # a supervisor tries again
    assert said.startswith("willkommen-server: Die Datenbank postgresql://willkommen:***@/office?host=")
    assert " ist nicht erreichbar (connection " in said and "s3cret" not in said
    assert "bitte prüfen, ob PostgreSQL dort läuft" in said


def test_a_schema_that_is_not_there_is_said_in_german_with_how_to_make_it(postgres_cluster):
    db = office_in(postgres_cluster.database(), "marburg")
    status, said = start(db)
    assert status == 2
    assert said == (f"willkommen-server: Die Datenbank {db} hat kein Schema marburg: bitte es anlegen "
                    "(CREATE SCHEMA marburg AUTHORIZATION postgres;) oder in der URL das Schema des Amts angeben.")


def test_a_login_pointed_at_another_offices_schema_is_told_it_may_not_use_it_not_to_create_it(postgres_cluster):
    """The review's case: giessen's login with wetzlar's search_path. The schema is there (so
    CREATE SCHEMA would fail with 'already exists'); giessen's login has no rights on it."""
    url = postgres_cluster.database()
    name = url.split("/")[3].split("?")[0]
    giessen, wetzlar = f"giessen_{name}", f"wetzlar_{name}"
    with psycopg.connect(url, autocommit=True) as conn:
        for login in (giessen, wetzlar):
            conn.execute(f"CREATE ROLE {login} LOGIN")
            conn.execute(f"CREATE SCHEMA {login.split('_')[0]} AUTHORIZATION {login}")
    as_giessen = office_in(url.replace("postgresql://postgres@", f"postgresql://{giessen}@"), "wetzlar")
    status, said = start(as_giessen)
    assert status == 2
    assert said == (f"willkommen-server: Das Schema wetzlar in der Datenbank {as_giessen} gibt es, aber die "
                    f"Anmeldung {giessen} darf es nicht benutzen (ihr fehlt USAGE, CREATE; es gehört {wetzlar}): "
                    "ist es das Schema eines anderen Amts, bitte in der URL das Schema dieses Amts angeben; ist es "
                    f"das dieses Amts, gibt der Administrator es ihr: ALTER SCHEMA wetzlar OWNER TO {giessen};")
    with psycopg.connect(url, autocommit=True) as conn:  # a login that may look but not create: CREATE is named
        conn.execute(f"GRANT USAGE ON SCHEMA wetzlar TO {giessen}")
    status, said = start(as_giessen, "--lang", "en")
    assert status == 2 and f"the login {giessen} may not use it (it lacks CREATE; it belongs to {wetzlar})" in said


def test_a_database_of_another_program_is_said_in_german_and_left_as_it_is(postgres_cluster):
    db = postgres_cluster.database()
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute("CREATE TABLE rechnungen (id integer)")
        conn.execute("CREATE TABLE kunden (id integer)")
    assert refused_untouched(db) == (
        f"willkommen-server: Die Datenbank {db} ist keine Willkommen-Datenbank (ihre Tabellen: kunden, "
        "rechnungen) und bleibt, wie sie ist: bitte in der URL bei --db die Datenbank oder das Schema "
        "des Amts angeben (ein leeres Schema richtet der Server selbst ein).")
    said = refused_untouched(db, "--lang", "en")
    assert said.startswith(f"willkommen-server: The database {db} is not a Willkommen database (its "
                           "tables: kunden, rechnungen) and was left as it is: name the office's ")


def test_a_newer_versions_schema_or_event_is_said_in_german_and_left_as_it_is(tmp_path, postgres_cluster):
    db = postgres_cluster.database()
    ServerProcess(db, "--config", str(always_open_config(tmp_path))).stop()  # a Willkommen database of this version
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute("INSERT INTO willkommen_migrations (name) VALUES ('p999_aus_der_zukunft')")
    assert refused_untouched(db) == (
        f"willkommen-server: Die Datenbank {db} stammt von einer neueren Willkommen-Version (ihr Schema "
        "p999_aus_der_zukunft kennt diese Version nicht) und bleibt, wie sie ist: bitte diese neuere "
        "Version starten oder eine Sicherung zurückspielen.")
    with psycopg.connect(db, autocommit=True) as conn:  # an event of a kind this version does not know
        conn.execute("DELETE FROM willkommen_migrations WHERE name = 'p999_aus_der_zukunft'")
        conn.execute("INSERT INTO events (at, day, kind, data) VALUES (0, '2026-12-07', 'hologram_shown', '{}')")
    said = refused_untouched(db)
    assert said.startswith(f"willkommen-server: Die Datenbank {db} stammt von einer neueren Willkommen-Version (holds "
                           "event "), said
    assert said.endswith(") und bleibt, wie sie ist: bitte diese neuere Version starten oder eine Sicherung "
                         "zurückspielen.")
