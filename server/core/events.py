"""Every change of an office's day as a typed event: the store's truth, the core's input.

An event is a msgspec struct told apart by its `kind` tag; the tags are the kind strings the
store has always written, so rows of older versions decode unchanged. Fields an older event
may lack have defaults (an older draw has no `interpreter`, `eta` or `booking`), and defaults
are left out when encoded, so a row reads as it always did::

    {"kind":"ticket_drawn","at":1764576000.0,"id":1,"number":"A001","service":"residence",...}

`decode(data)` reads one stored row and raises `UnknownEvent` naming what it does not know:
a kind this version has never heard of, or a field it does not have (a newer version's file:
`server.store.sqlite_file` refuses such a file at start and leaves it as it is).

Every event may carry `by`, the supervisor whose action caused it (`server.manager.people`).

The queue core applies events in `server.core.state` through an explicit table from event
type to handler; a kind without a handler fails at import there.
"""

from __future__ import annotations

from typing import ClassVar, Union

import msgspec

from server.wire.plan import Closure, Shift


class BaseEvent(msgspec.Struct, tag_field="kind", forbid_unknown_fields=True, omit_defaults=True, kw_only=True,
                gc=False):
    """What every event has: when it happened and, for a supervisor's action, who did it.
    `gc=False`: an event holds only text, numbers and lists or maps of them, so it can never be
    in a reference cycle, and the garbage collector need not track one per draw."""

    kind: ClassVar[str] = ""  # the tag, readable as `event.kind` (set below for every type)
    at: float
    by: str = ""


class TicketEvent(BaseEvent, kw_only=True):
    """An event about one ticket, named by its number."""

    number: str


class CounterEvent(BaseEvent, kw_only=True):
    """An event about one counter."""

    counter: str


# ---- the day ----------------------------------------------------------------------------------

class DayStarted(BaseEvent, tag="day_started", kw_only=True):
    day: str


# ---- kiosk and appointments -------------------------------------------------------------------

class TicketDrawn(TicketEvent, tag="ticket_drawn", kw_only=True):
    id: int
    service: str
    lang: str
    kiosk: str
    request: str
    token: str
    booking: str | None = None           # checked in for this appointment
    appointment_at: float | None = None  # due then (none when late: a walk-in)
    interpreter: bool = False            # the visitor asked for help with German
    eta: list[int] | None = None         # minutes (low, high) printed on the ticket


class AppointmentBooked(BaseEvent, tag="appointment_booked", kw_only=True):
    booking: str
    service: str
    lang: str
    due_at: float
    day: str                 # the day it is due: replayed on that day
    cancelled: bool = False  # the booking system took it back


class TicketCancelled(TicketEvent, tag="ticket_cancelled", kw_only=True):
    reason: str


# ---- counters and their visitors ----------------------------------------------------------------

class TicketCalled(TicketEvent, tag="ticket_called", kw_only=True):
    counter: str
    reason: str  # routing's reason code, shown to the clerk


class TicketRecalled(TicketEvent, tag="ticket_recalled", kw_only=True):
    pass


class TicketStarted(TicketEvent, tag="ticket_started", kw_only=True):
    since: float | None = None  # the clerk skipped "start": the visit counts from the call


class TicketNoShow(TicketEvent, tag="ticket_no_show", kw_only=True):
    pass


class TicketParked(TicketEvent, tag="ticket_parked", kw_only=True):
    pass


class TicketUnparked(TicketEvent, tag="ticket_unparked", kw_only=True):
    pass


class TicketTransferred(TicketEvent, tag="ticket_transferred", kw_only=True):
    service: str
    target: str | None  # a counter it was sent to by name
    front: bool
    closing: bool = False  # the counter closed with the visitor called: back to the queue, no transfer


class TicketReferred(TicketEvent, tag="ticket_referred", kw_only=True):
    partner: str
    service: str
    lang: str
    desk: bool  # the partner has a desk here (a transfer follows)
    counter: str


class TicketFinished(TicketEvent, tag="ticket_finished", kw_only=True):
    outcome: str


class CounterOpened(CounterEvent, tag="counter_opened", kw_only=True):
    services: list[str]


