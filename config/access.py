"""Fair access (`[access]` in the site file): which services give the day's places by lottery,
when registration opens and closes, when the draw is made, and the few rules around it
(`server.access`, README "Fair access: the day's places by lottery")::

    [access]
    services = ["residence"]        # [] or no section: no lottery
    opens = "14:00"                 # the day before
    closes = "06:00"                # on the day
    same_day = false                # true: `opens` is on the lottery day itself (before `closes`)
    draw_at = "06:05"               # on the day, not before `closes`
    contingent = { residence = 30 } # fixed places; a service not named: from the day's plan
    urgent_share = 0.25             # at most this share of a service's places for urgent claims
    urgent_days = 14                # a permit expiring within this many days is urgent
    entries_per_contact = 4         # a family on one phone
    entries_per_address = 50        # entries a day from one network address on the public page
    secret_env = "WILLKOMMEN_ACCESS_SECRET"   # or secret = "..." (the demo): keys the identity hash
    window_minutes = 30             # a winner's time window
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time
from typing import TYPE_CHECKING, Mapping

if TYPE_CHECKING:
    from config.loader import Node

CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
SAID_WITH_THE_DAY_BEFORE = ("register.when", "register.error.window_closed")  # each has a `_same_day` twin
MIN_SECRET = 16


@dataclass(frozen=True)
class Access:
    services: tuple[str, ...] = ()
    opens: time = time(14, 0)
    closes: time = time(6, 0)
    draw_at: time = time(6, 5)
    contingent: Mapping[str, int] = field(default_factory=dict)
    urgent_share: float = 0.25
    urgent_days: int = 14
    entries_per_contact: int = 4
    entries_per_address: int = 50
    secret: str = field(default="", repr=False)
    window_minutes: int = 30
    same_day: bool = False  # registration opens at `opens` on the lottery day, not the day before

    @property
    def days_before(self) -> int:
        """On which day before the lottery day registration opens: 1 (the day before) or 0."""
        return 0 if self.same_day else 1

    def words(self, key: str) -> str:
        """The catalogue key that says the window (`register.when`, `register.error.window_closed`)
        as this window is: from `opens` the day before, or on the day itself."""
        return f"{key}_same_day" if self.same_day and key in SAID_WITH_THE_DAY_BEFORE else key

    @property
    def enabled(self) -> bool:
        return bool(self.services)


def parse_access(node: "Node", service_ids: set[str], environ: Mapping[str, str]) -> Access:
    """`[access]` -> Access; a wrong key or value is a ConfigError naming `access.<key>`."""
    services = node.texts("services", ())
    for i, service in enumerate(services):
        if service not in service_ids:
            raise node.fail("services", f"unknown service {service!r} (services[{i}])")
    contingent = node.get("contingent", dict, "a table of service = places", {})
    for service, places in contingent.items():
        if service not in services:
            raise node.fail("contingent", f"{service!r} is not one of access.services")
        if isinstance(places, bool) or not isinstance(places, int) or not 0 <= places <= 100_000:
            raise node.fail("contingent", f"{service} = {places!r} must be a whole number of places, 0 to 100000")
    share = node.get("urgent_share", (int, float), "a number from 0 to 1", 0.25)
    if isinstance(share, bool) or not 0 <= share <= 1:
        raise node.fail("urgent_share", f"{share!r} must be a number from 0 to 1")
    access = Access(
        services=services, opens=_clock(node, "opens", "14:00"), closes=_clock(node, "closes", "06:00"),
        draw_at=_clock(node, "draw_at", "06:05"), contingent=dict(contingent), urgent_share=float(share),
        urgent_days=node.number("urgent_days", 14, minimum=0),
        entries_per_contact=node.number("entries_per_contact", 4, minimum=1),
        entries_per_address=node.number("entries_per_address", 50, minimum=1),
        secret=_secret(node, environ) if services else "",
        window_minutes=node.number("window_minutes", 30, minimum=5),
        same_day=node.get("same_day", bool, "true or false", False))
    if access.same_day and access.opens >= access.closes:
        raise node.fail("same_day", f"registration on the day itself opens before it closes: opens "
                                    f"{access.opens:%H:%M} is not before closes {access.closes:%H:%M}")
    if access.draw_at < access.closes:
        raise node.fail("draw_at", f"{access.draw_at:%H:%M} must not be before closes ({access.closes:%H:%M}): "
                                   "the draw is made once registration has closed")
    node.read.update(("secret", "secret_env"))
    node.done()
    return access


def _clock(node: "Node", key: str, default: str) -> time:
    text = node.text(key, default, pattern=CLOCK, expected='a time "HH:MM"')
    return time.fromisoformat(text)


def _secret(node: "Node", environ: Mapping[str, str]) -> str:
    if "secret_env" in node.data:
        name = node.text("secret_env")
        if not environ.get(name):
            raise node.fail("secret_env", f"environment variable {name} is not set")
        secret = environ[name]
    else:
        secret = node.text("secret", expected="a string (or secret_env naming an environment variable)")
    if len(secret) < MIN_SECRET:
        raise node.fail("secret", f"must be at least {MIN_SECRET} characters")
    return secret
