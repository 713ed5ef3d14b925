"""`--help` as an admin reads it: every option of every command says what it is for, and the
server names its subcommands (issue 23). Run through the installed entry points, as a person
types them."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def help_of(*command: str) -> str:
    result = subprocess.run([str(BIN / command[0]), *command[1:], "--help"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def options_without_text(text: str) -> list[str]:
    """The options in argparse's listing that have no help text: an option line whose text
    column is empty and whose next line is not an indented continuation."""
    lines = text.splitlines()
    bare = []
    for i, line in enumerate(lines):
        match = re.match(r"^  (-{1,2}[\w-]+)(.*)$", line)
        if not match:
            continue
        described = re.search(r"\S\s{2,}\S", match.group(0).strip())  # option, spaces, text
        follows = i + 1 < len(lines) and re.match(r"^\s{6,}\S", lines[i + 1])
        if not described and not follows:
            bare.append(match.group(1))
    return bare


@pytest.mark.parametrize("command", ["willkommen-kiosk", "willkommen-counter", "willkommen-display",
                                     "willkommen-server"])
def test_every_option_has_help_text(command):
    text = help_of(command)
    for option in ("--url", "--terminal", "--token") if command != "willkommen-server" else ("--config", "--db"):
        assert option in text
    assert options_without_text(text) == [], text


def test_the_server_lists_its_subcommands():
    text = help_of("willkommen-server")
    for sub in ("backup", "restore", "appointments import", "plan import"):
        assert re.search(rf"willkommen-server {sub}\b", text), text


@pytest.mark.parametrize("sub", [["backup"], ["restore"], ["appointments", "import"], ["plan", "import"]])
def test_each_subcommand_has_its_own_help(sub):
    text = help_of("willkommen-server", *sub)
    assert options_without_text(text) == [], text