class CounterPaused(CounterEvent, tag="counter_paused", kw_only=True):
    reason: str


class CounterResumed(CounterEvent, tag="counter_resumed", kw_only=True):
    pass


class CounterClosed(CounterEvent, tag="counter_closed", kw_only=True):
    pass


class CounterClosePlanned(CounterEvent, tag="counter_close_planned", kw_only=True):
    until: float | None  # None: the plan was dropped


# ---- the day's plan ------------------------------------------------------------------------------

class PlanChanged(BaseEvent, tag="plan_changed", kw_only=True):
    """The whole plan as a supervisor, an import or the booking system left it (`server.core.plan`):
    the latest is replayed at every start, whatever its day (`server.store.sqlite`)."""

    template: list[Shift] = []
    exceptions: list[Closure] = []


# ---- the kiosks -------------------------------------------------------------------------------------

class KioskOffline(BaseEvent, tag="kiosk_offline", kw_only=True):
    """A kiosk's last connection ended (not by the server stopping): from `at` no visitor
    could draw a ticket there. In the log, so a restarted server's board still says since
    when, and the statistics can count a kiosk's hours out of service."""

    kiosk: str


class KioskOnline(BaseEvent, tag="kiosk_online", kw_only=True):
    """A kiosk recorded offline connected again."""

    kiosk: str


# ---- the waiting room and feedback ----------------------------------------------------------------

class AnnouncementMade(BaseEvent, tag="announcement_made", kw_only=True):
    announcement: str
    texts: dict[str, str]
    until: float


class AnnouncementEnded(BaseEvent, tag="announcement_ended", kw_only=True):
    announcement: str


class TicketRated(TicketEvent, tag="ticket_rated", kw_only=True):
    pass


class FeedbackGiven(BaseEvent, tag="feedback_given", kw_only=True):
    """An answer, with service and language but no ticket, counter or clerk."""

    service: str
    lang: str
    score: int
    reasons: list[str]
    source: str  # "phone" or "terminal"


# ---- fair access: the day's places by lottery (server.core.access, server.access) -----------------

class AccessOpened(BaseEvent, tag="access_opened", kw_only=True):
    """The registration window for `day` opened; the seed's hash is published now, the seed
    itself stays in the store's secret table until the draw."""

    day: str
    seed_hash: str
    contingent: dict[str, int]   # fixed places per service from the site file ({}: from the plan)
    closes_at: float
    draw_at: float


class EntryRegistered(BaseEvent, tag="entry_registered", kw_only=True):
    """One person's entry for `day`'s lottery: no name, birth date or contact (those are in the
    store's `access_people`, deleted at the day's end), only keyed hashes."""

    day: str
    entry: str        # the visitor's unguessable key to their outcome
    identity: str     # keyed hash of the normalised name and birth date (`lottery.identity`)
    service: str
    lang: str
    urgent: bool = False
    contact: str = ""       # the channel: "", "sms" or "email"
    contact_key: str = ""   # keyed hash of the contact: entries per contact are counted
    via: str = "web"        # "web", "kiosk" or "desk"
    weight: int = 1         # the lottery weight at registration: 1 + earlier days without a place


class DrawnPlace(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True, kw_only=True, gc=False):
    entry: str
    service: str
    code: str
    window_start: float
    window_end: float
    urgent: bool = False


class DrawWitnessed(BaseEvent, tag="draw_witnessed", kw_only=True):
    """A witness's words for `day`'s draw (a number from dice, say), given on the floor board
    after the window closed and before the draw; the draw mixes them into its seed
    (`lottery.draw_seed`). `by` is who typed them in."""

    day: str
    words: str


class AccessDrawn(BaseEvent, tag="access_drawn", kw_only=True):
    """The draw of `day`, whole: the places (booked as appointments in the same commit), the
    waiting list in the order drawn, and what the draw was made from."""

    day: str
    seed: str
    places: list[DrawnPlace]
    rest: list[str]                  # entries without a place, in the order drawn
    contingent: dict[str, int]       # the places per service the draw gave out
    urgent_share: float = 0.0
    unlucky: dict[str, int] = {}     # identity -> days without a place after this draw (0: won)
    witness: str | None = None       # the witness's words the seed was mixed with (None: none given)


