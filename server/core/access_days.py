"""A lottery day as its events make it (`server.core.access` has the commands that make them):
the entries, the draw, the offers of no-shows' places; applied by `server.core.state`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable
from datetime import date, timedelta

from server.core import events as ev
from server.core import lottery

WAITING, WON, NOT_DRAWN, OFFERED = "waiting", "won", "not_drawn", "offered"
REFUSED_OUTCOME = "identity_refused"


@dataclass(slots=True)
class Entrant:
    """One entry of a lottery day, as its events tell it."""

    entry: str
    identity: str
    service: str
    lang: str
    urgent: bool
    contact: str      # the channel: "", "sms", "email"
    via: str
    weight: int
    public: str       # `lottery.public_key(entry)`: how the published file names it
    state: str = WAITING
    code: str = ""
    window: tuple[float, float] | None = None


@dataclass(frozen=True, slots=True)
class Person:
    """What the counter compares and the messages need; never in an event (`take_private`)."""

    name: str
    birth_date: str
    contact: str


@dataclass(slots=True)
class AccessDay:
    day: str
    seed_hash: str
    contingent: dict[str, int]
    closes_at: float
    draw_at: float
    entries: dict[str, Entrant] = field(default_factory=dict)
    identities: dict[str, str] = field(default_factory=dict)     # identity -> entry
    contacts: dict[str, int] = field(default_factory=dict)       # contact key -> entries
    codes: dict[str, str] = field(default_factory=dict)          # code -> entry
    drawn: ev.AccessDrawn | None = None
    waiting_list: list[str] = field(default_factory=list)        # not drawn, in draw order, not yet offered
    replaced: set[str] = field(default_factory=set)              # no-shows whose place was offered
    people: dict[str, Person] = field(default_factory=dict)      # entry -> personal data (the day only)
    witness: ev.DrawWitnessed | None = None                      # a witness's words, mixed into the seed
    # the board's figures, counted as entries come and their states change (`count`, `set_state`):
    # the board pushes them with every change, and walking 10,000 entries each time was most of a push
    via: dict[str, int] = field(default_factory=dict)                # way in -> entries
    per_service: dict[str, list[int]] = field(default_factory=dict)  # service -> [entries, urgent]
    offered: int = 0                                                 # entries offered a no-show's place
    won_after: dict[int, int] = field(default_factory=dict)          # unlucky days before -> winners


# ---- applying events (called from `server.core.state`) ------------------------------------------

def opened(days: dict[str, AccessDay], e: ev.AccessOpened) -> None:
    if e.day not in days:
        days[e.day] = AccessDay(e.day, e.seed_hash, dict(e.contingent), e.closes_at, e.draw_at)


def registered(days: dict[str, AccessDay], e: ev.EntryRegistered) -> None:
    day = days.setdefault(e.day, AccessDay(e.day, "", {}, 0.0, 0.0))
    if (before := day.entries.get(e.entry)) is not None:  # an entry key again (never made so): counted once
        count(day, before, -1)
    day.entries[e.entry] = entrant = Entrant(e.entry, e.identity, e.service, e.lang, e.urgent, e.contact, e.via,
                                             e.weight, lottery.public_key(e.entry))
    count(day, entrant, 1)
    day.identities[e.identity] = e.entry
    if e.contact_key:
        day.contacts[e.contact_key] = day.contacts.get(e.contact_key, 0) + 1


def witnessed(days: dict[str, AccessDay], e: ev.DrawWitnessed) -> None:
    day = days.setdefault(e.day, AccessDay(e.day, "", {}, 0.0, 0.0))
    if day.witness is None:
        day.witness = e


def drawn(days: dict[str, AccessDay], e: ev.AccessDrawn) -> None:
    day = days.setdefault(e.day, AccessDay(e.day, "", {}, 0.0, 0.0))
    day.drawn = e
    by_public = {x.public: x for x in day.entries.values()}
    for place in e.places:
        entrant = day.entries[place.entry]
        set_state(day, entrant, WON)
        entrant.code, entrant.window = place.code, (place.window_start, place.window_end)
        day.codes[place.code] = place.entry
    for key in e.rest:
        set_state(day, day.entries.get(key) or by_public[key], NOT_DRAWN)
    day.waiting_list = [day.entries[k].entry if k in day.entries else by_public[k].entry for k in e.rest]


def offered(days: dict[str, AccessDay], e: ev.PlaceOffered) -> None:
    day = days[e.day]
    entrant = day.entries[e.entry]
    set_state(day, entrant, OFFERED)
    entrant.code, entrant.window = e.code, (e.window_start, e.window_end)
    day.codes[e.code] = e.entry
    day.replaced.add(e.instead_of)
    if e.entry in day.waiting_list:
        day.waiting_list.remove(e.entry)


def count(day: AccessDay, x: Entrant, change: int) -> None:
    """An entry into (1) or out of (-1) the day's figures: its way in, service, urgency, state."""
    via = day.via[x.via] = day.via.get(x.via, 0) + change
    if not via:
        del day.via[x.via]
    row = day.per_service.setdefault(x.service, [0, 0])
    row[0] += change
    row[1] += change * x.urgent
    if not row[0]:
        del day.per_service[x.service]
    _count_state(day, x, change)


