"""The day's plan on the wire: a weekly template of counter shifts and exceptions per date.

No names of staff: a shift says which counter is staffed when (and for which services, where
they differ from the counter's own), not by whom. The same shapes are the `plan_changed`
event's (`server.core.events`) and the `set_plan` request's, sent by the floor board, the
admin terminal of `willkommen-server plan import FILE` and the booking system's endpoint.

    {"type": "set_plan", "id": 1,
     "template": [{"counter": "1", "weekday": 0, "start": "08:00", "end": "12:00"},
                  {"counter": "1", "weekday": 0, "start": "12:30", "end": "15:00", "services": ["info"]}],
     "exceptions": [{"day": "2026-12-24", "kind": "closed"},
                    {"day": "2026-12-09", "counter": "2", "kind": "off"},
                    {"day": "2026-12-10", "start": "13:00", "end": "16:00", "kind": "training"}],
     "since": "3f2a9c0d51e7b846"}

Weekdays count from Monday (0) to Sunday (6); times are the site's local `HH:MM` (`24:00` ends a
day). A gap between two shifts of one counter on one day is a planned break. An exception
takes counters off on its date: all of them (`counter` empty) or one, all day or from `start`
to `end`; its `kind` says why (`closed`: the office, `off`: fewer counters, `training`).

`since` (the floor board sends it) is the `version` of the plan the editor started from, as the
board's `plan` gave it: two supervisors editing at once, the first one's change is taken and the
second is refused (`plan_changed_meanwhile`, naming who changed it and when) rather than putting
back the plan the first one changed. Without `since` the plan replaces whatever is there.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from server.wire.fields import Key, Request

MAX_ROWS = 2000  # shifts or exceptions in one plan: a year of exceptions for 50 counters
Clock = Annotated[str, Meta(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$")]
Day = Annotated[str, Meta(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
KINDS = ("closed", "off", "training")


class Shift(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True, kw_only=True, frozen=True):
    counter: Key
    weekday: Annotated[int, Meta(ge=0, le=6)]
    start: Clock
    end: Clock
    services: Annotated[list[Key], Meta(max_length=64)] = []  # empty: the counter's own services


class Closure(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True, kw_only=True, frozen=True):
    day: Day
    kind: Literal["closed", "off", "training"]
    counter: Key = ""   # empty: every counter
    start: Clock = "00:00"
    end: Clock = "24:00"


class SetPlan(Request, tag="set_plan"):
    """The whole plan, replacing the one before (a board edits a copy and sends it back)."""

    template: Annotated[list[Shift], Meta(max_length=MAX_ROWS)] = []
    exceptions: Annotated[list[Closure], Meta(max_length=MAX_ROWS)] = []
    # the plan's `version` (from the board's `plan`) the editor started from: taken only if the
    # plan is still that one, else refused (`plan_changed_meanwhile`); None: replaces whatever is
    # there (the CSV import, the booking system)
    since: Annotated[str, Meta(max_length=64)] | None = None
