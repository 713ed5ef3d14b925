"""What every willkommen-server command's options share (`server.cli`, `server.network`): a
wrong option said in one line in the staff's words, a port number checked before bind(), and the
demo's public passwords refused beyond this machine (one office, or each of a host's: `server.hosting`)."""

from __future__ import annotations

import argparse
import ipaddress
import sys

from config.command import StaffParser, Words, command_lang, said


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


def public_passwords_refusal(site, host: str, words: Words | None = None) -> str | None:
    """The demo office's passwords are printed in the README: anyone who can reach the server
    could sign in with them. Served on this machine only (127.0.0.1, ::1); beyond it, refused."""
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        if host == "localhost":
            return None
    from server.manager.people import public_passwords

    names = public_passwords(site)
    if not names:
        return None
    return (words or Words("en"))("usage.public_passwords", host=host, names=", ".join(names))
