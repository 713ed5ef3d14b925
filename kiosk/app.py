"""The kiosk: a visitor picks their language, then their service, and takes a printed ticket.

Two touches to a ticket in the visitor's hand: language (each named in its own script),
service (large buttons, a one-line hint). The server decides everything; the kiosk shows what
it answered and prints it. A draw carries its own request id, so when the reply is lost it is
sent again and the server returns the same ticket: it prints once, never a made-up number.

When printing fails the visitor is told in their language and the ticket is not lost: the
number stays on the screen (`on_print_failure="show"`) or the draw is cancelled on the server
(`"cancel"`, an event, not a silent drop). The printer's health goes to the server (/healthz).
Without a server the kiosk says "out of service" in every language and waits for it.

Right-to-left text is shaped and ordered for the terminal by `kiosk.shaping`.

The words come from the server's welcome (the site's catalogues), so a kiosk needs no local
catalogue files; before the first welcome it can only say "out of service" in German and English.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
import weakref
from typing import Callable

from textual import events, on, work
from textual.app import App, ComposeResult
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Button, Digits, Static

from config import strings
from server.wire import protocol as p
from server.wire.session import ClientSession, ConnectionLost, Refused, ServerError

from kiosk.draw_keys import DrawKeys
from kiosk.drawing import Drawing
from kiosk.appointment import AppointmentButton, ScanReader
from kiosk.interpreter import InterpreterScreen, asks
from kiosk.register import RegisterButton, entry_seen
from printing.printers import Printer, PrinterError, open_printer
from kiosk.paragraph import Paragraph
from kiosk.shaping import PRESENTED, for_terminal, unshapeable  # noqa: F401 (tests and bench import them here)
from printing.raster import right_to_left
from kiosk.ticket import layout

FAILING = ("paper_out", "cover_open", "offline", "error")
WELCOMES, TAPS = 4, 2          # greetings and "tap your language" lines shown at once
ROTATE_SECONDS = 3.0
IDLE_CHECK_SECONDS = 0.25     # how often the idle limit is looked at
SERVICE_COLUMNS = 2            # kiosk.tcss: #services grid-size


def offered(languages, catalogues) -> list[str]:
    """`languages` that have a catalogue: a kiosk never shows one in another language's words."""
    return [lang for lang in languages if lang in catalogues]


def pages(items: list[str], size: int) -> list[list[str]]:
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]


def mirrored(items: list, columns: int, blank=None) -> list:
    """`items` in a grid of `columns` filled right to left, row by row (a right-to-left
    reader's first item stands top right); a short last row is padded with `blank` at its left.

    >>> mirrored([1, 2, 3, 4, 5], 2, blank=0)
    [2, 1, 4, 3, 0, 5]
    """
    rows = [items[i:i + columns] for i in range(0, len(items), columns)]
    return [item for row in rows for item in [blank] * (columns - len(row)) + row[::-1]]


class StartScreen(ScanReader, Screen):
    """Welcome in every language, a few at a time, every one within a rotation; one button per
    language, named in its own script; "I have an appointment" and a scanner (kiosk.appointment)."""

    def __init__(self, languages: list[str]):
        super().__init__()
        self.languages, self.turn = languages, 0

    def compose(self) -> ComposeResult:
        with Vertical(id="start"):
            yield Static(id="welcome", markup=False)
            yield Static(id="tap", markup=False)
            # the languages scroll between the greeting and the appointment/registration buttons:
            # at 80x24 thirteen of them pushed those two below the screen, where no visitor saw them
            with VerticalScroll(id="languages-scroll", can_focus=False):
                with Grid(id="languages"):
                    for lang in self.languages:
                        yield Button(Content(self.app.word(lang, "language_name")), id=f"lang-{lang}",
                                     classes="language")
            yield AppointmentButton(self.languages)
            yield RegisterButton(self.languages)  # places by lot, while registration is open (kiosk/register.py)
            yield Static("", id="printer-warning", markup=False)

    def on_mount(self) -> None:
        self.show_greetings()
        self.set_interval(ROTATE_SECONDS, self.rotate)
        self.app.show_printer_warning()

    def rotations(self) -> int:
        """Turns until every language was greeted (and asked to tap) once."""
        return max(len(pages(self.languages, WELCOMES)), len(pages(self.languages, TAPS)))

    def rotate(self) -> None:
        self.turn = (self.turn + 1) % self.rotations()
        self.show_greetings()

    def show_greetings(self) -> None:
        welcomes, taps = pages(self.languages, WELCOMES), pages(self.languages, TAPS)
        word = self.app.word
        for line, shown in (("#welcome", welcomes[self.turn % len(welcomes)]), ("#tap", taps[self.turn % len(taps)])):
            key = "kiosk.welcome" if line == "#welcome" else "kiosk.tap_language"
            for widget in self.query(line).results(Static):  # none while the screen is taken down
                widget.update(" · ".join(word(lang, key) for lang in shown))


