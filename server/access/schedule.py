"""The lottery's schedule: the window of the coming day opens (a seed is made and kept in the
store, its hash published), the draw is made at `draw_at` from the kept seed (a crash before
its commit draws again the same), the outcomes go to the outbox, and a winner who has not
checked in by the end of their window gives their place to the next on the waiting list.
`Access` (`server.access.room`) runs `tick` once a second."""

from __future__ import annotations

import asyncio
import logging
import math
import secrets
from typing import Any, Callable

from config import Site

from server.access import proof
from server.access.calendar import Calendar
from server.core import Office, access_days, lottery
from server.core.access import OFFERED, WON, AccessDay, Entrant
from server.messages import Outbox
from server.messages.texts import compose
from server.store.writer import Writer

log = logging.getLogger("willkommen.access")


class Schedule:
    def __init__(self, office: Office, writer: Writer, store: Any, outbox: Outbox, calendar: Calendar,
                 secret: bytes, clock: Callable[[], float]):
        self.site: Site = office.site
        self.rules, self.office, self.writer, self.store, self.outbox = self.site.access, office, writer, store, outbox
        self.calendar, self.secret, self.clock = calendar, secret, clock
        self.ticking = asyncio.Lock()

    async def tick(self) -> None:
        """Open the coming day's window, draw what is due, offer the places of no-shows. One
        look at a time: a second waits for the first's commits (PostgreSQL's take round trips)."""
        if not self.rules.enabled:
            return
        async with self.ticking:
            await self._tick(self.clock())

    async def _tick(self, now: float) -> None:
        day = self.calendar.window_day(now)
        if day is not None and day not in self.office.access_days:
            await self._open(day)
        for found in list(self.office.access_days.values()):
            if found.drawn is None and found.draw_at and now >= found.draw_at:
                await self._draw(found.day)
        await self._offer_places(now)

    async def _open(self, day: str) -> None:
        seed = await self.store.aside(self.store.keep_seed, day, secrets.token_hex(32))
        await self.writer.submit(lambda now: self.office.open_access(
            day=day, seed_hash=lottery.seed_hash(seed), contingent=dict(self.rules.contingent),
            closes_at=self.calendar.closes_at(day), draw_at=self.calendar.draw_at(day), now=now))
        log.info("registration open", extra={"fields": {"day": day}})

    async def _draw(self, day: str) -> None:
        seed = await self.store.aside(self.store.access_seed, day)
        if seed is None:
            log.error("no seed kept for the draw", extra={"fields": {"day": day}})
            return
        contingent = self.contingent(day)
        await self.writer.submit(lambda now: self.office.draw_access(
            day=day, seed=seed, contingent=contingent, urgent_share=self.rules.urgent_share,
            spans=ahead(self.spans(day), now), window_minutes=self.rules.window_minutes,
            codes_key=self.secret, now=now))
        await self.store.aside(self.store.forget_seed, day)
        found = self.office.access_days[day]
        assert found.drawn is not None
        log.info("drawn", extra={"fields": {"day": day, "entries": len(found.entries),
                                            "places": len(found.drawn.places)}})
        # "not drawn" says a freed place may still come where one may (`may_offer`: not for a
        # service without places); through post_many: 10,000 such texts at once would hold the loop
        now = self.clock()
        offers = {service: self.may_offer(found, service, now) for service in {e.service for e in found.entries.values()}}
        await self.outbox.post_many(
            m for e in list(found.entries.values())
            if (m := self._message(found, e, "won" if e.state == WON else "not_drawn",
                                   words="won" if e.state == WON else "not_drawn_offer" if offers[e.service] else "")))

    def spans(self, day: str) -> list[tuple[float, float]]:
        """The times the winners' windows fill: when the day's plan staffs a counter for a
        lottery service (`server.core.plan`), else the opening hours."""
        planned = self.office.plan.times(day, self.calendar.tz) if self.office.plan else {}
        wanted, found = set(self.rules.services), []
        for counter, shifts in planned.items():
            configured = self.site.counter(counter)
            own = configured.services if configured is not None else ()
            found += [(w.start, w.end) for w in shifts if wanted & set(w.services or own)]
        merged: list[tuple[float, float]] = []
        for start, end in sorted(found):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        return merged or self.calendar.spans(day)

    def contingent(self, day: str) -> dict[str, int]:
        """Places per service: the site file's, else the day's plan (capacity minus the
        appointments booked for that day); 0 without either."""
        now = self.clock()
        planned = self.office.capacity(now) if self.office.local_day(now) == day else {}
        places = {}
        for service in self.rules.services:
            if service in self.rules.contingent:
                places[service] = self.rules.contingent[service]
            else:
                booked = sum(1 for b in self.office.bookings.values() if b.day == day and b.service == service)
                places[service] = max(0, planned.get(service, 0) - booked)
        return places

    def _closing(self, found: AccessDay) -> tuple[float, float]:
        """The day's last opening moment and a window's length: no offer whose window would
        end after closing."""
        return max((end for _, end in self.calendar.spans(found.day)), default=0.0), self.rules.window_minutes * 60.0

    def may_offer(self, found: AccessDay, service: str, now: float) -> bool:
        """Whether a place of `service` may still be offered today to someone not drawn (what
        the "not drawn" page and message promise): only on the lottery day after its draw,
        while a window may still fit before closing and a place of that service may still be
        given back (`access_days.may_free`)."""
        if found.drawn is None or found.day != self.office.day:
            return False
        closing, length = self._closing(found)
        if now + length > closing:
            return False
        return access_days.may_free(found, service, self._checked_in, closing - length)

    def _checked_in(self, code: str) -> bool:
        booking = self.office.bookings.get(code)
        return booking is not None and booking.ticket is not None

    async def _offer_places(self, now: float) -> None:
        found = self.office.access_days.get(self.office.day)
        if found is None or found.drawn is None:
            return
        closing, length = self._closing(found)
        for entrant in list(found.entries.values()):
            if entrant.state not in (WON, OFFERED) or entrant.entry in found.replaced or entrant.window is None:
                continue
            booking = self.office.bookings.get(entrant.code)
            if now < entrant.window[1] or (booking is not None and booking.ticket is not None):
                continue
            if now + length > closing:
                return  # no time left today for anyone to come
            _, offered = await self.writer.submit(lambda t, e=entrant: self.office.offer_place(
                day=found.day, instead_of=e.entry, window=(t, t + length), codes_key=self.secret, now=t))
            if offered is None:
                found.replaced.add(entrant.entry)  # nobody left to offer it to: not asked again
            elif (message := self._message(found, offered, "offered")) is not None:
                self.outbox.post(**message)

    def _message(self, day: AccessDay, entrant: Entrant, outcome: str, words: str = "") -> dict[str, str] | None:
        """The outcome to a person who left a contact, in their language (`server.messages`),
        as `Outbox.post` takes it, in the words of `words` (default: the outcome's own);
        `ref` makes a second post after a restart a no-op. None without a contact (or words:
        logged, the others are still told)."""
        person = day.people.get(entrant.entry)
        if person is None or not person.contact:
            return None
        start, end = (proof.clock(t, self.calendar.tz) for t in entrant.window) if entrant.window else ("", "")
        try:
            subject, text = compose(self.site.words(entrant.lang), words or outcome, office=self.site.name,
                                    code=entrant.code, start=start, end=end)
        except (KeyError, ValueError, IndexError) as exc:  # a catalogue without the words: said, not fatal
            log.error("no message text",
                      extra={"fields": {"lang": entrant.lang, "kind": words or outcome, "error": repr(exc)}})
            return None
        return {"to": person.contact, "channel": lottery.channel(person.contact), "lang": entrant.lang,
                "text": text, "subject": subject, "ref": f"{outcome}:{entrant.entry}"}

def ahead(spans: list[tuple[float, float]], now: float) -> list[tuple[float, float]]:
    """The opening hours still to come at `now`: a draw made late (the server was down at
    `draw_at`, or the demo's draw at noon) gives no window that has passed."""
    soon = math.ceil(now / 300) * 300  # from the next five minutes on: windows at 10:10, not 10:06:23
    return [(max(start, soon), end) for start, end in spans if end > soon]
