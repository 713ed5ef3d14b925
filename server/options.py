"""What every willkommen-server command's options share (`server.cli`, `server.network`): a
wrong option said in one line, and a port number checked before bind()."""

from __future__ import annotations

import argparse


class OneLineParser(argparse.ArgumentParser):
    """A wrong option is a configuration error like any other: one line and status 2, where
    argparse would print its usage first (a service manager's log shows only the last line)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (--help lists the options)\n")


def port_number(text: str) -> int:
    """0 lets the system choose; outside 0..65535 bind() would fail with a traceback."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 to 65535, not {text!r}")
    return port
