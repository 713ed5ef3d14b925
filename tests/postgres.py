"""A throwaway PostgreSQL for the tests: Debian's `postgresql` (`initdb` into a temporary
folder, `pg_ctl` start on a Unix socket there: no TCP, no system service). One cluster per
test session (`postgres_cluster` in conftest.py), a fresh database per test (`database()`);
`pg_ctl stop -m immediate` and the folder removed when the session ends. Every command has a
timeout, so a cluster that does not come up fails the test instead of hanging it; a watchdog
(a shell loop in a session of its own) stops the cluster if the process that started it dies
without stopping it (killed by a timeout, kill -9), so no PostgreSQL outlives its run.
`python -m bench --only postgres` uses it too."""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

PORT = 54329  # only names the socket file in the cluster's own folder (no TCP)


class Cluster:
    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        assert found, "Debian's postgresql is not installed (the README's test command installs it)"
        self.bin = Path(found[-1]).parent
        self.folder = Path(tempfile.mkdtemp(prefix="willkommen-pg-"))
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            shutil.chown(self.folder, "postgres")
        self.data = self.folder / "data"
        self.names = itertools.count(1)
        self.started = False
        self.watchdog: subprocess.Popen | None = None

    def run(self, *args: str) -> None:
        subprocess.run([*self.as_postgres, *args], check=True, capture_output=True, timeout=90)

    def start(self, *settings: str, init: bool = True) -> "Cluster":
        """initdb (unless the folder was filled otherwise: `Standby`) and start, with `settings`
        (`-c name=value`) on the command line."""
        if init:
            self.run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        # fsync stays on: a commit is on disk before the server answers, as in production
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log"), "-w", "-t", "60",
                 "start", "-o", f"-c listen_addresses='' -k {self.folder} -p {PORT} -c max_connections=200 "
                                + " ".join(settings))
        self.started = True
        self.watchdog = subprocess.Popen(
            ["sh", "-c", f"while kill -0 {os.getpid()} 2>/dev/null; do sleep 1; done; "
                         f"{' '.join(self.as_postgres)} {self.bin / 'pg_ctl'} -D {self.data} -m immediate stop; "
                         f"rm -rf {self.folder}"],
            start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return self

    def kill(self) -> None:
        """Kill -9 the postmaster and every process it started, as a machine dying would: no
        shutdown, no last word to the sessions or the standby."""
        pid = int((self.data / "postmaster.pid").read_text().split()[0])
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        for each in [pid, *map(int, children)]:
            try:
                os.kill(each, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.started = False
        until = time.monotonic() + 30  # gone, not only killed: a start meanwhile finds its pid file alive
        while Path(f"/proc/{pid}").exists():
            assert time.monotonic() < until, f"postmaster {pid} did not end within 30 s of kill -9"
            time.sleep(0.05)

    def restart(self) -> None:
        """Start a killed cluster again on its own data folder (a standby catches up and streams)."""
        if self.watchdog is not None:
            self.watchdog.kill()
            self.watchdog.wait(10)
        self.start(init=False)

    def stop(self) -> None:
        if self.watchdog is not None:
            self.watchdog.kill()
            self.watchdog.wait(10)
        try:
            if self.started:
                self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w",
                         "-t", "30", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@/{dbname}?host={self.folder}&port={PORT}"

    def connect(self, dbname: str = "postgres"):
        import psycopg
        return psycopg.connect(self.url(dbname), autocommit=True, connect_timeout=10)

    def database(self) -> str:
        """A new empty database; its URL."""
        name = f"office_{os.getpid()}_{next(self.names)}"
        with self.connect() as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)


class Standby:
    """A primary and a streaming standby that confirms every commit: what an IT provider runs
    for an office that must lose nothing (README, "A standby that loses nothing"). The standby
    is a `pg_basebackup -R` of the primary; the primary then names it in
    `synchronous_standby_names` (ALTER SYSTEM: the primary's own setting, which the promoted
    standby does not inherit). `url()` names both hosts with `target_session_attrs=read-write`,
    as the office's server is given it. `fail_over()`: the primary killed, the standby promoted."""

    def __init__(self) -> None:
        self.primary, self.standby = Cluster(), Cluster()

    def start(self) -> "Standby":
        self.primary.start()
        self.standby.run(str(self.primary.bin / "pg_basebackup"), "-D", str(self.standby.data), "-R",
                         "--no-sync", "-h", str(self.primary.folder), "-p", str(PORT), "-U", "postgres",
                         "-d", "application_name=standby")  # its name to the primary, in primary_conninfo
        self.standby.start(init=False)
        with self.primary.connect() as conn:
            conn.execute("ALTER SYSTEM SET synchronous_standby_names = 'standby'")
            conn.execute("SELECT pg_reload_conf()")
            until = time.monotonic() + 60
            while conn.execute("SELECT count(*) FROM pg_stat_replication WHERE application_name = 'standby' "
                               "AND sync_state = 'sync' AND state = 'streaming'").fetchone()[0] == 0:
                assert time.monotonic() < until, "the standby did not stream synchronously within 60 s"
                time.sleep(0.1)
        return self

    def stop(self) -> None:
        try:
            self.standby.stop()
        finally:
            self.primary.stop()

    def url(self, dbname: str) -> str:
        return (f"postgresql://postgres@/{dbname}?host={self.primary.folder},{self.standby.folder}"
                f"&port={PORT},{PORT}&target_session_attrs=read-write")

    def database(self) -> str:
        """A new empty database (on both: CREATE DATABASE is replicated); its URL."""
        name = f"office_{os.getpid()}_{next(self.primary.names)}"
        with self.primary.connect() as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def fail_over(self) -> None:
        self.primary.kill()
        self.promote()

    def promote(self) -> None:
        self.standby.run(str(self.standby.bin / "pg_ctl"), "-D", str(self.standby.data), "-w", "-t", "60", "promote")


@pytest.fixture(scope="module")
def standby():
    """A primary and its streaming standby, one pair for a test module."""
    pair = Standby()
    try:
        yield pair.start()
    finally:
        pair.stop()