class ServiceButton(Button):
    """A service's button: its name and hint broken into lines at the button's width in reading
    order (`Paragraph`)."""

    def __init__(self, label: Paragraph, **options):
        super().__init__(Content(str(label)), classes="service", **options)
        self.paragraph = label

    def render(self) -> Paragraph:
        return self.paragraph


class ServiceScreen(Screen):
    def __init__(self, lang: str, services: list[p.ServiceView]):
        super().__init__()
        self.lang, self.services = lang, services

    def compose(self) -> ComposeResult:
        word, paragraph = self.app.word, self.app.paragraph
        rtl = "rtl" if self.app.words(self.lang)["direction"] == "rtl" else ""
        with Vertical(id="services-screen", classes=rtl):
            yield Static(self.app.said(self.lang, "kiosk.choose_service"), id="question", markup=False)
            # right under the question, where the visitor reads on: at 80x24 the services fill the
            # screen below it, and a sign under them ("your ticket is being made") went unseen
            yield Static("", id="problem", markup=False)
            buttons = []
            for service in self.services:
                name = service.names.get(self.lang) or service.names["de"]
                hint = service.hints.get(self.lang, "")
                label = paragraph(self.lang, name + (f"\n{hint}" if hint else ""))
                buttons.append(ServiceButton(label, id=f"service-{service.id}"))
            # a right-to-left reader's first service stands top right; a short row's gap at the left
            shown_order = mirrored(buttons, SERVICE_COLUMNS, blank=None) if rtl else buttons
            # the services scroll between the question and Back: at 80x24 seven of them filled
            # the screen and pushed Back below it, so a visitor could not see how to go back
            with VerticalScroll(id="services-scroll", can_focus=False):
                with Grid(id="services"):
                    for button in shown_order:
                        yield button if button is not None else Static("", classes="gap")
            with Horizontal(id="service-buttons"):
                yield Button(Content(word(self.lang, "kiosk.back")), id="back")
                yield Button(Content(word(self.lang, "privacy.link")), id="privacy")

    @property
    def focus_chain(self) -> list[Widget]:
        """Tab goes through the services in reading order, right to left along a row in a
        right-to-left screen, as the reader does: Textual orders focus by place (top to bottom,
        then left to right), so the services take their places in its chain in the site's order."""
        chain = super().focus_chain
        order = {f"service-{service.id}": place for place, service in enumerate(self.services)}
        services = iter(sorted((w for w in chain if w.id in order), key=lambda w: order[w.id or ""]))
        return [next(services) if widget.id in order else widget for widget in chain]

    def on_mount(self) -> None:
        """The focus on the first service in reading order, in either direction."""
        if self.services:
            self.query_one(f"#service-{self.services[0].id}").focus()

    def drawing(self) -> None:
        """A draw is on its way: no button takes a tap until it is answered (`problem`, or the ticket)."""
        for button in self.query(Button):
            button.disabled = True

    def held(self, text: Paragraph) -> None:
        """The draw is held (the database briefly away): "one moment, your ticket is being made"."""
        self.query_one("#problem", Static).set_class(True, "held").update(text)

    def problem(self, text: Paragraph) -> None:
        """The draw failed (closed, no server ...): say why and let the visitor try again."""
        self.query_one("#problem", Static).set_class(False, "held").update(text)
        for button in self.query(Button):
            button.disabled = False


