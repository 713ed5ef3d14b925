"""The demo office's public secrets, refused where anyone could reach them.

The README prints the demo's passwords (`people.DEMO_PASSWORDS`) and its terminal tokens (the
bundled site file's): a site that still holds one of them is served on this machine only. The
command line checks it before a start (`server.cli`, and each office of `server.hosting`),
saying in the staff's words whose password or which terminal's token it is (status 2).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from config.command import Words

from server.manager.people import public_passwords


def public_passwords_refusal(site, host: str, words: Words | None = None) -> str | None:
    """The demo office's passwords and terminal tokens are printed in the README: anyone who can
    reach the server could sign in or draw with them. Served on this machine only; refused when
    the server listens beyond it, or listens on 127.0.0.1 behind a reverse proxy (`[limits]
    proxies`) or for a `public_url` elsewhere: the IT provider's setup always listens on
    127.0.0.1, and a review's admin started from the demo's site file there unwarned."""
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
