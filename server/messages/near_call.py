""""Your call is near": one text to a visitor who left a contact and waits away from the
building, when the low end of their ticket's estimate is within `near_call_minutes` (20), or
when at most `near_call_places` (3) people are before it and the high end is within twice the
minutes (three ahead in a queue of 40-minute visits are not near); whichever comes first.

Whose ticket has a contact: the one left when registering for the place the ticket was
checked in with (`registered`: `Office.registered_person`, the day's registrations kept beside
the events, server/access). `contact_of` may be given another (a ticket -> (address, channel),
or None).

- **Once per ticket**: the message's ref is `near_call:<day>:<number>`; the outbox ignores a
  second post with it, also after a restart (its rows are the day's).
- **From the forecast**: the same estimate the ticket, the phone page and the screens show
  (`Office.estimate`, minutes low-high) and the same count of people ahead (`Office.ahead`).
  The text names the middle of the range, rounded to 5 minutes.
- **Only to those who may have left**: a visitor whose ticket was printed with a wait already
  within the minutes stays in the building and gets no text; one printed with a longer wait,
  or with none, may have left. The printed estimate is in the draw's event, so a restart
  decides the same.
- Checked every `EVERY` seconds: calls change the estimate by minutes, not seconds.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Callable

from config import Site
from server.core import Office, Ticket
from server.messages.address import channel_of
from server.messages.outbox import Outbox
from server.messages.texts import compose

log = logging.getLogger("willkommen.messages")
EVERY = 10.0  # seconds between two looks at the waiting tickets

Contact = tuple[str, str]  # (address, channel: "sms" | "email")


def nobody(ticket: Ticket) -> Contact | None:
    return None


def registered(office: Office) -> Callable[[Ticket], Contact | None]:
    """The contact of whoever registered for the place `ticket` was checked in with."""
    def contact_of(ticket: Ticket) -> Contact | None:
        person = office.registered_person(ticket)
        if person is None or not person.contact:
            return None
        return person.contact, channel_of(person.contact)
    return contact_of


class NearCall:
    def __init__(self, site: Site, office: Office, outbox: Outbox, *, clock: Callable[[], float],
                 contact_of: Callable[[Ticket], Contact | None] = nobody):
        self.site, self.office, self.outbox, self.clock = site, office, outbox, clock
        self.contact_of = contact_of  # set by whoever keeps the contacts (server/access)
        self.minutes = site.messages.near_call_minutes
        self.places = site.messages.near_call_places

    async def run(self) -> None:
        while True:
            try:
                self.check(self.clock())
            except Exception:  # a look that failed: the next one tries again
                log.exception("near-call check failed")
            await asyncio.sleep(EVERY)

    def check(self, now: float) -> list[str]:
        """Post the notice for each waiting ticket now near its call; the refs posted."""
        posted = []
        for queue in self.office.waiting.values():
            for ticket in list(queue.values()):
                # the cheap questions first: most waiting tickets have no contact (a look at
                # 56,000 waiting held the loop 25 ms when each got its ref made and looked up)
                if not self._may_have_left(ticket) or (contact := self.contact_of(ticket)) is None:
                    continue
                ref = f"near_call:{ticket.day}:{ticket.number}"
                if self.outbox.state(ref):
                    continue
                try:
                    minutes = self._near(ticket, now)
                    if minutes is not None:
                        posted.append(self._post(ticket, contact, minutes, ref))
                except Exception:  # one ticket's trouble (a contact of no channel) keeps no other's text back
                    log.exception("near-call notice failed", extra={"fields": {"number": ticket.number}})
        return posted

    def _may_have_left(self, ticket: Ticket) -> bool:
        return ticket.eta_low is None or ticket.eta_low > self.minutes

    def _near(self, ticket: Ticket, now: float) -> int | None:
        """The minutes to say when the ticket is near its call, else None."""
        estimate = self.office.estimate(ticket.number, now)
        if estimate is None:  # nobody expected to call it: nothing true to say
            return None
        low, high = estimate
        few_ahead = self.office.ahead(ticket) <= self.places and high <= 2 * self.minutes
        if low > self.minutes and not few_ahead:
            return None
        return max(5, 5 * round((low + high) / 10))

    def _post(self, ticket: Ticket, contact: Contact, minutes: int, ref: str) -> str:
        address, channel = contact
        subject, text = compose(self.site.words(ticket.lang), "near_call", office=self.site.name,
                                number=ticket.number, minutes=minutes, ahead=self.office.ahead(ticket))
        return self.outbox.post(to=address, channel=channel, lang=ticket.lang, text=text, subject=subject, ref=ref,
                                valid_until=self.clock() + minutes * 60)  # later it would be wrong