class PrivacyScreen(Screen):
    """What the office keeps about a visit (no name), in the visitor's language; Back returns."""

    def __init__(self, lang: str, days: int):
        super().__init__()
        self.lang, self.days = lang, days

    def compose(self) -> ComposeResult:
        said = self.app.said
        rtl = "rtl" if self.app.words(self.lang)["direction"] == "rtl" else ""
        with Vertical(id="privacy-screen", classes=rtl):
            # `said` shows a text as the terminal can (shaped, in visual order): once, not twice
            yield Static(said(self.lang, "privacy.title"), id="privacy-title", markup=False)
            yield Static(said(self.lang, "privacy.text", days=self.days), id="privacy-text", markup=False)
            if self.app.site.access:  # places by lot: a registrant's name is kept for a day (kiosk/register.py)
                yield Static(said(self.lang, "register.privacy_text"), id="privacy-register", markup=False)
            yield Button(Content(self.app.word(self.lang, "kiosk.back")), id="privacy-back")


class TicketScreen(Screen):
    """The number large, the wait, and what to do now."""

    def __init__(self, lang: str, reply: p.Reply, message: Paragraph, *, failed: bool):
        super().__init__()
        self.lang, self.reply, self.message, self.failed = lang, reply, message, failed

    def compose(self) -> ComposeResult:
        word, eta = self.app.said, self.reply.eta
        with Vertical(id="ticket", classes="failed" if self.failed else ""):
            yield Static(word(self.lang, "kiosk.your_number"), id="number-label", markup=False)
            yield Digits(self.reply.ticket.number, id="number")
            yield Static(word(self.lang, "ticket.ahead", n=self.reply.ahead or 0), id="ahead", markup=False)
            yield Static(word(self.lang, "ticket.eta", low=eta[0], high=eta[1]) if eta
                         else word(self.lang, "ticket.no_eta"), id="eta", markup=False)
            if self.reply.ticket.interpreter:
                yield Static(word(self.lang, "interpreter.on_ticket"), id="interpreter-asked", markup=False)
            yield Static(self.message, id="message", markup=False)


class OutOfService(Screen):
    def __init__(self, languages: list[str]):
        super().__init__()
        self.languages = languages

    def compose(self) -> ComposeResult:
        with Vertical(id="out-of-service"):
            for lang in self.languages:
                yield Static(self.app.said(lang, "error.out_of_service"), markup=False, classes="rtl" if right_to_left(
                    self.app.words(lang)["error.out_of_service"]) else "")


