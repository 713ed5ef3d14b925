"""What a waiting-room screen shows, folded from the server's messages: the calls (newest
first) and the queues. The browser page does the same in display.js; this is the terminal's."""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec

from server.wire import protocol as p

LAST_CALLS = 8


@dataclass
class Call:
    number: str
    counter: str
    zone: str
    recall: int = 0
    lang: str = "de"     # the visitor's: the counter is shown in it too


@dataclass
class DisplayBoard:
    zones: list[str] = field(default_factory=list)
    site: p.SiteView | None = None
    calls: list[Call] = field(default_factory=list)
    queues: dict[str, p.QueueView] = field(default_factory=dict)

    def welcome(self, welcome: p.Welcome) -> None:
        self.site = welcome.site
        self.zones = self.zones or welcome.zones
        counters = {c.id: c for c in welcome.site.counters}
        calls = [Call(t.number, counters[t.counter].name, counters[t.counter].zone, t.recalls, t.lang)
                 for t in welcome.snapshot.calls if t.state in ("called", "serving") and t.counter in counters]
        self.calls = [c for c in calls if self._shown(c.zone)]
        self.queues = {q.service: q for q in welcome.snapshot.queues}

    def event(self, event: msgspec.Struct) -> bool:
        """Fold in a pushed event; True when it is a new call to announce."""
        if isinstance(event, p.Called) and self._shown(event.zone):
            call = Call(event.ticket.number, event.counter_name, event.zone, event.recall, event.ticket.lang)
            self.calls = [call, *(c for c in self.calls if c.number != call.number)][:LAST_CALLS]
            return True
        if isinstance(event, p.TicketChanged) and event.ticket.state in p.OFF_THE_SCREEN:
            self.calls = [c for c in self.calls if c.number != event.ticket.number]
        elif isinstance(event, p.QueuesChanged):
            self.queues.update((q.service, q) for q in event.queues)
        return False

    def _shown(self, zone: str) -> bool:
        return not self.zones or zone in self.zones