class PlaceOffered(BaseEvent, tag="place_offered", kw_only=True):
    """A no-show's place to the next drawn who can still come ("come now")."""

    day: str
    entry: str
    code: str
    window_start: float
    window_end: float
    instead_of: str = ""   # the entry that did not come


class IdentityRefused(TicketEvent, tag="identity_refused", kw_only=True):
    """"Not the registered person" at the counter: the visit ends, and it is counted."""

    counter: str


Event = Union[DayStarted, TicketDrawn, AppointmentBooked, TicketCancelled, TicketCalled, TicketRecalled,
              TicketStarted, TicketNoShow, TicketParked, TicketUnparked, TicketTransferred, TicketReferred,
              TicketFinished, CounterOpened, CounterPaused, CounterResumed, CounterClosed, CounterClosePlanned,
              AnnouncementMade, AnnouncementEnded, TicketRated, FeedbackGiven, PlanChanged,
              AccessOpened, EntryRegistered, DrawWitnessed, AccessDrawn, PlaceOffered, IdentityRefused, KioskOffline, KioskOnline]
# A lottery's window and its entries change no queue, counter, booking or estimate (the draw's
# places are bookings and do): the forecast keeps its run and no queue is pushed for them, so
# 10,000 registrations in the window's last minutes leave the kiosks' draws alone
# (`python -m bench --only access`).
OFF_THE_QUEUE = (AccessOpened, EntryRegistered, DrawWitnessed)
EVENT_TYPES: tuple[type[BaseEvent], ...] = Event.__args__  # type: ignore[attr-defined]
for _type in EVENT_TYPES:
    _type.kind = str(_type.__struct_config__.tag)
KINDS: dict[str, type[BaseEvent]] = {cls.kind: cls for cls in EVENT_TYPES}


def kinds(*types: type[BaseEvent]) -> tuple[str, ...]:
    """The stored kinds of `types`, for code that reads stored events by kind (statistics, the
    store's SQL): a kind named through its type cannot be misspelt."""
    return tuple(t.kind for t in types)


def kind_in(*types: type[BaseEvent]) -> str:
    """SQL on the stored kind, from the types: `kind IN` the list of their tags, quoted (`kind =`
    for one), in the words of the store's partial indexes, which a query must repeat exactly."""
    if len(types) == 1:
        return f"kind = '{types[0].kind}'"
    return "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds(*types)) + ")"


ACCESS = (AccessOpened, EntryRegistered, DrawWitnessed, AccessDrawn, PlaceOffered)  # stored under their `day`

_decoder = msgspec.json.Decoder(Event)
_encoder = msgspec.json.Encoder()


class UnknownEvent(ValueError):
    """A stored event this version cannot read; `str()` says which kind and what is wrong."""

    def __init__(self, kind: str, problem: str):
        super().__init__(f"{kind!r}: {problem}")
        self.kind, self.problem = kind, problem


def decode(data: str | bytes) -> Event:
    """One stored event; `UnknownEvent` names a kind or a field this version does not know."""
    try:
        return _decoder.decode(data)
    except msgspec.ValidationError as exc:
        raise UnknownEvent(_kind_of(data), _problem(str(exc))) from None
    except msgspec.DecodeError as exc:
        raise UnknownEvent("?", f"not JSON ({exc})") from None


def encode(event: BaseEvent) -> str:
    return _encoder.encode(event).decode()


def as_dict(event: BaseEvent) -> dict[str, object]:
    """The event as its stored JSON object (kind first): for reports and tests."""
    return msgspec.to_builtins(event)


def _kind_of(data: str | bytes) -> str:
    try:
        found = msgspec.json.decode(data)
    except msgspec.DecodeError:
        return "?"
    return str(found.get("kind", "?")) if isinstance(found, dict) else "?"


def _problem(message: str) -> str:
    if "`$.kind`" in message:
        return "an event kind this version does not know (written by a newer Willkommen?)"
    if "unknown field" in message:
        return f"{message[0].lower()}{message[1:]} (written by a newer Willkommen?)"
    return message