class KioskApp(Drawing, App, inherit_bindings=False):
    """No key of Textual's own: Ctrl+Q (quit), Ctrl+C and the command palette (Ctrl+P, which
    offers "Quit") would let a visitor at a keyboard end the kiosk. Staff stop it from outside:
    `systemctl stop willkommen-kiosk` (deploy/), or SIGTERM to its process."""

    CSS_PATH = "kiosk.tcss"
    TITLE = "Willkommen"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = []
    ticket_screen = TicketScreen  # what a draw's answer shows (kiosk/drawing.py)

    def __init__(self, session: ClientSession, *, printer: Printer | None = None, printer_url: str | None = None,
                 on_print_failure: str = "show", idle_seconds: float = 30.0, health_seconds: float = 30.0,
                 new_request: Callable[[], str] = lambda: uuid.uuid4().hex,
                 key_clock: Callable[[], float] = time.monotonic, clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self.key_clock = key_clock  # when a scanner's keystrokes came (kiosk.appointment.Scanner)
        # the idle limit: read on `clock` (a test sets it), checked a few times a second
        self.clock, self.attended_at = clock, clock()
        self.visitor_screens: weakref.WeakSet[Screen] = weakref.WeakSet()  # what the idle limit takes away
        self.idle_check: Timer | None = None
        self.session, self.printer, self.printer_url = session, printer, printer_url
        self.on_print_failure, self.idle_seconds, self.health_seconds = on_print_failure, idle_seconds, health_seconds
        self.draw_keys = DrawKeys(new_request)  # a draw the database did not confirm is sent again with its key
        self.printer_state: str | None = None
        # one conversation with the printer at a time: the health check and a ticket's own status
        # question run in threads, and two DLE EOT questions at once read each other's answer
        # (or none: "offline"), so a ticket went unprinted right after the cover was closed
        self.printer_lock = threading.Lock()
        self.reported: str | None = None  # the printer state the server acknowledged
        self.site: p.SiteView | None = None
        # the site's catalogues arrive with the welcome; before it, only "out of service"
        self.catalogues: dict[str, dict[str, str]] = {lang: dict(strings(lang)) for lang in ("de", "en")}
        self.unjoined: set[str] = set()   # languages the terminal shows unjoined (see for_terminal)
        session.on_state = self._connection_changed

    @property
    def languages(self) -> list[str]:
        """The site languages the kiosk offers: those whose catalogue came in the welcome."""
        return offered(self.site.languages, self.catalogues) if self.site else ["de", "en"]

    def words(self, lang: str) -> dict[str, str]:
        return self.catalogues[lang] if lang in self.catalogues else self.catalogues["de"]

    def shown(self, lang: str, text: str) -> str:
        """`text` of language `lang` as the terminal can show it."""
        return for_terminal(text, joined=lang not in self.unjoined)

    def word(self, lang: str, key: str, **fields) -> str:
        return self.shown(lang, self.words(lang)[key].format(**fields))

    def paragraph(self, lang: str, text: str) -> Paragraph:
        """`text` of language `lang` for a widget that may break it into lines: broken in
        reading order at the widget's width, each line then ordered for the terminal."""
        return Paragraph(text, joined=lang not in self.unjoined)

    def said(self, lang: str, key: str, **fields) -> Paragraph:
        """A sentence of the catalogue as a `paragraph`."""
        return self.paragraph(lang, self.words(lang)[key].format(**fields))

    def on_mount(self) -> None:
        self.push_screen(OutOfService(["de", "en"]))
        self.follow_server()
        self.set_interval(self.health_seconds, self.check_printer)
        self.idle_check = self.set_interval(min(IDLE_CHECK_SECONDS, self.idle_seconds / 4), self.check_idle)

    async def on_event(self, event: events.Event) -> None:
        """Every tap and key, whatever takes it, restarts the idle limit: a visitor typing a
        code or reading the services is never sent back mid-way."""
        if isinstance(event, (events.Key, events.MouseDown)):
            self.attended_at = self.clock()
        await super().on_event(event)

    async def on_unmount(self) -> None:
        self.session.on_state = None
        await self.session.close()
        if self.printer is not None:
            await asyncio.to_thread(self.printer.close)

    # ---- the server ----------------------------------------------------------------------

    @work(exclusive=True, group="session")
    async def follow_server(self) -> None:
        self.session.start()
        async for event in self.session.events():
            if isinstance(event, p.StringsChanged):  # a language file adopted on the board (queues: unused here)
                self.catalogues_changed(event.strings)
            elif isinstance(event, p.EntrySeen):  # a registration's result page opened: its QR code goes
                entry_seen(self, event.entry)

    def catalogues_changed(self, catalogues: dict[str, dict[str, str]]) -> None:
        """The office adopted a language file (`server.network.in_force`): the new words from the
        next screen on; the start screen, where no visitor is mid-way, is shown again at once."""
        self.catalogues = catalogues or self.catalogues
        self.unjoined = {lang for lang in self.site.languages if any(map(unshapeable, self._texts(lang)))}
        if isinstance(self.screen, StartScreen):
            self.switch_to_start()

    def _connection_changed(self, connected: bool) -> None:
        if connected:
            welcome = self.session.welcome
            self.site = welcome.site
            self.catalogues = welcome.strings or self.catalogues
            if missing := [lang for lang in self.site.languages if lang not in self.catalogues]:
                # a server that sent no catalogue for a language (an older one): not offered,
                # rather than a second "Deutsch" button in German
                self.log.error(f"no catalogue for {', '.join(missing)} in the server's welcome: not offered")
            self.unjoined = {lang for lang in welcome.site.languages if any(map(unshapeable, self._texts(lang)))}
            self.printer_url = self.printer_url or welcome.printer
            self.reported = None  # a (restarted) server knows nothing of our printer yet
            self.switch_to_start()
            self.check_printer()
        elif not isinstance(self.screen, OutOfService):
            self.push_screen(OutOfService(self.languages))

    def _texts(self, lang: str) -> list[str]:
        """Everything the kiosk may show in `lang`."""
        services = self.site.services
        return [*self.words(lang).values(), *(s.names.get(lang, "") for s in services),
                *(s.hints.get(lang, "") for s in services)]

    def switch_to_start(self) -> None:
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(StartScreen(self.languages))
        self.show_printer_warning()
        if not self.session.connected:  # the server went away while a visitor held their number
            self.push_screen(OutOfService(self.languages))

    # ---- the visitor ---------------------------------------------------------------------

    @on(Button.Pressed, ".language")
    def language_chosen(self, event: Button.Pressed) -> None:
        lang = event.button.id.removeprefix("lang-")
        screen = ServiceScreen(lang, self.site.services)
        self.push_screen(screen)
        self.back_to_start_later(screen)

    @on(Button.Pressed, "#back")
    def back(self) -> None:
        self.switch_to_start()

    @on(Button.Pressed, "#privacy")
    def privacy(self) -> None:
        screen = PrivacyScreen(self.screen.lang, self.site.retention_days)
        self.push_screen(screen)
        self.back_to_start_later(screen)

    @on(Button.Pressed, "#privacy-back")
    def privacy_back(self) -> None:
        self.pop_screen()

    @on(Button.Pressed, ".service")
    def service_chosen(self, event: Button.Pressed) -> None:
        event.button.disabled = True  # a second touch must not draw a second ticket
        lang, service = self.screen.lang, event.button.id.removeprefix("service-")
        if asks(lang):  # "Do you need help with German?" (kiosk/interpreter.py), then the draw (kiosk/drawing.py)
            self.push_screen(screen := InterpreterScreen(lang, lambda needs: self.issue(lang, service, interpreter=needs)))
            self.back_to_start_later(screen)
        else:
            self.issue(lang, service)

    def back_to_start_later(self, screen: Screen) -> None:
        """The start screen returns when nobody touched the kiosk for `idle_seconds` while it
        shows `screen` (or another visitor's screen); a screen that is not a visitor's (out of
        service while the server is away) is never taken away by it."""
        self.visitor_screens.add(screen)
        self.attended_at = self.clock()

    def check_idle(self) -> None:
        if any(w.group in ("issue", "checkin") and not w.is_finished for w in self.workers):
            self.attended_at = self.clock()  # a ticket on its way (a slow serial line): the visitor waits for it
        elif self.screen_stack and self.screen in self.visitor_screens \
                and self.clock() - self.attended_at >= self.idle_limit():
            self.switch_to_start()

    def idle_limit(self) -> float:
        """The idle limit, or a screen's shorter own (a registration's QR code whose slip printed)."""
        return min(self.idle_seconds, getattr(self.screen, "idle_limit", None) or self.idle_seconds)

    # ---- the printer ---------------------------------------------------------------------

    async def print_ticket(self, reply: p.Reply, lang: str) -> bool:
        blocks = layout(self.site, reply, lang=lang, timezone=self.site.timezone, words=self.words(lang))
        try:
            failing = await asyncio.to_thread(self._print_now, blocks)
        except PrinterError as exc:
            self.log.warning(f"printing failed: {exc}")
            await self.report("error", str(exc))
            return False
        if failing:
            await self.report(failing)
            return False
        return True

    def _print_now(self, blocks) -> str | None:
        """In a thread: open the printer if needed, ask its state; print, or say why not."""
        with self.printer_lock:
            printer = self._printer()
            state = printer.status()
            if state in FAILING:
                return state
            printer.print(blocks)
            return None

    def _printer_status(self) -> str:
        with self.printer_lock:
            return self._printer().status() or "ok"

    def _printer(self) -> Printer:
        if self.printer is None:
            if not self.printer_url:
                raise PrinterError("no printer configured (--printer or the terminal's printer in the site config)")
            self.printer = open_printer(self.printer_url)
        return self.printer

    @work(exclusive=True, group="health")
    async def check_printer(self) -> None:
        try:
            state = await asyncio.to_thread(self._printer_status)
            detail = ""
        except PrinterError as exc:
            state, detail = "error", str(exc)
        await self.report(state, detail)

    async def report(self, state: str, detail: str = "") -> None:
        """Show the printer's state on the start screen and tell the server when it changed
        since the server last heard (a lost report is sent again at the next check)."""
        self.printer_state = state
        self.show_printer_warning()
        if state == self.reported or not self.session.connected:
            return
        try:
            await self.session.request(p.Printer(id=0, state=state, detail=detail[:200]))
        except (ServerError, ConnectionLost, Refused):
            return
        self.reported = state

    def show_printer_warning(self) -> None:
        for warning in self.screen.query("#printer-warning"):  # only on the start screen
            failing = self.printer_state in FAILING and self.site is not None
            warning.update(" · ".join(self.word(lang, "kiosk.no_printer") for lang in self.languages[:2])
                           if failing else "")
