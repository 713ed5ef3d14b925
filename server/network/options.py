"""The command line's small helpers for the network's commands (the server's own, `server.cli`,
imports this room: so these are kept here rather than taken from there)."""

from __future__ import annotations

import argparse
from pathlib import Path

import platformdirs


class OneLineParser(argparse.ArgumentParser):
    """A wrong option is one line and status 2, as for every willkommen-server command."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (--help lists the options)\n")


def port_number(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 to 65535, not {text!r}")
    return port


def office_db() -> Path:
    """The office's default file, as `willkommen-server` uses it (`server.cli.default_db`)."""
    return platformdirs.user_data_path("willkommen") / "willkommen.sqlite3"
