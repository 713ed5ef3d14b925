"""What events tell the connected terminals: calls, tickets, desks, queues.

The waiting room's screens hear of a change as soon as it is made (`applied`, before its
commit: the writer's `on_applied`): the calls, and a ticket that leaves the "now" spot, in the
order they happened, so a recall, a no-show or a park never overtakes its call. A display
confirms nothing (it only listens); the commit's fsync on PostgreSQL (2.7-4.4 ms here) stood
between a counter's `next` and the screen (`python -m bench --only offices`). Staff hear of
calls, tickets and desks once committed (`committed`): a counter's screen, as its reply, says
only what is stored. Queue lengths and estimates go to everyone at most every
QUEUE_PUSH_DELAY, all in one frame, read from the office then. A message is built only for
someone: before the first counter opens, draws cost no pushes.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Iterable

import msgspec

from server.core import Event, Office, Ticket
from server.core import events as ev
from server.edge import views
from server.edge.fanout import Fanout
from server.edge.terminals import Terminals
from server.visitors.speech import Speech
from server.wire import protocol as p

QUEUE_PUSH_DELAY = 0.25
CALLS = (ev.TicketCalled, ev.TicketRecalled)


class Pushes:
    def __init__(self, office: Office, terminals: Terminals, fanout: Fanout, speech: Speech, *,
                 clock: Callable[[], float], board_changed: Callable[[list[Event]], None],
                 staff_pushed: Callable[[list[msgspec.Struct]], None] = lambda messages: None, access: Any = None):
        self.office, self.terminals, self.fanout, self.speech = office, terminals, fanout, speech
        self.clock, self.board_changed = clock, board_changed
        self.staff_pushed = staff_pushed  # what staff were sent (the browser counters' screens)
        self.queue_delay = QUEUE_PUSH_DELAY
        self._queues_to_push: set[str] = set()
        self._queue_push: asyncio.TimerHandle | None = None
        self._kept: dict[int, tuple[p.Called, str]] = {}  # id(event) -> its call shown on the displays, for staff
        if access is not None:  # the lottery's room (server.access): a kiosk's entry whose QR code was scanned
            access.seen = self.entry_seen

    def entry_seen(self, kiosk: str, entry: str) -> None:
        """A lottery entry's result page was opened (its QR code scanned): the kiosk that registered
        it, and may still show the code, is told (`entry_seen`, kiosk/register.py)."""
        connections = [ws for ws, s in self.terminals.sessions.items() if s.role == "kiosk" and s.terminal == kiosk]
        self.fanout.push(connections, p.encode(p.EntrySeen(entry=entry)).decode())

    def applied(self, events: list[Event]) -> None:
        """Show the displays what the events just made changed (not committed yet): the calls,
        then the tickets that left the "now" spot."""
        displays = self.terminals.displays
        if not displays:  # with none, no look at the events
            return
        calls, tickets = self._changes(events, keep=True)
        for _, frame in calls:
            self.fanout.push(displays, frame)
        for ticket in tickets.values():
            if ticket.state in p.OFF_THE_SCREEN:
                self.fanout.push(displays, p.encode(p.TicketChanged(ticket=views.ticket(ticket))).decode())

    def committed(self, events: list[Event]) -> None:
        """Tell staff what the committed events changed; the board; the queues soon after."""
        staff = self.terminals.staff
        if staff:  # calls, tickets and desks: with no staff, no look at them
            self._tell(events, staff)
        if self._kept:  # calls kept for staff that none heard (none here, or the ticket gone with a new day)
            for event in events:
                self._kept.pop(id(event), None)
        self.board_changed(events)
        self._queues_to_push |= changed_services(self.office, events)
        if self._queue_push is None and self._queues_to_push:
            self._queue_push = asyncio.get_running_loop().call_later(self.queue_delay, self._push_queues)

    def _tell(self, events: list[Event], staff: set) -> None:
        """The calls, the tickets' and the desks' changes, to staff."""
        office = self.office
        calls, tickets = self._changes(events, keep=False)
        sent: list[msgspec.Struct] = []
        for _, frame in calls:
            self.fanout.push(staff, frame)
        for ticket in tickets.values():
            sent.append(p.TicketChanged(ticket=views.ticket(ticket)))
            self.fanout.push(staff, p.encode(sent[-1]).decode())
        for counter in changed_desks(office, events):
            sent.append(p.DeskChanged(desk=views.desk(office, office.desks[counter])))
            self.fanout.push(staff, p.encode(sent[-1]).decode())
        self.staff_pushed([*(call for call, _ in calls), *sent])

    def _changes(self, events: list[Event], *, keep: bool) -> tuple[list[tuple[p.Called, str]], dict[str, Ticket]]:
        """The calls the events made (each message and its frame) and the other tickets they changed."""
        calls: list[tuple[p.Called, str]] = []
        tickets: dict[str, Ticket] = {}
        for event in events:
            ticket = self.office.tickets.get(event.number) if isinstance(event, ev.TicketEvent) else None
            if ticket is not None and isinstance(event, CALLS):
                calls.append(self._call(event, ticket, keep=keep))
            elif ticket is not None:
                tickets[ticket.number] = ticket
        return calls, tickets

    def _call(self, event: Event, ticket: Ticket, *, keep: bool) -> tuple[p.Called, str]:
        """`event`'s call and its frame: made once, when the displays are shown it, and kept
        (`keep`) until staff are told it at the commit."""
        made = self._kept.pop(id(event), None)
        if made is None:
            call = self._spoken(views.called(self.office, ticket))
            made = (call, p.encode(call).decode())
        if keep:
            self._kept[id(event)] = made
        return made

    def stop(self) -> None:
        if self._queue_push is not None:
            self._queue_push.cancel()

    def _spoken(self, call: p.Called) -> p.Called:
        """Add the URLs of the server's recordings of the call. They are made when a display
        first asks (during its 2-second gong), not here: a busy morning's calls cost no CPU
        until a waiting room listens."""
        for lang, text in call.texts.items():
            key = self.speech.register(lang, text)
            if key is not None:
                call.audio[lang] = self.speech.url(key)
            elif self.speech.engine is not None:  # no voice for it: shown, not spoken
                call.silent.append(lang)
        return call

    def _push_queues(self) -> None:
        """Queue lengths and estimates in one frame: on a busy morning a screen needs no more,
        a draw costs one frame to its kiosk, not one to all, and a broadcast to 520 connections
        took 11 ms here (`python -m bench --only fanout`): a frame per service held the calls
        behind six of them for ~70 ms."""
        now, services = self.clock(), sorted(self._queues_to_push)
        self._queues_to_push, self._queue_push = set(), None
        frame = p.QueuesChanged(queues=[views.queue(self.office, service, now) for service in services])
        terminals = self.terminals
        self.fanout.push(terminals.staff | terminals.displays | terminals.kiosks, p.encode(frame).decode())
        self.staff_pushed([frame])


def changed_services(office: Office, events: Iterable[Event]) -> set[str]:
    """Queues whose length or estimate the events may have moved: a ticket's own service; for a
    new day, a counter's change or a transfer, any queue's; for a lottery's entry, none."""
    services: set[str] = set()
    for event in events:
        if len(services) == len(office.waiting):  # every queue already: a group of 40 draws names all six
            break
        if type(event) in ev.OFF_THE_QUEUE:  # a lottery's entry: no queue moved
            continue
        ticket = office.tickets.get(event.number) if isinstance(event, ev.TicketEvent) else None
        if ticket is not None and not isinstance(event, ev.TicketTransferred):
            services.add(ticket.service)
        else:
            services.update(office.waiting)
    return services


def changed_desks(office: Office, events: Iterable[Event]) -> set[str]:
    """Desks to tell: a counter's own change; on a new day every desk (each starts it closed,
    above all one whose visitor the night ended)."""
    desks: set[str] = set()
    for event in events:
        if isinstance(event, ev.DayStarted):
            desks.update(office.desks)
        if isinstance(event, ev.CounterEvent) and event.counter in office.desks:
            desks.add(event.counter)
    return desks
