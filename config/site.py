"""The site configuration as frozen dataclasses: what an office is made of.

`config.loader` builds these from a TOML file and validates them; everything else in
Willkommen reads them and never the TOML. All durations are minutes, all times are local
to the site's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Mapping

from config.access import Access
from config.limits import Limits
from config.messages import Messages
from config.network import Network

ROLES = ("kiosk", "counter", "display", "admin", "feedback")
PEOPLE_ROLES = ("supervisor", "reader", "clerk")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Service:
    """What a visitor comes for: a queue of its own with a one-letter prefix (A017)."""

    id: str
    prefix: str
    names: Mapping[str, str]
    hints: Mapping[str, str]
    documents: Mapping[str, tuple[str, ...]]
    max_wait_minutes: int
    typical_minutes: float

    def name(self, lang: str, fallback: str = "de") -> str:
        return self.names.get(lang) or self.names[fallback]


@dataclass(frozen=True)
class Counter:
    """A desk where a clerk calls visitors; `services` is its preference order. `printer` (a
    printer URL such as `tcp://10.0.0.7:9100`) prints the referral slips of the counter in the
    browser, through the server: a browser cannot reach a printer."""

    id: str
    name: str
    zone: str
    services: tuple[str, ...]
    direction: str = ""
    printer: str | None = None


@dataclass(frozen=True)
class Terminal:
    """A device that connects: a kiosk, a counter workstation, a display or an admin.

    `counter` is set for counter terminals, `printer` for kiosks, `zones` and `languages` for
    displays (empty: every zone, the site's languages). `name` is the staff's name for the
    device ("Eingang links"), shown on the floor board instead of its id (empty: the id).
    """

    id: str
    role: str
    token: str
    name: str = ""
    counter: str | None = None
    printer: str | None = None
    zones: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()   # a display's label languages, in order (empty: the site's)


@dataclass(frozen=True)
class Person:
    """Someone of the office who signs in: to the floor board and the statistics, or to the
    counter page in the browser (`/counter`).

    `role` is "supervisor" (may act: open or close a counter, move a ticket, announce),
    "reader" (looks) or "clerk" (works at a counter in the browser; no board). `counters` are the
    counters this person may staff in the browser (any role; a clerk needs at least one).
    `password_hash` is a key-derivation hash made by `willkommen-server people hash`
    (scrypt), never the password itself. `lang` is the language of their pages: the staff
    catalogue's words where there is one for it (German, English), else German; languages and
    services are named in it (CLDR's names; service names from the site file where it has
    that language, else German).
    """

    name: str
    role: str
    password_hash: str
    lang: str = "de"
    counters: tuple[str, ...] = ()


@dataclass(frozen=True)
class Manager:
    """The manager's side: how long a sign-in lasts, when a pause becomes an alert, and
    whether figures per counter are shown at all (personal data under staff-council rules)."""

    session_minutes: int = 480
    pause_limit_minutes: int = 20
    personal_statistics: bool = False


@dataclass(frozen=True)
class Appointments:
    """Visitors who booked: how late they may come, and what happens when they come later.

    `late` is "walk_in" (they get a ticket in the service's queue, without the appointment's
    precedence) or "refuse" (the kiosk says the time has passed and prints nothing). The push
    endpoint (`server/booking/push.py`) listens only when `push_port` is set; `push_token` is the
    booking system's bearer token.
    """

    grace_minutes: int = 15
    late: str = "walk_in"
    push_host: str = "127.0.0.1"
    push_port: int | None = None
    push_token: str = ""


@dataclass(frozen=True)
class Feedback:
    """Visitor feedback (`[feedback]`): whether the phone page asks "How was your visit?" once
    a visit is finished, how many taps a minute one exit terminal may send (the server
    refuses more), and how long its thank-you stands before the next visitor may tap."""

    phone: bool = True
    taps_per_minute: int = 12
    thanks_seconds: int = 4


@dataclass(frozen=True)
class Partner:
    """An organisation the office refers visitors to ("Beratung aus einer Hand").

    With `service` set the partner has a desk in this building: that service of the office is
    its queue, and a referral is a transfer (same number). Without it the partner is outside
    and a referral gives the visitor a card (phone page, slip) with `address`, `hours`,
    `phone`, `web` and `map`. `interprets` lists the languages its mediators interpret.
    Texts are per language; German is always there and stands in for a missing language.
    """

    id: str
    names: Mapping[str, str]
    helps: Mapping[str, str]
    hours: Mapping[str, str] = field(default_factory=dict)
    service: str | None = None
    interprets: tuple[str, ...] = ()
    phone: str = ""
    web: str = ""
    address: str = ""
    map: str = ""

    @property
    def has_desk(self) -> bool:
        """True when the partner sits in this building, in the queue of `service`."""
        return self.service is not None

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names["de"]

    def helps_with(self, lang: str) -> str:
        return self.helps.get(lang) or self.helps["de"]

    def opening(self, lang: str) -> str:
        """Opening hours in `lang` (German where the site file has none; "" without hours)."""
        return self.hours.get(lang) or self.hours.get("de", "")


@dataclass(frozen=True)
class Site:
    name: str
    timezone: str
    languages: tuple[str, ...]
    opening_hours: Mapping[str, tuple[tuple[time, time], ...]]
    retention_days: int
    synchronous: str
    public_url: str
    anonymous_displays: bool
    kiosk_draws_per_minute: int
    outcomes: Mapping[str, Mapping[str, str]]
    announce_languages: tuple[str, ...]
    tls_cert: str | None
    tls_key: str | None
    services: tuple[Service, ...]
    counters: tuple[Counter, ...]
    terminals: tuple[Terminal, ...]
    source: str = field(default="", compare=False)
    people: tuple[Person, ...] = ()
    manager: Manager = Manager()
    # language -> espeak-ng voice ("" for none); languages not listed: espeak-ng's own if any
    voices: Mapping[str, str] = field(default_factory=dict)
    # each site language's visitor catalogue (config.strings.catalogues): bundled + the site's own
    strings: Mapping[str, Mapping[str, str]] = field(default_factory=dict, compare=False)
    push_buffer_kib: int = 64     # a connection leaving more than this unread is closed (4413)
    limits: Limits = Limits()     # connection limits, `[limits]` (config/limits.py, server/edge/limits.py)
    appointments: Appointments = Appointments()
    feedback: Feedback = Feedback()
    messages: Messages = Messages()   # [messages]: SMS through Kannel, e-mail through SMTP (config/messages.py)
    partners: tuple[Partner, ...] = ()   # [[partners]]: referrals and language mediation
    database: str = ""  # [site] database: the SQLite file or a postgresql:// URL; --db wins
    # [zones.<id>]: a zone's name per language for the staff ("Erdgeschoss"); without one, its id
    zones: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    access: Access = Access()     # [access]: the day's places by lottery (config/access.py, server/access)
    network: Network | None = None  # [network]: the network of offices the board adopts from (config/network.py)
    strings_folder: Path | None = field(default=None, compare=False)  # the site's own catalogues (site.strings)

    def words(self, lang: str) -> Mapping[str, str]:
        """The visitor catalogue of a site language (German's for any other)."""
        return self.strings.get(lang) or self.strings["de"]

    def service(self, service_id: str) -> Service | None:
        return next((s for s in self.services if s.id == service_id), None)

    def counter(self, counter_id: str) -> Counter | None:
        return next((c for c in self.counters if c.id == counter_id), None)

    def counter_name(self, counter_id: str) -> str:
        """The counter's name as the site file gives it (the "9" of counter "mbe"), else its id."""
        found = self.counter(counter_id)
        return found.name if found is not None else counter_id

    def terminal_name(self, terminal_id: str) -> str:
        """A kiosk's or display's name as the site file gives it ("Eingang links"), else its id."""
        found = self.terminal(terminal_id)
        return found.name if found is not None and found.name else terminal_id

    def zone_name(self, zone: str, lang: str) -> str:
        """A zone's name in `lang` (German where `[zones]` has none), else its id."""
        names = self.zones.get(zone, {})
        return names.get(lang) or names.get("de") or zone

    def terminal(self, terminal_id: str) -> Terminal | None:
        return next((t for t in self.terminals if t.id == terminal_id), None)

    def partner(self, partner_id: str) -> Partner | None:
        return next((p for p in self.partners if p.id == partner_id), None)

    def person(self, name: str) -> Person | None:
        return next((p for p in self.people if p.name == name), None)

    def is_open(self, weekday: int, at: time) -> bool:
        """True when `at` on `weekday` (0 = Monday) lies in an opening interval."""
        if not self.opening_hours:
            return True  # no hours configured: always open
        spans = self.opening_hours.get(WEEKDAYS[weekday], ())
        return any(start <= at < end for start, end in spans)
