"""The queue core: tickets, counters, routing and estimates as plain Python, no I/O.

`Office` holds one office's day and turns commands into typed events (`events`);
`routing.choose_next` picks the next ticket; `forecast` runs the routing forward for wait
estimates (`Office.estimate`). Nothing here reads a clock, a socket or a file.
"""

from server.core.events import Event
from server.core.model import Desk, Ticket
from server.core.office import Office, QueueInfo
from server.core.state import LocalDays, local_day

__all__ = ["Desk", "Event", "LocalDays", "Office", "QueueInfo", "Ticket", "local_day"]
