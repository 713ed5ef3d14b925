"""`willkommen-server people hash` (also `python -m server.manager.people hash`) in a script: the
password piped in as one line gives the line for the site file; nothing piped in, or too
short, is one line of error in the staff's German (English with `--lang en`), no traceback.
Its `--help` and usage: tests/test_cli_german.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from server.manager.people import check_password

from .conftest import ROOT

BIN = Path(sys.executable).parent  # the installed commands, as tests/test_cli_german.py runs them


def hash_command(stdin: str, *extra: str, module: bool = False) -> subprocess.CompletedProcess:
    """The installed command as the README gives it, or the module's own entry (`module`)."""
    command = [sys.executable, "-m", "server.manager.people"] if module else \
        [str(BIN / "willkommen-server"), "people"]
    return subprocess.run([*command, "hash", *extra], input=stdin, cwd=ROOT, capture_output=True, text=True,
                          timeout=60, start_new_session=True)  # no terminal


def test_a_password_piped_in_gives_the_line_for_the_site_file():
    for module in (False, True):
        done = hash_command("Willkommen in Wetzlar 1\n", module=module)
        assert done.returncode == 0, done.stderr
        line = done.stdout.strip()
        assert line.startswith('password_hash = "scrypt$') and line.endswith('"')
        assert check_password("Willkommen in Wetzlar 1", line.split('"')[1])  # the line, not its newline


def test_nothing_piped_in_or_a_short_password_is_one_german_line_english_on_asking():
    for stdin, said in (("", "Es kam kein Passwort herein: bitte das Passwort als eine Zeile hineingeben"),
                        ("\n", "Es kam kein Passwort herein"),
                        ("kurz\n", "Das Passwort ist zu kurz: bitte mindestens 10 Zeichen verwenden.")):
        done = hash_command(stdin)
        assert done.returncode == 1 and done.stdout == ""
        assert done.stderr.startswith(f"willkommen-server people hash: {said}"), done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    english = hash_command("kurz\n", "--lang", "en", module=True)
    assert english.returncode == 1 and english.stderr == ("python -m server.manager.people hash: The password is "
                                                          "too short: use at least 10 characters.\n")


def test_the_group_without_hash_says_its_usage_in_german():
    done = subprocess.run([sys.executable, "-m", "server.manager.people"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    assert done.stderr == ("Aufruf: python -m server.manager.people hash [--lang en] (python -m server.manager.people "
                           "hash --help sagt mehr)\n")
