"""What the forecast reads of the office: a read-only view, so that the forecast depends on
this interface and not on `Office` (which feeds it events and asks it for estimates).

`server.core.state.OfficeState` (and so `Office`) has all of these as plain attributes.
"""

from __future__ import annotations

from typing import Mapping, Protocol
from zoneinfo import ZoneInfo

from config import Site

from server.core.model import Booking, Desk, Ticket
from server.core.plan import Plan


class OfficeView(Protocol):
    @property
    def site(self) -> Site: ...

    @property
    def day(self) -> str: ...

    @property
    def tickets(self) -> Mapping[str, Ticket]: ...

    @property
    def waiting(self) -> Mapping[str, Mapping[str, Ticket]]: ...

    @property
    def directed(self) -> Mapping[str, Ticket]: ...

    @property
    def desks(self) -> Mapping[str, Desk]: ...

    @property
    def bookings(self) -> Mapping[str, Booking]: ...

    @property
    def max_wait(self) -> Mapping[str, float]: ...

    @property
    def plan(self) -> Plan: ...

    @property
    def tz(self) -> ZoneInfo: ...
