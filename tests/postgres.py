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
import subprocess
import tempfile
from pathlib import Path

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
        self.names = itertools.count(1)
        self.started = False
        self.watchdog: subprocess.Popen | None = None

    def run(self, *args: str) -> None:
        subprocess.run([*self.as_postgres, *args], check=True, capture_output=True, timeout=90)

    def start(self) -> "Cluster":
        data = self.folder / "data"
        self.run(str(self.bin / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
        # fsync stays on: a commit is on disk before the server answers, as in production
        self.run(str(self.bin / "pg_ctl"), "-D", str(data), "-l", str(self.folder / "log"), "-w", "-t", "60",
                 "start", "-o", f"-c listen_addresses='' -k {self.folder} -p {PORT} -c max_connections=200")
        self.started = True
        self.watchdog = subprocess.Popen(
            ["sh", "-c", f"while kill -0 {os.getpid()} 2>/dev/null; do sleep 1; done; "
                         f"{' '.join(self.as_postgres)} {self.bin / 'pg_ctl'} -D {data} -m immediate stop; "
                         f"rm -rf {self.folder}"],
            start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return self

    def stop(self) -> None:
        if self.watchdog is not None:
            self.watchdog.kill()
            self.watchdog.wait(10)
        try:
            if self.started:
                self.run(str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "-w",
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
