"""The site file's web addresses (`site.public_url`, a partner's `web` and `map`): an http(s)
address with a host, or one line naming the key (`config.loader`'s Node)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit


def _q(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def public_url(site: Any) -> str:
    """The base of the ticket's QR code: a phone opens it, so it needs a scheme and a host
    ("termine.example.de" alone would be read as a path on the phone's own browser)."""
    url = site.text("public_url", "http://127.0.0.1:8765")
    parts = split(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise site.fail("public_url", f"{_q(url)} must be an http:// or https:// address with a host and "
                                      'no ?query or #fragment, such as "https://termine.example.de"')
    try:
        parts.port
    except ValueError:
        raise site.fail("public_url", f"{_q(url)} has a port that is not a number from 0 to 65535") from None
    return url


def split(url: str):
    """`urlsplit`, with an address it cannot split ("http://[127.0.0.1:8765", an unclosed IPv6
    bracket: ValueError) read as one with no scheme or host, which the callers refuse by name."""
    try:
        return urlsplit(url)
    except ValueError:
        return urlsplit("")


def web(node: Any, key: str) -> str:
    """An http(s) address with a host, or "" when not given (a phone opens it as a link)."""
    url = node.text(key, "")
    parts = split(url)
    if url and (parts.scheme not in ("http", "https") or not parts.hostname):
        raise node.fail(key, f"{_q(url)} must be an http:// or https:// address such as \"https://example.org\"")
    return url
