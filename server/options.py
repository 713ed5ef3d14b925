"""What every willkommen-server command's options share (`server.cli`, `server.network`): a
wrong option said in one line in the staff's words, a port number checked before bind(), and the
demo's public passwords refused beyond this machine (one office, or each of a host's: `server.hosting`)."""

from __future__ import annotations

import argparse
import ipaddress
import math
import sys
from urllib.parse import urlsplit

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


def public_passwords_refusal(site, host: str, words: Words | None = None) -> str | None:
    """The demo office's passwords and terminal tokens are printed in the README: anyone who can
    reach the server could sign in or draw with them. Served on this machine only; refused when
    the server listens beyond it, or listens on 127.0.0.1 behind a reverse proxy (`[limits]
    proxies`) or for a `public_url` elsewhere: the IT provider's setup always listens on
    127.0.0.1, and a review's admin started from the demo's site file there unwarned."""
    from server.manager.people import public_passwords

    w = words or Words("en")
    names, terminals = public_passwords(site), demo_tokens(site)
    if not names and not terminals:
        return None
    if not _loopback(host):
        if names:
            return w("usage.public_passwords", host=host, names=", ".join(names))
        return w("usage.public_tokens", host=host, terminals=", ".join(terminals))
    reach = (w("usage.reach_proxies", proxies=", ".join(site.limits.proxies)) if site.limits.proxies else
             w("usage.reach_public_url", url=site.public_url) if not _loopback(urlsplit(site.public_url).hostname or "")
             else None)
    if reach is None:
        return None
    if names:
        return w("usage.public_passwords_reached", reach=reach, names=", ".join(names))
    return w("usage.public_tokens_reached", reach=reach, terminals=", ".join(terminals))


def demo_tokens(site) -> list[str]:
    """The terminals of `site` whose token is one the bundled demo site gives (README)."""
    from config import load_site

    printed = {t.token for t in load_site(None).terminals if t.token}
    return [t.id for t in site.terminals if t.token and t.token in printed]


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