def set_state(day: AccessDay, x: Entrant, state: str) -> None:
    """Change an entry's state, and the figures that count states (offered, winners)."""
    _count_state(day, x, -1)
    x.state = state
    _count_state(day, x, 1)


def _count_state(day: AccessDay, x: Entrant, change: int) -> None:
    if x.state == OFFERED:
        day.offered += change
    elif x.state == WON:
        after = day.won_after[x.weight - 1] = day.won_after.get(x.weight - 1, 0) + change
        if not after:
            del day.won_after[x.weight - 1]


def places(day: AccessDay) -> list[Entrant]:
    """The day's places: each entry drawn or offered one, through its code (`codes`), not by
    walking the entries; an entry's latest code only (one whose place was given on keeps it)."""
    found = []
    for code, entry in day.codes.items():
        x = day.entries[entry]
        if x.code == code and x.state in (WON, OFFERED):
            found.append(x)
    return found


def may_free(day: AccessDay, service: str, checked_in: Callable[[str], bool], latest_end: float) -> bool:
    """Whether a place of `service` may still be given back and offered to the waiting list: a
    place drawn or offered, not checked in, not replaced yet, whose window ends by `latest_end`
    (the last moment a no-show leaves time for another's window). False for a service that had
    no places: a visitor is never told a place may come that cannot exist. Reads the day's
    places only (`codes`), not its entries: every outcome page asks this."""
    for code, entry in day.codes.items():
        x = day.entries[entry]
        if (x.service == service and x.code == code and x.entry not in day.replaced and x.window is not None
                and x.window[1] <= latest_end and not checked_in(code)):
            return True
    return False


def kept(days: dict[str, AccessDay], today: str) -> dict[str, AccessDay]:
    """At a new day: the days still ahead, and yesterday's without its personal data (its
    outcome page says "gone")."""
    if not today:
        return days
    yesterday = (date.fromisoformat(today) - timedelta(days=1)).isoformat()
    for d, day in days.items():
        if d < today:
            day.people.clear()
    return {d: day for d, day in days.items() if d >= yesterday}


def summary(day: AccessDay, checked_in: Callable[[str], bool], refused: int, now: float) -> dict:
    """A lottery day in figures, for the floor board: entries (urgent, by way in), the draw,
    who came, no-shows, places offered, identity refusals, and after how many unlucky days the
    winners won. `checked_in(code)`: whether the code's ticket was issued; `refused`: the day's
    "not the registered person". Reads the counted figures and the places, never every entry."""
    held = places(day)
    came = [x for x in held if checked_in(x.code)]
    missed = [x for x in held if not checked_in(x.code) and x.window is not None and x.window[1] <= now]
    return {"day": day.day, "seed_hash": day.seed_hash, "closes_at": day.closes_at, "draw_at": day.draw_at,
            "drawn": day.drawn is not None, "services": by_service(day),
            "entries": len(day.entries), "urgent": sum(row[1] for row in day.per_service.values()),
            "via": dict(day.via),
            "places": len(day.drawn.places) if day.drawn is not None else 0,
            "urgent_places": sum(p.urgent for p in day.drawn.places) if day.drawn is not None else 0,
            "offered": day.offered, "came": len(came), "no_shows": len(missed),
            "identity_refused": refused, "won_after_unlucky_days": dict(sorted(day.won_after.items())),
            "witness": None if day.witness is None else {"words": day.witness.words, "by": day.witness.by,
                                                         "at": day.witness.at},
            "proof": f"/draw/{day.day}.json"}


def by_service(day: AccessDay) -> dict[str, dict[str, int]]:
    """Per service given by lot: its entries, the urgent ones, its contingent and the places drawn
    (the board's lottery panel shows one row each)."""
    drawn = day.drawn.places if day.drawn is not None else ()
    contingent = day.drawn.contingent if day.drawn is not None else day.contingent  # the draw's own, once drawn
    rows = {service: {"entries": 0, "urgent": 0, "contingent": n, "places": 0} for service, n in contingent.items()}
    for service, (entries, urgent) in day.per_service.items():
        row = rows.setdefault(service, {"entries": 0, "urgent": 0, "contingent": 0, "places": 0})
        row["entries"], row["urgent"] = entries, urgent
    for place in drawn:
        rows.setdefault(place.service, {"entries": 0, "urgent": 0, "contingent": 0, "places": 0})["places"] += 1
    return dict(sorted(rows.items()))
