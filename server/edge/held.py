"""A counter's action that waits on the office's database, told to its clerk (README "A lost
database is reached again", "A database that stops confirming").

Two things a clerk could not see before (r-admin-4, findings 3 and 5):

- **held**: the database is lost while the action's commit is on its way (a restart, a
  failover). The writer holds the action, unanswered, until the database is back; the counter
  showed nothing for seconds and queued the clerk's second press behind it. Now, as soon as the
  writer finds the database lost (`Writer.went_away`), the counter is sent `held {re}`: it
  says at once that the action waits for the database, and takes no second action meanwhile.
- **confirmed**: a commit the database does not confirm for `commit_wait_seconds` (a
  synchronous standby gone) is answered `unconfirmed`; once the database confirms it, the
  counter that did it is sent `confirmed {re, reply}`: the reply it would have had, with its
  desk as it is now (its visitor, parked and handled), so the called visitor is on the clerk's
  screen without a reload. The browser counter's screen folds it in like a reply.

Only counters that ask for their errors in words (`hello explain`: the Textual counter and the
browser's) get these frames: a terminal older than them would not know the message types.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any, Awaitable, Callable

from websockets.asyncio.server import ServerConnection

from server.core import Office, Ticket
from server.edge import views
from server.edge.fanout import Fanout
from server.edge.terminals import Session
from server.store.writer import Writer
from server.wire import protocol as p
from server.wire.errors import Unconfirmed

Handle = Callable[[Any], Awaitable[Any]]
Replied = Callable[[ServerConnection, p.Reply], None]


class Held:
    def __init__(self, office: Office, writer: Writer, fanout: Fanout):
        self.office, self.writer, self.fanout = office, writer, fanout

    def serve(self, ws: ServerConnection, session: Session, handle: Handle, replied: Replied) -> Handle:
        """`handle` for a counter's connection: `held` while its request waits on a lost
        database, `confirmed` (and `replied(ws, reply)`) once an unconfirmed one is confirmed."""
        if session.role != "counter" or not session.explain:
            return handle

        async def told(message: Any) -> Any:
            asked = asyncio.ensure_future(handle(message))
            away = self.writer.went_away()
            try:
                await asyncio.wait([asked, away], return_when=asyncio.FIRST_COMPLETED)
                if not asked.done() and message.id is not None:
                    self.fanout.push([ws], p.encode(p.Held(re=message.id)).decode())
                return await asked
            except Unconfirmed as exc:
                if exc.confirmed is not None and isinstance(exc.value, p.Reply):
                    exc.confirmed.add_done_callback(partial(self._confirmed, ws, session, exc.value, replied))
                raise
            finally:
                if not asked.done():  # the connection went: its request goes on in the writer
                    asked.add_done_callback(_retrieved)
        return told

    def _confirmed(self, ws: ServerConnection, session: Session, reply: p.Reply, replied: Replied,
                   done: asyncio.Future) -> None:
        if done.cancelled() or done.exception() is not None:
            return  # not made: the server stops, and the counter's next welcome says what is stored
        desk = self.office.desks.get(session.counter or "")
        if desk is not None:  # as it is now: other actions may have followed it
            reply.desk = views.desk(self.office, desk, detail=True, person=True)
        ticket = self.office.tickets.get(reply.ticket.number) if reply.ticket is not None else None
        if isinstance(ticket, Ticket):
            reply.ticket = views.ticket(ticket)
        replied(ws, reply)
        self.fanout.push([ws], p.encode(p.Confirmed(re=reply.re, reply=reply)).decode())


def _retrieved(future: asyncio.Future) -> None:
    if not future.cancelled():
        future.exception()
