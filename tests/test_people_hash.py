"""`python -m server.manager.people hash` in a script: the password piped in as one line gives
the line for the site file; nothing piped in, or too short, is one line of error, no traceback."""

from __future__ import annotations

import subprocess
import sys

from server.manager.people import check_password

from .conftest import ROOT


def hash_command(stdin: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "server.manager.people", "hash"], input=stdin, cwd=ROOT,
                          capture_output=True, text=True, timeout=60, start_new_session=True)  # no terminal


def test_a_password_piped_in_gives_the_line_for_the_site_file():
    done = hash_command("Willkommen in Wetzlar 1\n")
    assert done.returncode == 0, done.stderr
    line = done.stdout.strip()
    assert line.startswith('password_hash = "scrypt$') and line.endswith('"')
    assert check_password("Willkommen in Wetzlar 1", line.split('"')[1])  # the line, not its newline


def test_nothing_piped_in_or_a_short_password_is_one_line_of_error():
    for stdin, said in (("", "no password on stdin"), ("\n", "no password on stdin"), ("kurz\n", "at least 10")):
        done = hash_command(stdin)
        assert done.returncode == 1 and done.stdout == ""
        assert said in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
