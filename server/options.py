"""What every willkommen-server command's options share (`server.cli`, `server.network`): a
wrong option said in one line in the staff's words, a port number and a positive number checked
before anything starts. It imports nothing of the server's rooms: the rooms' commands take it.
(The demo's public passwords refused beyond this machine: `server.manager.demo_secrets`.)"""

from __future__ import annotations

import argparse
import math
import sys

from config.command import StaffParser, command_lang, said


class OneLineParser(StaffParser):
    """A wrong option is a configuration error like any other: one line and status 2, where
    argparse would print its usage first (a service manager's log shows only the last line);
    in German, or in English with `--lang en` (`config.command`)."""

    def __init__(self, *args, lang: str | None = None, **kwargs):
        super().__init__(*args, lang=command_lang(sys.argv[1:]) if lang is None else lang, **kwargs)


def port_number(text: str) -> int:
    """0 lets the system choose; outside 0..65535 bind() would fail with a traceback."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(said("port", value=repr(text)))
    return port


def positive(text: str, said_as: str) -> float:
    """A number above 0 and finite, or the option's sentence (`said_as`, a `[usage]` key): at 0
    a wait ends at once and a simulation never moves, and nothing would say why."""
    try:
        number = float(text)
    except ValueError:
        number = 0.0
    if not 0 < number < math.inf:
        raise argparse.ArgumentTypeError(said(said_as, value=repr(text)))
    return number
