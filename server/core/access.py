"""Fair access in the office's day: the lottery's days as events make them, and the commands
that make those events. Pure, explicit `now`; the draw itself is `server.core.lottery`.

A lottery day D runs::

    access_opened   (D-1, e.g. 14:00)  the window opens; the seed's hash is published
    entry_registered ...                one per person (identity) and day; a contact holds a few
    draw_witnessed  (D, 06:00-06:05)    a witness's words, once, after the close (`lottery.draw_seed`)
    access_drawn    (D, e.g. 06:05)    one event: places with codes and time windows, the
                                        waiting list; each place is booked as an appointment
                                        (`appointment_booked`, booking = code) in the same commit,
                                        so the kiosk's check-in and the counter work unchanged
    place_offered   (D)                 a no-show's place to the next on the waiting list
    identity_refused                    "not the registered person" at the counter

An access day's events are stored under D (`server.store`), so a server restarted at 02:00
replays the evening's entries. Names, birth dates and contacts are not in any event: the
register command keeps them in `AccessDay.people` and hands them to the store's side table
(`take_private`), which forgets them when the next day starts.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from server.core import access_days, lottery
from server.core import events as ev
from server.core.access_days import (NOT_DRAWN, OFFERED, REFUSED_OUTCOME, WAITING, WON, AccessDay,  # noqa: F401
                                     Entrant, Person)
from server.core.commands import Commands
from server.core.model import Ticket, check_transition
from server.wire import errors

# ---- the commands --------------------------------------------------------------------------------

class AccessCommands(Commands):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.private: list[tuple] = []  # personal rows for the store's side table, with the journal

    def take_private(self) -> list[tuple]:
        """(entry, day, name, birth_date, contact, address) rows registered since the last call
        (`address`: the keyed hash of the network address a web entry came from, else "")."""
        rows, self.private = self.private, []
        return rows

    def open_access(self, *, day: str, seed_hash: str, contingent: Mapping[str, int], closes_at: float,
                    draw_at: float, now: float) -> list[ev.Event]:
        """The window for `day` opens (once: opening it again changes nothing)."""
        events = self._begin(now)
        if day not in self.access_days:
            self._emit(events, ev.AccessOpened(at=now, day=day, seed_hash=seed_hash, contingent=dict(contingent),
                                               closes_at=closes_at, draw_at=draw_at))
        return events

    def register(self, *, day: str, entry: str, identity: str, service: str, lang: str, urgent: bool,
                 person: Person, contact_key: str, via: str, weight: int, services: Sequence[str],
                 per_contact: int, now: float, address: str = "") -> tuple[list[ev.Event], Entrant]:
        """One entry for `day`: refused after the window, for a service without a lottery, for
        a person with an entry already, and for a contact holding `per_contact` entries."""
        events = self._begin(now)
        found = self.access_days.get(day)
        if found is None or found.drawn is not None or now >= found.closes_at:
            raise errors.WindowClosed(f"registration for {day} is not open now")
        if service not in services:
            raise errors.UnknownService(f"no places by lottery for service {service!r} "
                                        f"(offered: {', '.join(services) or 'none'})")
        self._language(lang)
        if identity in found.identities:
            raise errors.AlreadyRegistered(f"this person is registered for {day} already: one entry a day")
        if contact_key and found.contacts.get(contact_key, 0) >= per_contact:
            raise errors.ContactFull(f"this contact holds {per_contact} entries for {day} already")
        self._emit(events, ev.EntryRegistered(at=now, day=day, entry=entry, identity=identity, service=service,
                                              lang=lang, urgent=urgent, contact=lottery.channel(person.contact),
                                              contact_key=contact_key, via=via, weight=weight))
        found.people[entry] = person
        self.private.append((entry, day, person.name, person.birth_date, person.contact, address))
        return events, found.entries[entry]

    def draw_access(self, *, day: str, seed: str, contingent: Mapping[str, int], urgent_share: float,
                    spans: Sequence[tuple[float, float]], window_minutes: int, codes_key: bytes,
                    now: float) -> list[ev.Event]:
        """The draw of `day`, once: the same seed, entries and contingent give the same places,
        codes and windows (a crash before the commit draws again the same)."""
        events = self._begin(now)
        found = self.access_days.get(day)
        if found is None or found.drawn is not None:
            return events
        entrants = list(found.entries.values())
        witness = found.witness.words if found.witness is not None else None
        mixed = lottery.draw_seed(seed, lottery.entries_hash(x.public for x in entrants), witness)
        result = lottery.draw(mixed, [lottery.Entry(x.public, x.service, x.urgent, x.weight) for x in entrants],
                              contingent, urgent_share)
        by_public = {x.public: x for x in entrants}
        places: list[ev.DrawnPlace] = []
        for service in sorted({p.service for p in result.places}):
            chosen = [p for p in result.places if p.service == service]
            times = lottery.windows(spans, window_minutes, len(chosen)) or \
                [(now, now + window_minutes * 60.0)] * len(chosen)  # no opening hours that day: from now
            for drawn, (start, end) in zip(chosen, times):
                entry = by_public[drawn.key].entry
                places.append(ev.DrawnPlace(entry=entry, service=service, code=lottery.code(codes_key, day, entry),
                                            window_start=start, window_end=end, urgent=drawn.urgent))
        won = {p.entry for p in places}
        unlucky = {x.identity: 0 if x.entry in won else x.weight for x in entrants}
        self._emit(events, ev.AccessDrawn(at=now, day=day, seed=seed, places=places,
                                          rest=[by_public[k].entry for k in result.rest],
                                          contingent=dict(contingent), urgent_share=urgent_share, unlucky=unlucky,
                                          witness=witness))
        for place in places:
            self._emit(events, ev.AppointmentBooked(at=now, booking=place.code, service=place.service,
                                                    lang=found.entries[place.entry].lang, due_at=place.window_start,
                                                    day=day))
        return events

    def witness_draw(self, *, day: str, words: str, now: float) -> list[ev.Event]:
        """A witness's words for `day`'s draw: taken once, between the window's close (earlier,
        someone could compute the outcome with them) and the draw."""
        events = self._begin(now)
        found = self.access_days.get(day)
        given = lottery.witness_words(words)
        if found is None:
            raise errors.BadRequest(f"no lottery for {day}", why="witness_no_day")
        if found.drawn is not None:
            raise errors.BadRequest(f"the draw of {day} is made already", why="witness_too_late")
        if now < found.closes_at:
            raise errors.BadRequest(f"registration for {day} is still open", why="witness_too_early")
        if found.witness is not None:
            raise errors.BadRequest(f"a witness gave {found.witness.words!r} for {day} already", why="witness_given")
        if given is None:
            raise errors.BadRequest(f"a witness's words are 1 to {lottery.MAX_WITNESS} printable characters",
                                    why="witness_words")
        self._emit(events, ev.DrawWitnessed(at=now, day=day, words=given))
        return events

    def offer_place(self, *, day: str, instead_of: str, window: tuple[float, float], codes_key: bytes,
                    now: float) -> tuple[list[ev.Event], Entrant | None]:
        """The place of `instead_of` (who did not check in) to the next on the waiting list of
        its service who can be told (a contact, or the web page); None when nobody is left."""
        events = self._begin(now)
        found = self.access_days.get(day)
        if found is None or instead_of in found.replaced or instead_of not in found.entries:
            return events, None
        service = found.entries[instead_of].service
        nxt = next((found.entries[k] for k in found.waiting_list
                    if found.entries[k].service == service and (found.entries[k].contact or found.entries[k].via == "web")),
                   None)
        if nxt is None:
            return events, None
        code = lottery.code(codes_key, day, nxt.entry)
        self._emit(events, ev.PlaceOffered(at=now, day=day, entry=nxt.entry, code=code, window_start=window[0],
                                           window_end=window[1], instead_of=instead_of))
        self._emit(events, ev.AppointmentBooked(at=now, booking=code, service=service, lang=nxt.lang,
                                                due_at=window[0], day=day))
        return events, nxt

    def refuse_identity(self, *, counter: str, now: float) -> tuple[list[ev.Event], Ticket]:
        """"Not the registered person": the called visitor's visit ends (counted apart)."""
        events, ticket = self._current(counter, now)
        check_transition(ticket, "finish")
        self._emit(events, ev.IdentityRefused(at=now, number=ticket.number, counter=counter))
        return events, ticket

    # ---- reading ---------------------------------------------------------------------------------

    def entrant(self, entry: str) -> tuple[AccessDay, Entrant] | None:
        for day in self.access_days.values():
            if entry in day.entries:
                return day, day.entries[entry]
        return None

    def access_summary(self, now: float) -> list[dict]:
        """Today's and the coming lottery days in figures (`access_days.summary`), for the board."""
        def checked_in(code: str) -> bool:  # the code's ticket was issued (asked for the day's places only)
            booking = self.bookings.get(code)
            return booking is not None and booking.ticket is not None

        refused = self.identity_refusals  # counted as refused (`OfficeState`), not walked over the day's tickets
        return [access_days.summary(day, checked_in, refused if day.day == self.day else 0, now)
                for d, day in sorted(self.access_days.items()) if d >= self.day]

    def registered_person(self, ticket: Ticket) -> Person | None:
        """Who registered for the place a ticket was checked in with (the counter shows the
        name beside the number); None for any other ticket."""
        day = self.access_days.get(ticket.day)
        if day is None or ticket.booking is None or ticket.booking not in day.codes:
            return None
        return day.people.get(day.codes[ticket.booking])
