"""Visitors with an appointment: they check in at the kiosk with their booking code.

    start screen ── "I have an appointment" ──> their language ──> keypad ──> interpreter? ──> ticket
         └──────── a scanned code (any of these screens) ──────────────────────────────────┘

The keypad has the characters booking codes are made of (the import keeps a code as the
booking system writes it, in capitals): 0-9, A-Z and "-", large keys for fingers. A barcode
or QR scanner set up as a keyboard ("HID keyboard wedge") types the code and Enter; on the
start, language and keypad screens (and on the answers to a check-in, for the next visitor)
those keystrokes are collected by `Scanner` and Enter checks the code in, whatever button has
the focus. Outside the keypad a person does not type, so any characters followed by Enter are
taken as a scan; a pause longer than `SCAN_GAP` starts a new code, so a half-read label never
joins the next one.

On the keypad a physical keyboard types as the keys do, at any speed: each character appears
in the code at once, Backspace deletes the last, Enter checks the code in (or, with nothing
typed, says what to do). Keys that come at a scanner's speed (every one within
`SCANNER_KEY_GAP` of the last, ~10 ms from a scanner, 100 ms at the very fastest from a
person) and end with Enter are a scan: the scanned code replaces what was touched before it.

A code is checked before the visitor is asked about an interpreter (`Checkin.check`): a
cancelled or mistyped code is told at once, and the question comes once, for a code that
will give a ticket.

The server decides (`server/core/checkin.py`): early (the ticket says they may be called
before their time, at the latest from it, to stay in the waiting room, and the people ahead and
the estimate a walk-in gets: an early visitor waits as one until the time comes), on time, late within the site's grace minutes, or late beyond them (a walk-in
ticket, or `too_late` where the site refuses late visitors). The ticket shows the appointment
time on paper and on the screen. An unknown code, or one whose visit is over
(`visit_finished`), is a message in the visitor's language and nothing is printed; a code scanned before anyone chose a language is answered in every site
language, as "out of service" is.
"""

from __future__ import annotations

import time as clock
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Digits, Static

from server.wire import protocol as p
from server.wire.session import ConnectionLost, Refused, ServerError

from kiosk.interpreter import InterpreterScreen, asks
from kiosk.start_button import StartButton
from kiosk.paragraph import Paragraph

KEYS = "1234567890ABCDEFGHIJKLMNOPQRSTUVWXYZ-"
MAX_TYPED = 32           # characters on the keypad: booking codes are short
SCAN_GAP = 0.5           # seconds between a scanner's keystrokes at most (they come ~10 ms apart)
SCANNER_KEY_GAP = 0.05   # keys closer than this, all of a code's, came from a scanner, not a hand
ERROR_WORDS = {"unknown_booking": "appointment.unknown", "too_late": "appointment.too_late",
               "visit_finished": "appointment.finished",
               # the office's database is being reached again (a failover): the session retried for
               # its timeout; "please wait a moment and try again" is what the visitor can do
               "busy": "error.rate_limited",
               # done, but the database has not confirmed it (its standby away): the same, for the visitor
               "unconfirmed": "error.rate_limited"}


class Scanner:
    """Keystrokes to codes: characters in quick succession, ended by Enter. Pure: the caller
    says when each key came (`at`, seconds on a monotonic clock)."""

    def __init__(self, gap: float = SCAN_GAP):
        self.gap, self.chars, self.last, self.slowest = gap, [], None, 0.0

    def key(self, char: str, at: float) -> None:
        if self.last is not None and at - self.last > self.gap:
            self.chars.clear()  # a stale beginning: the label was read only in part
            self.slowest = 0.0
        elif self.last is not None and self.chars:
            self.slowest = max(self.slowest, at - self.last)
        if len(self.chars) < p.MAX_KEY:
            self.chars.append(char)
        self.last = at

    def machine(self, at: float) -> bool:
        """Whether the keys since the last pause, and an Enter `at`, came at a scanner's speed."""
        return (len(self.chars) > 1 and self.last is not None
                and max(self.slowest, at - self.last) <= SCANNER_KEY_GAP)

    def enter(self, at: float) -> str:
        """The code just scanned ("" when nothing came, or it came too long ago)."""
        fresh = self.last is not None and at - self.last <= self.gap
        code, self.chars, self.last, self.slowest = "".join(self.chars).strip() if fresh else "", [], None, 0.0
        return code


class ScanReader:
    """For screens: a scanner's keystrokes and Enter check a code in (mix in before Screen)."""

    scan_lang: str | None = None   # the visitor's language, when they chose one

    def on_key(self, event: events.Key) -> None:
        scanner = self.__dict__.setdefault("_scanner", Scanner())
        now = getattr(self.app, "key_clock", clock.monotonic)()
        if event.key == "enter":
            code = scanner.enter(now)
            if code:
                event.stop()  # not a press of the focused button
                event.prevent_default()
                check_in(self.app, code, self.scan_lang)
        elif event.character and event.is_printable:  # a space too: some codes have one
            scanner.key(event.character, now)
            event.stop()


