"""The fast subset keeps its promise (tests/fast.py): its files are named, and a fast test that
starts a server, PostgreSQL or Chromium, or sleeps, fails saying what to do."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

import pytest

from server.edge.app import Server

from .conftest import ROOT, make_site
from .fast import FILES, slow_command


def test_this_file_is_fast_by_its_name_in_the_list_not_by_a_prefix(request):
    assert request.node.get_closest_marker("fast") is not None
    assert "test_fast_subset.py" in FILES


def test_every_listed_file_and_every_test_kept_out_exists():
    for file, out in FILES.items():
        text = (ROOT / "tests" / file).read_text(encoding="utf-8")
        missing = [name for name in out if f"def {name}(" not in text]
        assert not missing, f"tests/fast.py keeps out of the fast subset {missing}, which {file} does not have"


@pytest.mark.parametrize(("command", "slow"), [
    ([sys.executable, "-m", "server", "--port", "0"], True),
    (["/usr/lib/postgresql/17/bin/initdb", "-D", "x"], True),
    (["/usr/bin/chromium", "--headless"], True),
    ([".venv/bin/willkommen-server", "--demo"], True),
    ([sys.executable, "-m", "mypy"], False),
    (["ruff", "check", "."], False),
    ([sys.executable, "-c", "import server.wire.protocol"], False),
])
def test_a_command_that_starts_a_server_postgres_or_chromium_is_told_apart(command, slow):
    assert (slow_command(command) is not None) == slow


def test_a_fast_test_that_starts_a_server_process_fails_naming_the_list():
    with pytest.raises(AssertionError, match=r"tests/fast\.py.*start .*-m server"):
        subprocess.run([sys.executable, "-m", "server", "--help"], capture_output=True, timeout=60)


async def test_a_fast_test_that_starts_a_server_in_its_process_fails(tmp_path):
    with pytest.raises(AssertionError, match="may not start a Server"):
        await Server(make_site(), tmp_path / "office.sqlite3").start("127.0.0.1", 0)


async def test_a_fast_test_that_sleeps_fails_and_one_that_yields_does_not():
    await asyncio.sleep(0)
    time.sleep(0)
    with pytest.raises(AssertionError, match="may not sleep 1 s"):
        time.sleep(1)
    with pytest.raises(AssertionError, match="may not sleep 0.5 s"):
        await asyncio.sleep(0.5)
