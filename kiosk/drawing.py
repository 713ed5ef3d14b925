"""A visitor's draw at the kiosk: sent, perhaps held, answered, printed once.

Usually the answer comes in milliseconds. When the office's database is briefly away (a
failover, a synchronous standby that stalls) the server holds the draw, or answers `busy` and
the client session sends it again with the same key, for up to its timeout and beyond (a held
draw: ~13 s in a failover an admin timed). A visitor who sees nothing happen taps again or
walks away; so after `HELD_SECONDS` without an answer (or with the ticket still printing: a
raster ticket takes seconds on a slow serial line) the screen says, in the visitor's
language, that the ticket is being made (`kiosk.ticket_coming`), and every button of the screen
is off until the answer: a second tap, on this service or another, is no second ticket (the
draw in flight keeps its key, `kiosk.draw_keys`). The ticket that comes then prints once; a draw
that is not answered in the end is said as before ("please wait a moment and try again").
A check-in with an appointment's code (kiosk/appointment.py) says the same on its keypad or
interpreter question.

`HELD_SECONDS`: a draw answered at once shows no flicker of a sign; a second is about when a
visitor starts to wonder whether the tap took.
"""

from __future__ import annotations

from textual import work
from textual.screen import Screen
from textual.timer import Timer

from kiosk.appointment import ERROR_WORDS
from server.wire import protocol as p
from server.wire.session import ConnectionLost, Refused, ServerError

HELD_SECONDS = 1.0


class Drawing:
    """The draw of `KioskApp` (a mixin: the app holds the session, the keys and the printer)."""

    def issue(self, lang: str, service: str, *, interpreter: bool = False) -> None:
        """Draw a ticket, unless a draw is on its way: a second one (a tap the screen let through)
        would cancel it (its worker is exclusive) while the database may still make its ticket."""
        if not any(worker.group == "issue" and not worker.is_finished for worker in self.workers):
            self.screen.drawing()  # no button of the screen takes a tap until the answer
            self._issue(lang, service, interpreter)

    @work(exclusive=True, group="issue")
    async def _issue(self, lang: str, service: str, interpreter: bool) -> None:
        screen = self.screen
        sign = self.held_sign(screen, lang)
        try:
            await self._draw(screen, lang, service, interpreter)
        finally:  # the ticket is shown (printed: seconds on a slow serial line), or the problem said
            sign.stop()

    async def _draw(self, screen: Screen, lang: str, service: str, interpreter: bool) -> None:
        try:
            reply = await self.session.request(
                p.Draw(id=0, service=service, lang=lang, request=self.draw_keys.key(service, lang, interpreter),
                       interpreter=interpreter), retry=True)
        except (ServerError, ConnectionLost, Refused) as exc:  # no server for a while: say so, never exit
            self.draw_keys.answered(code := getattr(exc, "code", None))
            key = ERROR_WORDS.get(code) or (f"error.{code}" if f"error.{code}" in self.words(lang)
                                            else "error.out_of_service")
            screen.problem(self.said(lang, key))  # and its buttons are on again: the visitor may try again
            return
        self.draw_keys.answered()
        await self.hand_over(self.ticket_screen, reply, lang)

    def held_sign(self, screen: Screen, lang: str) -> Timer:
        """Say on `screen` that the ticket is coming once a draw (or a check-in, kiosk/appointment.py)
        is not answered, or its ticket not printed, for `HELD_SECONDS`; `stop()` the timer when the
        ticket is shown or the problem said."""
        return self.set_timer(HELD_SECONDS, lambda: self._show_held(screen, lang))

    def _show_held(self, screen: Screen, lang: str) -> None:
        if screen.is_attached and hasattr(screen, "held"):  # still there (not taken down meanwhile)
            screen.held(self.said(lang, "kiosk.ticket_coming"))

    async def hand_over(self, screen_class, reply: p.Reply, lang: str) -> None:
        """Print the ticket and show it; a ticket that could not be printed is shown on the
        screen or cancelled (the site's `on_print_failure`), never silently dropped."""
        printed = await self.print_ticket(reply, lang)
        if printed:
            message, failed = self.said(lang, "kiosk.take_ticket"), False
        elif self.on_print_failure == "cancel" and await self.cancel(reply.ticket.number):
            message, failed = self.said(lang, "kiosk.print_failed_cancel"), True
        else:  # not cancelled (no server, or it refused): the number stays the visitor's, on screen
            message, failed = self.said(lang, "kiosk.print_failed_show"), True
        screen = screen_class(lang, reply, message, failed=failed)
        self.push_screen(screen)
        self.back_to_start_later(screen)

    async def cancel(self, number: str) -> bool:
        """Cancel a ticket that could not be printed; False when the server could not be
        reached or refused (the ticket then stays valid and is shown: a fault on the network
        never ends the kiosk)."""
        if not self.session.connected:
            return False  # the visitor is not kept waiting for a server that is away
        try:
            await self.session.request(p.Cancel(id=0, ticket=number, reason="printer_failed"))
        except (ServerError, ConnectionLost, Refused) as exc:
            self.log.warning(f"ticket {number} could not be cancelled: {exc!r}")
            return False
        return True