class AppointmentButton(StartButton):
    """On the start screen: "I have an appointment", in two site languages at a time."""

    WORD = "appointment.button"

    def __init__(self, languages: list[str]):
        super().__init__(languages, id="appointment")

    def first_screen(self) -> Screen:
        return LanguageScreen(self.languages)


class LanguageScreen(ScanReader, Screen):
    """Which language the keypad speaks: every site language, named in its own script."""

    CSS_PATH = "appointment.tcss"

    def __init__(self, languages: list[str]):
        super().__init__()
        self.languages = languages

    def compose(self) -> ComposeResult:
        word = self.app.word
        with Vertical(id="appointment-languages"):
            yield Static(" · ".join(word(lang, "appointment.button") for lang in self.languages[:4]), id="title",
                         markup=False)
            with Grid(id="keypad-languages"):
                for lang in self.languages:
                    yield Button(Content(word(lang, "language_name")), id=f"code-lang-{lang}", classes="code-language")
            yield Button(Content(word(self.languages[0], "kiosk.back")), id="back")

    @on(Button.Pressed, ".code-language")
    def chosen(self, event: Button.Pressed) -> None:
        event.stop()
        screen = KeypadScreen(event.button.id.removeprefix("code-lang-"))
        self.app.push_screen(screen)
        self.app.back_to_start_later(screen)


class KeypadScreen(ScanReader, Screen):
    """The booking code on large keys, in the visitor's language."""

    CSS_PATH = "appointment.tcss"

    def __init__(self, lang: str):
        super().__init__()
        self.lang = self.scan_lang = lang
        self.typed = ""

    def compose(self) -> ComposeResult:
        word = self.app.word
        rtl = "rtl" if self.app.words(self.lang)["direction"] == "rtl" else ""
        with Vertical(id="keypad-screen", classes=rtl):
            yield Static(self.app.said(self.lang, "appointment.enter_code"), id="question", markup=False)
            yield Static("", id="code", markup=False)  # a scanned code is text, whatever it holds
            with Grid(id="keypad"):
                for key in KEYS:
                    yield Button(Content(key), id=f"key-{key}", classes="key")
                yield Button(Content("⌫"), id="key-delete", classes="key")
                yield Button(Content(word(self.lang, "appointment.check_in")), id="key-ok", classes="key")
            yield Static("", id="problem", markup=False)
            yield Button(Content(word(self.lang, "kiosk.back")), id="back")

    @on(Button.Pressed, ".key")
    def key(self, event: Button.Pressed) -> None:
        event.stop()
        key = event.button.id.removeprefix("key-")
        if key == "ok":
            self.submit()
            return
        self.show_code(self.typed[:-1] if key == "delete" else self.typed + key)
        self.problem("")

    def on_key(self, event: events.Key) -> None:
        """A keyboard types on the keypad as its keys do; a scan replaces what was there."""
        scanner = self.__dict__.setdefault("_scanner", Scanner())
        now = getattr(self.app, "key_clock", clock.monotonic)()
        if event.key in ("enter", "backspace") or (event.character and event.is_printable):
            event.stop()  # not a press of the focused button
            event.prevent_default()
        if event.key == "enter":
            scanned = scanner.machine(now)
            code = scanner.enter(now)
            if scanned and code:
                self.show_code(code)  # what the scanner read stays there to be corrected
            self.submit()
        elif event.key == "backspace":
            self.show_code(self.typed[:-1])
            self.problem("")
        elif event.character and event.is_printable:
            scanner.key(event.character, now)
            self.show_code(self.typed + event.character)
            self.problem("")

    def submit(self) -> None:
        """Check the code in, or say what to do when nothing was typed."""
        if not self.typed.strip():
            self.problem(self.app.said(self.lang, "appointment.enter_code"))
            return
        check_in(self.app, self.typed, self.lang)

    def show_code(self, code: str) -> None:
        self.typed = code[:MAX_TYPED]
        self.query_one("#code", Static).update(self.typed)

    def problem(self, text: Paragraph | str) -> None:
        self.query_one("#problem", Static).set_class(False, "held").update(text)

    def held(self, text: Paragraph) -> None:
        """The check-in is held (the database briefly away): "one moment, your ticket is being made"."""
        self.query_one("#problem", Static).set_class(True, "held").update(text)


