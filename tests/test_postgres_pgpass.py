"""A login the database refuses for its password, or a password file libpq passes over (missing,
readable by others, no line for the database), is not a database that cannot be reached
(r-admin-4, finding 4): one German line naming the password file and what to do, status 2 (the
units' `RestartPreventExitStatus=2`: no restart mends it), for a server of its own and for an
office in `willkommen-server host`, which names the office and serves none of its offices (the
README's promise for an office that cannot start). The real `python -m server` on the session's
PostgreSQL, whose `pg_hba.conf` asks this test's login for its password."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT
from .postgres import PORT
from .test_hosting import office_folder

NAMES = itertools.count(1)
PASSWORD = "richtiges-passwort-1"


@pytest.fixture
def office(postgres_cluster):
    """A database and a login that must give its password (scram) on the cluster's socket; its URL."""
    name = f"pw_{os.getpid()}_{next(NAMES)}"
    with postgres_cluster.connect() as conn:
        conn.execute(f"CREATE ROLE {name} LOGIN PASSWORD '{PASSWORD}'")
        conn.execute(f"CREATE DATABASE {name} OWNER {name}")
    hba = postgres_cluster.data / "pg_hba.conf"
    hba.write_text(f"local all {name} scram-sha-256\n" + hba.read_text())  # the first line that matches wins
    with postgres_cluster.connect() as conn:
        conn.execute("SELECT pg_reload_conf()")
    return name, f"postgresql://{name}@/{name}?host={postgres_cluster.folder}&port={PORT}"


def pgpass(folder: Path, login: str, password: str = PASSWORD, mode: int = 0o600, database: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pgpass"
    path.write_text(f"*:*:{database or login}:{login}:{password}\n")
    path.chmod(mode)
    return path


def started(*args: str, **env: str) -> tuple[int, list[str]]:
    done = subprocess.run([sys.executable, "-m", "server", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**{k: v for k, v in os.environ.items() if k != "PGPASSFILE"},
                                            "PYTHONPATH": str(ROOT), **env})
    return done.returncode, done.stderr.strip().splitlines()


def test_the_right_password_file_serves(office, tmp_path):
    login, url = office
    server = subprocess.Popen([sys.executable, "-m", "server", "--port", "0", "--db", url], cwd=ROOT, text=True,
                              stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT),
                                                           "PGPASSFILE": str(pgpass(tmp_path, login))})
    try:
        for line in server.stderr:
            if '"serving"' in line:
                break
        else:
            raise AssertionError(f"the server did not start: {server.wait(30)}")
    finally:
        server.terminate()
        server.communicate(timeout=60)


@pytest.mark.parametrize("problem, said", [
    ("wrong", "stimmt nicht"),
    ("open", "dürfen auch andere lesen (Modus 0644), deshalb übergeht PostgreSQL sie: bitte chmod 600"),
    ("missing", "gibt es nicht: bitte sie anlegen"),
    ("no_line", "gibt keins"),
])
def test_a_password_file_problem_is_named_with_what_to_do_and_status_2(office, tmp_path, problem, said):
    login, url = office
    path = {"wrong": lambda: pgpass(tmp_path, login, "falsch"),
            "open": lambda: pgpass(tmp_path, login, mode=0o644),
            "missing": lambda: tmp_path / "pgpass",
            "no_line": lambda: pgpass(tmp_path, login, database="another_database")}[problem]()
    status, lines = started("--port", "0", "--db", url, PGPASSFILE=str(path))
    assert status == 2 and len(lines) == 1, lines
    assert lines[0].startswith("willkommen-server: ") and str(path) in lines[0] and said in lines[0], lines[0]
    assert "nicht erreichbar" not in lines[0] and "in der URL" not in lines[0]


def test_an_office_in_a_host_process_with_a_wrong_password_file_is_named_and_none_is_served(office, tmp_path):
    login, url = office
    wetzlar = office_folder(tmp_path, "wetzlar", tmp_path / "wetzlar.sqlite3")
    giessen = office_folder(tmp_path, "giessen", url)  # type: ignore[arg-type]
    path = pgpass(giessen, login, "falsch")
    status, lines = started("host", "--host", "127.0.0.1", str(wetzlar), str(giessen))
    refusals = [line for line in lines if not line.startswith("{")]
    assert status == 2 and len(refusals) == 1, lines
    assert "giessen" in refusals[0] and str(path) in refusals[0] and "stimmt nicht" in refusals[0], refusals[0]


def test_an_office_in_a_host_process_without_its_password_file_is_told_where_it_goes(office, tmp_path):
    """The README's "`pgpass` if there": a file forgotten is the likely mistake (r-admin-4, minor)."""
    login, url = office
    giessen = office_folder(tmp_path, "giessen", url)  # type: ignore[arg-type]
    home = tmp_path / "home"  # no ~/.pgpass of the machine's own user in the way
    home.mkdir()
    status, lines = started("host", "--host", "127.0.0.1", str(giessen), HOME=str(home))
    refusals = [line for line in lines if not line.startswith("{")]
    assert status == 2 and len(refusals) == 1, lines
    assert "giessen" in refusals[0] and "keine Passwortdatei" in refusals[0] and "pgpass in den Ordner des Amts" \
        in refusals[0], refusals[0]
