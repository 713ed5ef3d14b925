"""The connection limits (`[limits]` in the site file): what `server.edge.limits` applies against a
misbehaving network. Every key is optional; the defaults are the dataclass's. Read and checked
here with the rest of the site file, so a wrong value stops the server at start with the file,
the key and what is expected, never at the first flood."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from config.loader import Node


@dataclass(frozen=True)
class Limits:
    lobby: int = 0                           # connections without hello; 0: `server.edge.limits.default_lobby()`
    hello_free_failures: int = 5             # wrong tokens per address before the back-off starts
    hello_backoff: tuple[float, float] = (1.0, 60.0)   # first and longest wait, seconds
    hello_forget: float = 600.0              # quiet seconds after which an address starts over
    peers: int = 10_000                      # addresses remembered (the oldest are forgotten)
    log_interval: float = 10.0               # seconds between two lines about the same trouble
    printer_detail: int = 200                # characters of a printer's detail kept and shown


MIN_LOBBY = 8            # fewer and a few slow handshakes would push terminals out of the lobby
MAX_COUNT = 1_000_000
MAX_SECONDS = 86_400.0   # a day


def parse_limits(node: "Node") -> Limits:
    """`[limits]` -> Limits; an unknown key, a wrong type or a value out of range is a
    ConfigError naming `limits.<key>` and what would be right."""
    defaults = Limits()
    lobby = _whole(node, "lobby", defaults.lobby, 0)
    if 0 < lobby < MIN_LOBBY:
        raise node.fail("lobby", f"{lobby} must be 0 (from the open-files limit) or at least {MIN_LOBBY}")
    limits = Limits(
        lobby=lobby,
        hello_free_failures=_whole(node, "hello_free_failures", defaults.hello_free_failures, 0),
        hello_backoff=_backoff(node, defaults.hello_backoff),
        hello_forget=_seconds(node, "hello_forget_seconds", defaults.hello_forget),
        peers=_whole(node, "peers", defaults.peers, 1),
        log_interval=_seconds(node, "log_interval_seconds", defaults.log_interval),
        printer_detail=_whole(node, "printer_detail", defaults.printer_detail, 0, most=1000),
    )
    if limits.hello_forget < limits.hello_backoff[1]:
        raise node.fail("hello_forget_seconds", f"{limits.hello_forget:g} must be at least the longest back-off "
                                                f"({limits.hello_backoff[1]:g} s): an address would be forgotten "
                                                "while it still waits")
    node.done()
    return limits


def _whole(node: "Node", key: str, default: int, least: int, *, most: int = MAX_COUNT) -> int:
    value = node.number(key, default, minimum=least)
    if value > most:
        raise node.fail(key, f"{value} must be at most {most}")
    return value


def _seconds(node: "Node", key: str, default: float) -> float:
    value = node.get(key, (int, float), "a number of seconds", default)
    if isinstance(value, bool) or not 0 < value <= MAX_SECONDS:
        raise node.fail(key, f"{value!r} must be more than 0 and at most {MAX_SECONDS:g} seconds")
    return float(value)


def _backoff(node: "Node", default: tuple[float, float]) -> tuple[float, float]:
    value: Any = node.get("hello_backoff_seconds", list, "a list [first, longest] of seconds", list(default))
    if (len(value) != 2 or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in value)
            or not 0 < value[0] <= value[1] <= MAX_SECONDS):
        raise node.fail("hello_backoff_seconds", f"{value!r} must be [first, longest]: two numbers of seconds with "
                                                 f"0 < first <= longest <= {MAX_SECONDS:g}, e.g. [1, 60]")
    return (float(value[0]), float(value[1]))
