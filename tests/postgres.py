"""A throwaway PostgreSQL for the tests: Debian's `postgresql` (`initdb` into a temporary
folder, `pg_ctl` start on a Unix socket there: no TCP, no system service). One cluster per
test session (`postgres_cluster` in conftest.py), a fresh database per test (`database()`);
`pg_ctl stop -m immediate` and the folder removed when the session ends. Every command has a
timeout, so a cluster that does not come up fails the test instead of hanging it."""

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

    def run(self, *args: str) -> None:
        subprocess.run([*self.as_postgres, *args], check=True, capture_output=True, timeout=90)

    def start(self) -> "Cluster":
        data = self.folder / "data"
        self.run(str(self.bin / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
        # fsync stays on: a commit is on disk before the server answers, as in production
        self.run(str(self.bin / "pg_ctl"), "-D", str(data), "-l", str(self.folder / "log"), "-w", "-t", "60",
                 "start", "-o", f"-c listen_addresses='' -k {self.folder} -p {PORT} -c max_connections=200")
        self.started = True
        return self

    def stop(self) -> None:
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
