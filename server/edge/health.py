"""What `/healthz` says: one JSON object of the live state, read by monitoring and by people.

The store's state first (ok, reconnecting, stalled, or failing once a commit failed and the
server stops), then the day as the office holds it, who is connected, the printers' last
reports, speech and the messages to visitors. Nothing in it identifies a visitor.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Callable

import msgspec

from config import Site

from server.core import Office
from server.edge import views
from server.edge.fanout import Fanout
from server.edge.terminals import Presence
from server.messages import Outbox
from server.store.writer import Writer
from server.visitors.speech import Speech


@dataclass(frozen=True)
class Health:
    """The parts the report reads, given by the `Server` once they exist; call it for the report."""

    site: Callable[[], Site]
    office: Office
    writer: Writer
    failed: asyncio.Event  # set when a commit failed: the server stops
    terminals: Presence
    fanout: Fanout
    speech: Speech
    outbox: Outbox
    clock: Callable[[], float]
    uptime: Callable[[], float]  # seconds since the start, on the monotonic clock

    def __call__(self) -> dict[str, Any]:
        now, office, writer = self.clock(), self.office, self.writer
        return {
            "status": "failing" if self.failed.is_set() else writer.state, "database": writer.health(),
            "site": self.site().name,
            "day": office.day,
            "uptime_s": round(self.uptime(), 1),
            "open_counters": [d.id for d in office.desks.values() if d.state == "open"],
            "paused_counters": [d.id for d in office.desks.values() if d.state == "paused"],
            "waiting": {s: len(q) for s, q in office.waiting.items()},
            "queues": [msgspec.to_builtins(views.queue(office, s, now)) for s in office.waiting],
            "tickets_today": len(office.tickets),
            "commits": writer.commits,  # since the start; each holds a group of changes
            "connected": self.terminals.by_role(),
            "closed_too_slow": self.fanout.closed,  # connections that stopped reading (4413)
            "printers": self.terminals.printers,
            "speech": self.speech.engine or "browser (no espeak-ng on the server)",
            "voices": self.speech.status(),  # spoken languages and their voice, silent ones, failed voices
            "messages": self.outbox.status(),  # SMS and e-mail to visitors: gateway on, today's by state
        }