class AppointmentTicketScreen(ScanReader, Screen):
    """The number large, the appointment's time and when they will be called."""

    CSS_PATH = "appointment.tcss"

    def __init__(self, lang: str, reply: p.Reply, message: Paragraph, *, failed: bool):
        super().__init__()
        self.lang, self.reply, self.message, self.failed = lang, reply, message, failed

    def compose(self) -> ComposeResult:
        word, reply = self.app.said, self.reply
        time = local_time(reply.booking.due_at, self.app.site.timezone)
        with Vertical(id="ticket", classes="failed" if self.failed else ""):
            yield Static(word(self.lang, "kiosk.your_number"), id="number-label", markup=False)
            yield Digits(reply.ticket.number, id="number")
            if reply.arrival == "late":
                yield Static(word(self.lang, "appointment.late_walk_in", time=time), id="when", markup=False)
            else:
                yield Static(word(self.lang, "appointment.time", time=time), id="appointment-time", markup=False)
                yield Static(word(self.lang, f"appointment.{reply.arrival}", time=time), id="when", markup=False)
            if reply.arrival != "on_time":  # early or late: waits among walk-ins, so told as they are
                eta = reply.eta
                yield Static(word(self.lang, "ticket.ahead", n=reply.ahead or 0), id="ahead", markup=False)
                yield Static(word(self.lang, "ticket.eta", low=eta[0], high=eta[1]) if eta
                             else word(self.lang, "ticket.no_eta"), id="eta", markup=False)
            if reply.ticket.interpreter:  # as on a walk-in's screen: what the visitor asked for is told
                yield Static(word(self.lang, "interpreter.on_ticket"), id="interpreter-asked", markup=False)
            yield Static(self.message, id="message", markup=False)


class CheckinProblem(ScanReader, Screen):
    """A code scanned before a language was chosen was refused: the reason in every language."""

    CSS_PATH = "appointment.tcss"

    def __init__(self, key: str, languages: list[str]):
        super().__init__()
        self.key, self.languages = key, languages

    def compose(self) -> ComposeResult:
        with Vertical(id="checkin-problem"):
            for lang in self.languages:
                yield Static(self.app.said(lang, self.key), classes="problem-line", markup=False)
            yield Button(Content(self.app.word(self.languages[0], "kiosk.back")), id="back")


def local_time(at: float, timezone: str) -> str:
    return datetime.fromtimestamp(at, ZoneInfo(timezone)).strftime("%H:%M")


def check_in(app, code: str, lang: str | None) -> None:
    """Check `code` in, in a worker of the app's; a visitor who chose a language other than
    German is first asked whether they need an interpreter (kiosk/interpreter.py), once the
    server said the code gives a ticket. A second OK or scan while one is under way is ignored
    (cancelling the first mid-print could print the ticket twice)."""
    if not code.strip() or _busy(app):
        return
    if lang is not None and asks(lang):
        app.run_worker(_check_first(app, code.strip(), lang), group="checkin")
    else:
        _start(app, code.strip(), lang, False)


def _busy(app) -> bool:
    return any(w.group == "checkin" and not w.is_finished for w in app.workers)


def _start(app, code: str, lang: str | None, interpreter: bool) -> None:
    if not _busy(app):
        app.run_worker(_check_in(app, code, lang, interpreter), group="checkin")


async def _check_first(app, code: str, lang: str) -> None:
    """Ask the server whether `code` gives a ticket; then the interpreter question (not for a
    visitor whose ticket is already out: checking in again shows that ticket as it was)."""
    sign = app.held_sign(app.screen, lang)  # the database briefly away: "your ticket is being made"
    try:
        reply = await app.session.request(p.Checkin(id=0, booking=code, lang=lang, check=True), retry=True)
    except (ServerError, ConnectionLost, Refused) as exc:  # no server: "out of service", never an exit
        refused(app, getattr(exc, "code", "out_of_service"), lang)
        return
    finally:
        sign.stop()
    if reply.ticket is not None:
        await _check_in(app, code, lang, False)
        return
    app.push_screen(screen := InterpreterScreen(lang, partial(_start, app, code, lang)))
    app.back_to_start_later(screen)


async def _check_in(app, code: str, lang: str | None, interpreter: bool) -> None:
    # a scan on the start screen (no language yet) has no language to say it in
    sign = app.held_sign(app.screen, lang) if lang is not None else None
    try:
        await _checked_in(app, code, lang, interpreter)
    finally:  # the ticket is shown (printed: seconds on a slow serial line), or the problem said
        if sign is not None:
            sign.stop()


async def _checked_in(app, code: str, lang: str | None, interpreter: bool) -> None:
    try:
        reply = await app.session.request(p.Checkin(id=0, booking=code, lang=lang, interpreter=interpreter),
                                          retry=True)
    except (ServerError, ConnectionLost, Refused) as exc:
        refused(app, getattr(exc, "code", "out_of_service"), lang)
        return
    lang = reply.ticket.lang  # the visitor's choice, or the booking's when they only scanned
    await app.hand_over(AppointmentTicketScreen, reply, lang)


def refused(app, code: str, lang: str | None) -> None:
    """Say why in the visitor's language (on the keypad), or in all (a scan before that)."""
    key = ERROR_WORDS.get(code) or (f"error.{code}" if f"error.{code}" in app.words("de") else "error.out_of_service")
    if isinstance(app.screen, InterpreterScreen):
        app.pop_screen()  # back to the keypad, with the code there to correct
    if lang is not None and isinstance(app.screen, KeypadScreen):
        app.screen.problem(app.said(lang, key))
        return
    screen = CheckinProblem(key, [lang] if lang else app.languages)
    app.push_screen(screen)
    app.back_to_start_later(screen)
