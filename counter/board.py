"""What the clerk's screen shows, kept from the server's messages: no rules of the queue here.

`Board` folds the welcome, replies and pushed events into the counter's view of the office
(its desk, its queues, its parked and handled tickets); `Words` turns that into sentences in
the clerk's language from the staff catalogue. Both are plain Python, tested without a UI.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import msgspec
from babel.dates import format_date

from config import languages, strings
from server.wire import protocol as p


@dataclass
class Board:
    counter: str = ""
    site: p.SiteView | None = None
    desk: p.DeskView | None = None
    queues: dict[str, p.QueueView] = field(default_factory=dict)
    desks: dict[str, p.DeskView] = field(default_factory=dict)   # every counter's, for the transfer dialog

    def welcome(self, welcome: p.Welcome) -> None:
        self.counter, self.site = welcome.counter or "", welcome.site
        self.desk = next((d for d in welcome.snapshot.desks if d.counter == self.counter), None)
        self.desks = {d.counter: d for d in welcome.snapshot.desks}
        self.queues = {q.service: q for q in welcome.snapshot.queues}

    def reply(self, reply: p.Reply) -> None:
        if reply.desk is not None and reply.desk.counter == self.counter:
            self.desk = self.desks[self.counter] = reply.desk  # its push may come later

    def event(self, event: msgspec.Struct) -> None:
        if isinstance(event, p.Confirmed):  # an action answered `unconfirmed`, confirmed now: its reply
            self.reply(event.reply)
        if isinstance(event, p.DeskChanged):
            self.desks[event.desk.counter] = event.desk
        if isinstance(event, p.QueuesChanged):
            self.queues.update((q.service, q) for q in event.queues)
        elif isinstance(event, p.DeskChanged) and event.desk.counter == self.counter and self.desk:
            # a push carries no parked/handled lists, nor the registered name (only our replies do): keep ours
            same = event.desk.current and self.current and event.desk.current.number == self.current.number
            self.desk = msgspec.structs.replace(event.desk, parked=self.desk.parked, handled=self.desk.handled,
                                                left=self.desk.left, person=self.desk.person if same else None)
        elif isinstance(event, (p.TicketChanged, p.Called)):
            self._ticket(event.ticket)

    def _ticket(self, ticket: p.TicketView) -> None:
        if self.desk is None:
            return
        replace = lambda tickets: [ticket if t.number == ticket.number else t for t in tickets]
        self.desk.handled = replace(self.desk.handled)
        self.desk.parked = [t for t in replace(self.desk.parked) if t.state == "parked"]

    @property
    def current(self) -> p.TicketView | None:
        return self.desk.current if self.desk else None

    @property
    def person(self) -> p.PersonView | None:
        """Who registered for the place the current visitor won by lot (None for any other)."""
        return self.desk.person if self.desk and self.desk.current else None

    @property
    def my_services(self) -> list[str]:
        """The services the counter serves now, or all it may serve while closed."""
        if self.desk and self.desk.services:
            return self.desk.services
        info = self.counter_info(self.counter)
        return info.services if info else []

    def waiting_for_me(self, service: str) -> int:
        """Those of a service's queue this counter's N can call: not the ones transferred to
        another counter (only that one calls them)."""
        queue = self.queues.get(service)
        if queue is None:
            return 0
        return queue.waiting - sum(n for counter, n in queue.sent.items() if counter != self.counter)

    def longest_for_me(self, service: str) -> float:
        """Seconds the longest waiting of those this counter's N may call has waited: not one
        transferred to another counter (a clerk read "Wartend 0, Längste 5 min")."""
        queue = self.queues.get(service)
        if queue is None:
            return 0.0
        if queue.longest_open is None:
            return queue.longest_wait
        return max(queue.longest_open, queue.sent_longest.get(self.counter, 0.0))

    def sent_here_longest(self) -> float:
        """Seconds the longest waiting of those sent here from services this counter does not serve."""
        mine = set(self.my_services)
        return max((q.sent_longest.get(self.counter, 0.0) for s, q in self.queues.items() if s not in mine),
                   default=0.0)

    def sent_here(self) -> int:
        """Visitors transferred to this counter from services it does not serve: N calls them too."""
        mine = set(self.my_services)
        return sum(q.sent.get(self.counter, 0) for s, q in self.queues.items() if s not in mine)

    def left(self, ticket: p.TicketView) -> p.LeftView | None:
        """How this counter sent a handled ticket on, as the server noted it when it left (None:
        finished, no-show, parked here, or a server that notes nothing)."""
        if self.desk is None or (self.current is not None and self.current.number == ticket.number):
            return None
        return self.desk.left.get(ticket.number)

    def left_by_transfer(self, ticket: p.TicketView) -> bool:
        """Whether a handled ticket left this desk by a transfer: every other way out (finished,
        no-show, parked, expired) leaves it in that state with this counter; a transferred one
        waits in another queue or is already another counter's."""
        if self.current is not None and self.current.number == ticket.number:
            return False  # parked, then taken back: at this desk again
        return ticket.counter != self.counter or ticket.state in ("waiting", "called", "serving")

    def desk_state(self, counter: str) -> str:
        """Another counter's state as the last push told it: closed, open or paused."""
        desk = self.desks.get(counter)
        return desk.state if desk else "closed"

    def open_for(self, service: str) -> list[str]:
        """The counters open (or paused) now that serve `service`, in the site file's order."""
        return [c.id for c in (self.site.counters if self.site else [])
                if self.desk_state(c.id) != "closed" and service in (self.desks[c.id].services or c.services)]

    def counter_info(self, counter: str) -> p.CounterInfo | None:
        return next((c for c in self.site.counters if c.id == counter), None) if self.site else None

    def service(self, service: str) -> p.ServiceView | None:
        return next((s for s in self.site.services if s.id == service), None) if self.site else None


