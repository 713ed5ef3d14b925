"""The connection limits (`[limits]` in the site file): what `server.edge.limits` applies against a
misbehaving network. Every key is optional; the defaults are the dataclass's. Read and checked
here with the rest of the site file, so a wrong value stops the server at start with the file,
the key and what is expected, never at the first flood."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from config.loader import Node


@dataclass(frozen=True)
class Limits:
    lobby: int = 0                           # connections without hello; 0: `server.edge.limits.default_lobby()`
    public: int = 0                          # sockets open to anyone (feedback, sign-in, anonymous displays); 0: from the files limit
    public_per_address: int = 0              # of those, one address may hold; more refused before the handshake; 0: half `public`
    first_bytes_seconds: float = 10.0        # a socket that sends nothing this long is let go (server/edge/doorway.py)
    feedback_per_second: float = 5.0         # feedback frames one address may send a second ...
    feedback_burst: int = 20                 # ... after a burst of this many
    signin_per_second: float = 2.0           # sign-in frames one address may send a second ...
    signin_burst: int = 10                   # ... after a burst of this many
    register_per_second: float = 2.0         # lottery registration frames one address may send a second ...
    register_burst: int = 10                 # ... after a burst of this many (server/access)
    register_total_per_second: float = 200.0  # registration frames all addresses together may send a second ...
    register_total_burst: int = 200          # ... after a burst of this many
    hello_free_failures: int = 5             # wrong tokens per address before the back-off starts
    hello_backoff: tuple[float, float] = (1.0, 60.0)   # first and longest wait, seconds
    hello_forget: float = 600.0              # quiet seconds after which an address starts over
    peers: int = 10_000                      # addresses remembered (the oldest are forgotten)
    log_interval: float = 10.0               # seconds between two lines about the same trouble
    printer_detail: int = 200                # characters of a printer's detail kept and shown
    # sign-in throttle (server/manager/lockout.py; README "Security"): free wrong passwords ...
    signin_free_pair: int = 5                # ... for one name from one address
    signin_free_name: int = 10               # ... for one name from places its person never signed in from
    signin_free_address: int = 20            # ... from one address, over every name but the person's own
    signin_lock: tuple[float, float] = (30.0, 900.0)   # first and longest lock, seconds
    signin_forgive: float = 300.0            # quiet seconds that forgive one wrong password
    signin_places: int = 16                  # addresses remembered per person (where they signed in)
    signin_remembered: int = 10_000          # names and addresses counted (the oldest are forgotten)
    # seconds a commit may wait for the database (PostgreSQL: a synchronous standby that is gone
    # keeps it waiting for ever) before terminals are answered busy and /healthz and the board say so
    commit_wait_seconds: float = 5.0
    # seconds without a commit after which the server asks its PostgreSQL whether it is there
    # (`SELECT 1`: server/store/liveness.py), so /healthz says a dead primary at night too
    idle_check_seconds: float = 10.0
    # reverse proxies in front of the server (docs/it-provider.md): from these addresses a
    # connection's address is the last one in its X-Forwarded-For, so every per-address limit
    # above counts the terminal or phone, not the proxy; from any other the header is ignored
    proxies: tuple[str, ...] = ()


MIN_LOBBY = 8            # fewer and a few slow handshakes would push terminals out of the lobby
MAX_COUNT = 1_000_000
MIN_FIRST_BYTES, MAX_FIRST_BYTES = 1.0, 60.0  # a request comes within a round trip; 60: websockets' opening timeout
MAX_SECONDS = 86_400.0   # a day


def parse_limits(node: "Node") -> Limits:
    """`[limits]` -> Limits; an unknown key, a wrong type or a value out of range is a
    ConfigError naming `limits.<key>` and what would be right."""
    defaults = Limits()
    lobby = _whole(node, "lobby", defaults.lobby, 0)
    if 0 < lobby < MIN_LOBBY:
        raise node.fail("lobby", f"{lobby} must be 0 (from the open-files limit) or at least {MIN_LOBBY}")
    public = _whole(node, "public", defaults.public, 0)
    if 0 < public < MIN_LOBBY:
        raise node.fail("public", f"{public} must be 0 (from the open-files limit) or at least {MIN_LOBBY}")
    per_address = _whole(node, "public_per_address", defaults.public_per_address, 0)
    if public and per_address > public:
        raise node.fail("public_per_address", f"{per_address} must be at most limits.public ({public}), or 0 "
                                              "(half of it)")
    first_bytes = _seconds(node, "first_bytes_seconds", defaults.first_bytes_seconds)
    if not MIN_FIRST_BYTES <= first_bytes <= MAX_FIRST_BYTES:
        raise node.fail("first_bytes_seconds", f"{first_bytes:g} must be between {MIN_FIRST_BYTES:g} (a phone on a "
                                               f"slow network) and {MAX_FIRST_BYTES:g} seconds")
    limits = Limits(
        lobby=lobby,
        public=public,
        public_per_address=per_address,
        first_bytes_seconds=first_bytes,
        feedback_per_second=_rate(node, "feedback_per_second", defaults.feedback_per_second),
        feedback_burst=_whole(node, "feedback_burst", defaults.feedback_burst, 1, most=10_000),
        signin_per_second=_rate(node, "signin_per_second", defaults.signin_per_second),
        signin_burst=_whole(node, "signin_burst", defaults.signin_burst, 1, most=10_000),
        register_per_second=_rate(node, "register_per_second", defaults.register_per_second),
        register_burst=_whole(node, "register_burst", defaults.register_burst, 1, most=10_000),
        register_total_per_second=_rate(node, "register_total_per_second", defaults.register_total_per_second),
        register_total_burst=_whole(node, "register_total_burst", defaults.register_total_burst, 1, most=100_000),
        hello_free_failures=_whole(node, "hello_free_failures", defaults.hello_free_failures, 0),
        hello_backoff=_backoff(node, defaults.hello_backoff, "hello_backoff_seconds", example="[1, 60]"),
        hello_forget=_seconds(node, "hello_forget_seconds", defaults.hello_forget),
        peers=_whole(node, "peers", defaults.peers, 1),
        log_interval=_seconds(node, "log_interval_seconds", defaults.log_interval),
        printer_detail=_whole(node, "printer_detail", defaults.printer_detail, 0, most=1000),
        signin_free_pair=_whole(node, "signin_free_pair", defaults.signin_free_pair, 1, most=1000),
        signin_free_name=_whole(node, "signin_free_name", defaults.signin_free_name, 1, most=1000),
        signin_free_address=_whole(node, "signin_free_address", defaults.signin_free_address, 1, most=10_000),
        signin_lock=_backoff(node, defaults.signin_lock, "signin_lock_seconds", example="[30, 900]"),
        signin_forgive=_seconds(node, "signin_forgive_seconds", defaults.signin_forgive),
        signin_places=_whole(node, "signin_places", defaults.signin_places, 1, most=1000),
        signin_remembered=_whole(node, "signin_remembered", defaults.signin_remembered, 10),
        commit_wait_seconds=_seconds(node, "commit_wait_seconds", defaults.commit_wait_seconds),
        idle_check_seconds=_seconds(node, "idle_check_seconds", defaults.idle_check_seconds),
        proxies=_addresses(node, "proxies"),
    )
    if limits.hello_forget < limits.hello_backoff[1]:
        raise node.fail("hello_forget_seconds", f"{limits.hello_forget:g} must be at least the longest back-off "
                                                f"({limits.hello_backoff[1]:g} s): an address would be forgotten "
                                                "while it still waits")
    node.done()
    return limits


def _addresses(node: "Node", key: str) -> tuple[str, ...]:
    value: Any = node.get(key, list, 'a list of IP addresses, e.g. ["127.0.0.1"]', [])
    try:
        if not all(isinstance(v, str) for v in value):
            raise ValueError
        return tuple(str(ipaddress.ip_address(v)) for v in value)
    except ValueError:
        raise node.fail(key, f"{value!r} must be the IP addresses of reverse proxies (no names, no networks), "
                             'e.g. ["127.0.0.1"]') from None


def _whole(node: "Node", key: str, default: int, least: int, *, most: int = MAX_COUNT) -> int:
    value = node.number(key, default, minimum=least)
    if value > most:
        raise node.fail(key, f"{value} must be at most {most}")
    return value


def _rate(node: "Node", key: str, default: float) -> float:
    value = node.get(key, (int, float), "a number per second", default)
    if isinstance(value, bool) or not 0 < value <= 10_000:
        raise node.fail(key, f"{value!r} must be more than 0 and at most 10000 a second")
    return float(value)


def _seconds(node: "Node", key: str, default: float) -> float:
    value = node.get(key, (int, float), "a number of seconds", default)
    if isinstance(value, bool) or not 0 < value <= MAX_SECONDS:
        raise node.fail(key, f"{value!r} must be more than 0 and at most {MAX_SECONDS:g} seconds")
    return float(value)


def _backoff(node: "Node", default: tuple[float, float], key: str, *, example: str) -> tuple[float, float]:
    value: Any = node.get(key, list, "a list [first, longest] of seconds", list(default))
    if (len(value) != 2 or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in value)
            or not 0 < value[0] <= value[1] <= MAX_SECONDS):
        raise node.fail(key, f"{value!r} must be [first, longest]: two numbers of seconds with "
                             f"0 < first <= longest <= {MAX_SECONDS:g}, e.g. {example}")
    return (float(value[0]), float(value[1]))
