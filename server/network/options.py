"""The command line's small helpers for the network's commands; the options every command
shares are in `server.options` (`server.cli` imports this room, so not from there)."""

from __future__ import annotations

from pathlib import Path

import platformdirs

from server.options import OneLineParser, port_number  # noqa: F401 (the network commands take them from here)


def office_db() -> Path:
    """The office's default file, as `willkommen-server` uses it (`server.cli.default_db`)."""
    return platformdirs.user_data_path("willkommen") / "willkommen.sqlite3"