def queue_widths(natural: list[int], room: int, *, padding: int = 1, service_least: int = 12) -> list[int]:
    """The widths of the queue table's columns (service, waiting, longest, estimate,
    interpreters) in `room` cells, each column also taking `padding` on both sides. The
    figures always get their whole width; the service name what they leave, shortened down to
    `service_least` to make room for the interpreter note, which gets the rest (0: not shown).

    >>> queue_widths([33, 7, 7, 10, 20], 41)   # 80 columns: the name cut, no room for the note
    [9, 7, 7, 10, 0]
    >>> queue_widths([33, 7, 7, 10, 20], 70)   # the name shortened so that the note fits
    [16, 7, 7, 10, 20]
    >>> queue_widths([33, 7, 7, 10, 20], 100)
    [33, 7, 7, 10, 20]
    """
    service, *figures, note = natural
    rest = max(0, room - sum(figures) - 2 * padding * (len(figures) + 1))
    wide = min(service, max(service_least, rest - note - 2 * padding), rest)
    return [wide, *figures, max(0, min(note, rest - wide - 2 * padding))]


def crop(text: str, width: int) -> str:
    """`text` in at most `width` cells, "…" where it is cut (service names are Latin or Cyrillic)."""
    return text if len(text) <= width else text[:max(0, width - 1)] + "…"


class EndPassed(ValueError):
    """The end of shift typed is a time already past today ("15:30" at 19:43)."""

    def __init__(self, time: str):
        super().__init__(f"{time} has already passed today")
        self.time = time


def planned_end(text: str, now: float, timezone: str) -> float | None:
    """The clerk's "HH:MM" as that moment today in the site's time zone; empty text means no
    planned end. ValueError if unreadable, EndPassed for a time already past today: taken as
    tomorrow's, it was shown as "bis 15:30" and meant nothing today (a shift ends the day it
    started, offices close before midnight)."""
    text = text.strip()
    if not text:
        return None
    hours, _, minutes = text.replace(".", ":").partition(":")
    clock = datetime.strptime(f"{int(hours):02d}:{int(minutes or 0):02d}", "%H:%M").time()
    today = datetime.fromtimestamp(now, ZoneInfo(timezone))
    end = datetime.combine(today.date(), clock, tzinfo=today.tzinfo)
    if end.timestamp() <= now:
        raise EndPassed(clock.strftime("%H:%M"))
    return end.timestamp()


STAFF_LANGUAGES = ("de", "en")  # the staff catalogue's languages (config/strings/staff)


class Words:
    """The clerk's language: catalogue lookups and the few sentences built from data."""

    def __init__(self, lang: str):
        self.lang = lang if lang in STAFF_LANGUAGES else "de"
        self.text = strings(self.lang, "staff")

    def __call__(self, key: str, **fields) -> str:
        return self.text[key].format(**fields)

    def service(self, board: Board, service: str) -> str:
        info = board.service(service)
        return info.names.get(self.lang) or info.names.get("de", service) if info else service

    def transfer_target(self, board: Board, kind: str, target: str) -> str:
        """Where a transfer sent the visitor: the service's name, or "Schalter 8"."""
        if kind == "service":
            return self.service(board, target)
        info = board.counter_info(target)
        return self("transfer.counter", counter=info.name if info else target)

    def partners(self, board: Board, chosen: list[str]) -> str:
        """The partners' names in the clerk's language, as the site file gives them."""
        found = {x.id: x for x in (board.site.partners if board.site else [])}
        return ", ".join((found[i].names.get(self.lang) or found[i].names["de"]) if i in found else i for i in chosen)

    def handled(self, board: Board, ticket: p.TicketView) -> str:
        """A ticket under "Heute bearbeitet": how it left this desk, as this counter did it. A
        referred visitor is "an MBE verwiesen", a transferred one "weitergeleitet an …" (the
        counter or service it was sent to), one called when the counter closed "zurück in die
        Warteschlange (Schalter geschlossen)" — never what another counter did with them later."""
        left = board.left(ticket)
        if left is not None and left.how == "returned":
            return self("transfer.returned")
        if left is not None and left.how == "referred":
            return self("referral.handled", partners=self.partners(board, left.partners))
        if left is not None:
            kind, target = ("counter", left.target) if left.target else ("service", left.service)
            return self("transfer.handled", target=self.transfer_target(board, kind, target))
        if not board.left_by_transfer(ticket):
            return self(f"state.{ticket.state}")
        if ticket.referrals:
            return self("referral.handled", partners=self.partners(board, ticket.referrals))
        kind, target = ("counter", ticket.target) if ticket.target else ("service", ticket.service)
        return self("transfer.handled", target=self.transfer_target(board, kind, target))

    def language(self, lang: str) -> str:
        """The visitor's language named in the clerk's, from the locale data ("Dari", "Tigrinya")."""
        return languages.name(lang, self.lang)

    def interpreter(self, ticket: p.TicketView) -> str | None:
        """"Dolmetscher: Arabisch" for a visitor who asked at the kiosk for help with German."""
        return self("interpreter.needed", language=self.language(ticket.lang)) if ticket.interpreter else None

    def interpreters(self, queue: p.QueueView | None, *, short: bool = False) -> str:
        """Who of those waiting needs an interpreter, most first: "Arabisch 2, Dari 1", or
        `short` by language tag, "ar 2 · prs 1" (the queue table's column when room is scarce)."""
        if queue is None or not queue.interpreters:
            return ""
        needs = sorted(queue.interpreters.items(), key=lambda item: (-item[1], self.language(item[0])))
        if short:
            return " · ".join(f"{lang} {n}" for lang, n in needs)
        return ", ".join(f"{self.language(lang)} {n}" for lang, n in needs)

    def interpreter_column(self) -> str:
        """The interpreter column's header: "Dolmetscher" (the catalogue's "Dolmetscher: {language}"
        without a language, so the header needs no word of its own)."""
        return self("interpreter.needed", language="").rstrip(": ")

    def state(self, desk: p.DeskView | None, timezone: str = "Europe/Berlin") -> str:
        if desk is None:
            return self("state.closed")
        state = self(f"state.{desk.state}", reason=desk.pause_reason or "–")
        if desk.closes_at is not None and desk.state != "closed":
            end = datetime.fromtimestamp(desk.closes_at, ZoneInfo(timezone)).strftime("%H:%M")
            state += " · " + self("state.closes_at", time=end)
        return state

    def reason(self, board: Board, ticket: p.TicketView) -> str:
        service = board.service(ticket.service)
        waited = round(((ticket.called_at or ticket.issued_at) - ticket.issued_at) / 60)
        limit = service.max_wait_minutes if service else 0
        return self.text.get(f"reason.{ticket.reason}", ticket.reason).format(waited=waited, limit=limit)

    def appointment(self, ticket: p.TicketView, timezone: str = "Europe/Berlin") -> str | None:
        """"Termin 10:30" for a visitor who checked in for an appointment (its local time)."""
        if ticket.appointment_at is None:
            return None
        return self("panel.appointment", time=datetime.fromtimestamp(ticket.appointment_at, ZoneInfo(timezone))
                    .strftime("%H:%M"))

    def registered(self, person: p.PersonView) -> str:
        """"Angemeldet: Amina Haddad, geboren 7.3.1991": what the clerk compares with the passport."""
        born = format_date(date.fromisoformat(person.birth_date), self.text["format.date"],
                           locale=languages.locale(self.lang))
        return self("registered.panel", name=person.name, born=born)

    def waited(self, ticket: p.TicketView, now: float) -> str:
        end = ticket.called_at if ticket.state != "waiting" and ticket.called_at else now
        return self("panel.waited", minutes=round((end - ticket.issued_at) / 60))

    def eta(self, queue: p.QueueView | None) -> str:
        if queue is None or queue.eta is None:
            return self("panel.no_estimate")
        return self("panel.range", low=queue.eta[0], high=queue.eta[1])

    def error(self, code: str, message: str) -> str:
        """An error from a server that does not explain its errors: by its code alone (the
        texts that need the error's values fall back to the general one)."""
        key = f"error.{code}" if f"error.{code}" in self.text else "error.other"
        try:
            return self(key, message=message)
        except KeyError:
            return self("error.other", message=message)
