"""Registering at the kiosk for the day's places by lot (issue #27), for visitors without a phone.

    start screen ── "Register for a place" (only while the window is open) ──> their language
        ──> the form: service (only those given by lot), name as in the passport, date of birth,
            a mobile number or e-mail and the day the permit expires (both optional)
            ──> "registered": the draw's time, a QR code of
            the result page (/register/<entry>) on the screen and on a printed slip

The kiosk sends the same `register` as the phone page (server/wire/access.py) through its own
socket; the server marks it as from the kiosk and answers `registered` or an error, said in the
visitor's language. The window comes with the welcome (`SiteView.access`): from `opens` the day
before until `closes` on the day, in the site's time zone; outside it the button is not shown.

Every field is a Textual `Input`: a keyboard types into it at any speed, a scanner's burst
included (the start screen's scanner, which checks a place's code in, is not listening here);
Enter goes to the next field and, from the last, registers. Everything the visitor typed stays
when the server refuses it, to be corrected.
"""

from __future__ import annotations

import asyncio
import io
import time as clock
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import segno
from babel.dates import format_date
from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static

from config import languages
from config.access import SAID_WITH_THE_DAY_BEFORE
from printing.blocks import QR, Block, Cut, Text
from printing.printers import PrinterError
from server.wire import protocol as p
from server.wire.access import MAX_NAME, latin_letters
from server.wire.session import ConnectionLost, Refused, ServerError

from kiosk.start_button import StartButton

TIMES = ("opens", "closes", "draw_at")
TAKE_SLIP_SECONDS = 15.0  # the QR code on the screen after the slip printed, if nobody touches the kiosk


def window_open(access: p.AccessView | None, now: float, timezone: str) -> bool:
    """Whether registration is open at `now`: from `opens` (for the next day) until `closes`,
    or with `same_day` from `opens` until `closes` of the same day."""
    if access is None:
        return False
    at = datetime.fromtimestamp(now, ZoneInfo(timezone)).time()
    opens, closes = time.fromisoformat(access.opens), time.fromisoformat(access.closes)
    return opens <= at < closes if access.same_day else at >= opens or at < closes


def window_key(access: p.AccessView, key: str) -> str:
    """The catalogue key saying the window as it is (`config.access.Access.words`): "from 14:00
    the day before until 06:00 on the day", or on the day itself (`same_day`, the demo's)."""
    return f"{key}_same_day" if access.same_day and key in SAID_WITH_THE_DAY_BEFORE else key


def birth_date(day: str, month: str, year: str) -> str:
    """The date as the server takes it ("1991-03-07"), or "" for no such day (or a future one)."""
    try:
        born = date(int(year), int(month), int(day))
    except ValueError:
        return ""
    return born.isoformat() if len(year) == 4 and date(1900, 1, 1) <= born <= date.today() else ""


def when(at: float, timezone: str, lang: str) -> str:
    """The draw's date and time the way the visitor's language writes them ("Tuesday, 8 December
    2026, 06:05"): a slip kept overnight names the day, not only the weekday."""
    moment = datetime.fromtimestamp(at, ZoneInfo(timezone))
    return f"{long_day(moment.date().isoformat(), lang)}, {moment:%H:%M}"


def long_day(day: str, lang: str) -> str:
    """A lottery day ("2026-12-08") as a date with its weekday in the visitor's language."""
    locale = languages.locale(lang)
    return format_date(date.fromisoformat(day), "full", locale=locale) if locale else day


def expires_on(day: str, month: str, year: str) -> str | None:
    """The day a permit expires ("2026-12-20"), or None for no such day."""
    try:
        return date(int(year), int(month), int(day)).isoformat() if len(year) == 4 else None
    except ValueError:
        return None


def contact_ok(text: str) -> bool:
    """As the server reads a contact: none, a mobile number (6 to 15 digits) or an address."""
    if not text:
        return True
    if "@" in text:
        local, _, host = text.rpartition("@")
        return bool(local) and "." in host and " " not in text
    digits = sum(c.isdigit() for c in text)
    return all(c.isdigit() or c in "+ -/()" for c in text) and 6 <= digits <= 15


def result_url(site: p.SiteView, entry: str, lang: str) -> str:
    return f"{site.public_url.rstrip('/')}/register/{entry}?lang={lang}"


def qr_text(url: str) -> str:
    """The QR code in block characters: a phone reads it off the kiosk's screen."""
    out = io.StringIO()
    segno.make(url, error="l").terminal(out=out, compact=True, border=2)
    return out.getvalue().rstrip("\n")


def slip(site: p.SiteView, words: dict[str, str], lang: str, said: tuple[str, str], url: str) -> list[Block]:
    """The printed slip: the office, "registered for <day>", the draw's time and how the result
    comes, the QR of the result page."""
    heading, waiting = said
    return [Text(site.name, bold=True, lang="de"), Text(heading, size=2, bold=True, lang=lang),
            Text(waiting, lang=lang), QR(url), Text(words["register.scan"], lang=lang), Cut()]


def registered_words(words: dict[str, str], lang: str, registered: p.Registered, timezone: str,
                     contact: str) -> tuple[str, str]:
    """The heading that confirms ("Registered for Tuesday, 8 December 2026") and what follows:
    the draw's date and time, and how the result comes — by text or e-mail to a contact given,
    else through the slip's QR code (the kiosk does not show results)."""
    heading = words["register.kiosk_done"].format(day=long_day(registered.day, lang))
    waiting = words["register.waiting"].format(draw_at=when(registered.draw_at, timezone, lang))
    return heading, f"{waiting} {words['register.kiosk_contact' if contact else 'register.kiosk_no_contact']}"


async def print_slip(app, blocks: list[Block]) -> bool:
    """Print the slip on the kiosk's printer; the screen shows the same QR code, so a printer
    that fails loses nothing (it is reported as a ticket's failure is)."""
    try:
        failing = await asyncio.to_thread(app._print_now, blocks)
    except PrinterError as exc:
        await app.report("error", str(exc))
        return False
    if failing:
        await app.report(failing)
    return not failing


class RegisterButton(StartButton):
    """On the start screen: "Register for a place" in two site languages at a time, shown only
    while the window is open."""

    WORD = "register.title"

    def __init__(self, languages: list[str]):
        super().__init__(languages, id="register")

    def show(self) -> None:
        app = self.app
        now = getattr(app, "wall_clock", clock.time)()  # a test sets the kiosk's wall clock
        self.display = window_open(app.site.access if app.site else None, now,
                                   app.site.timezone if app.site else "UTC")
        super().show()

    def first_screen(self) -> Screen:
        return RegisterLanguageScreen(self.languages)


class RegisterLanguageScreen(Screen):
    """Which language the form speaks: every site language, named in its own script."""

    CSS_PATH = "register.tcss"

    def __init__(self, languages: list[str]):
        super().__init__()
        self.languages = languages

    def compose(self) -> ComposeResult:
        word = self.app.word
        with Vertical(id="register-languages"):
            yield Static(" · ".join(word(lang, "register.title") for lang in self.languages[:3]), id="title",
                         markup=False)
            with Grid(id="register-language-grid"):
                for lang in self.languages:
                    yield Button(Content(word(lang, "language_name")), id=f"register-lang-{lang}",
                                 classes="register-language")
            # no language is chosen yet: "back" in the same languages as the title above
            yield Button(Content(" · ".join(dict.fromkeys(word(lang, "kiosk.back") for lang in self.languages[:3]))),
                         id="back")

    @on(Button.Pressed, ".register-language")
    def chosen(self, event: Button.Pressed) -> None:
        event.stop()
        screen = RegisterScreen(event.button.id.removeprefix("register-lang-"))
        self.app.push_screen(screen)
        self.app.back_to_start_later(screen)


class RegisterScreen(Screen):
    """The form, in the visitor's language."""

    CSS_PATH = "register.tcss"

    def __init__(self, lang: str):
        super().__init__()
        self.lang = lang

    def times(self) -> dict[str, str]:
        access = self.app.site.access
        return {key: getattr(access, key) for key in TIMES} | {"days": str(access.urgent_days)}

    def compose(self) -> ComposeResult:
        app, lang = self.app, self.lang
        said, word = app.said, app.word
        rtl = "rtl" if app.words(lang)["direction"] == "rtl" else ""
        services = [s for s in app.site.services if s.id in app.site.access.services]
        with VerticalScroll(id="register-screen", classes=rtl):
            yield Static(said(lang, "register.title"), id="question", markup=False)
            for key in ("when", "speed", "bound"):
                yield Static(said(lang, window_key(app.site.access, f"register.{key}"), **self.times()),
                             classes="explain", markup=False)
            yield Label(Content(word(lang, "register.service_label")), classes="field-label")
            with RadioSet(id="register-services"):
                for service in services:
                    name = service.names.get(lang) or service.names["de"]
                    yield RadioButton(Content(app.shown(lang, name)), value=len(services) == 1,
                                      id=f"register-service-{service.id}")
            yield Label(Content(word(lang, "register.name_label")), classes="field-label")
            yield Input(placeholder=word(lang, "register.name_hint"), id="register-name", max_length=MAX_NAME)
            yield Label(Content(word(lang, "register.birth_label")), classes="field-label")
            with Horizontal(id="register-birth"):
                for key, width in (("day", 2), ("month", 2), ("year", 4)):
                    yield Input(placeholder=word(lang, f"register.{key}"), id=f"register-{key}", max_length=width,
                                restrict=r"[0-9]*", classes=f"date-{key}")
            yield Label(Content(word(lang, "register.contact_label")), classes="field-label")
            yield Input(placeholder=word(lang, "register.kiosk_contact_hint"), id="register-contact", max_length=254)
            yield Label(Content(word(lang, "register.urgent_label")), classes="field-label")
            with Horizontal(id="register-urgent"):
                for key, width in (("day", 2), ("month", 2), ("year", 4)):
                    yield Input(placeholder=word(lang, f"register.{key}"), id=f"register-urgent-{key}",
                                max_length=width, restrict=r"[0-9]*", classes=f"date-{key}")
            yield Static("", id="problem", markup=False)
            with Horizontal(id="register-buttons"):
                yield Button(Content(word(lang, "register.send")), id="register-send", variant="primary")
                yield Button(Content(word(lang, "kiosk.back")), id="back")
            yield Static(said(lang, "register.privacy_note"), classes="explain", markup=False)

    def on_mount(self) -> None:
        """The name field takes the keys; the explanation above it stays in view."""
        self.query_one("#register-name", Input).focus(scroll_visible=False)

    @on(Input.Submitted)
    def next_field(self, event: Input.Submitted) -> None:
        """Enter: the next field; from the last, register."""
        event.stop()
        if event.input.id == "register-urgent-year":
            self.send()
        else:
            self.focus_next()

    @on(Button.Pressed, "#register-send")
    def pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.send()

    def value(self, field: str) -> str:
        return self.query_one(f"#register-{field}", Input).value.strip()

    def frame(self) -> p.Register | None:
        """The registration, or None after saying (in the visitor's language) what is missing."""
        chosen = self.query_one("#register-services", RadioSet).pressed_button
        born = birth_date(self.value("day"), self.value("month"), self.value("year"))
        urgent = [self.value(f"urgent-{key}") for key in ("day", "month", "year")]
        until = expires_on(*urgent) if any(urgent) else ""
        missing = ("register.error.no_service" if chosen is None else "register.error.no_name"
                   if not self.value("name") else "register.error.bad_name" if not latin_letters(self.value("name"))
                   else "register.error.bad_birth_date" if not born
                   else "register.error.bad_contact" if not contact_ok(self.value("contact"))
                   else "register.error.bad_urgent" if until is None else None)
        if missing:
            self.problem(missing)
            return None
        return p.Register(id=0, service=chosen.id.removeprefix("register-service-"), lang=self.lang,
                          name=self.value("name"), birth_date=born, contact=self.value("contact"),
                          urgent_until=until or "")

    def send(self) -> None:
        frame = self.frame()
        if frame is not None and not any(w.group == "register" and not w.is_finished for w in self.app.workers):
            self.query_one("#register-send", Button).disabled = True
            self.app.run_worker(self.register(frame), group="register")

    async def register(self, frame: p.Register) -> None:
        app = self.app
        try:
            registered = await app.session.request(frame, retry=False)
        except (ServerError, ConnectionLost, Refused) as exc:
            code = getattr(exc, "code", "offline")
            known = f"register.error.{code}" in app.words(self.lang)
            self.problem(f"register.error.{code}" if known else "register.error.other")
            self.query_one("#register-send", Button).disabled = False
            return
        url = result_url(app.site, registered.entry, self.lang)
        said = registered_words(app.words(self.lang), self.lang, registered, app.site.timezone, frame.contact)
        printed = await print_slip(app, slip(app.site, app.words(self.lang), self.lang, said, url))
        screen = RegisteredScreen(self.lang, said, url, printed=printed, entry=registered.entry)
        app.push_screen(screen)
        app.back_to_start_later(screen)

    def problem(self, key: str) -> None:
        key = window_key(self.app.site.access, key)
        self.query_one("#problem", Static).update(self.app.said(self.lang, key, **self.times()))


class RegisteredScreen(Screen):
    """Registered: the draw's time, and the result page as a QR code to take away on a phone.

    The QR code is the visitor's key to their outcome (after the draw: their code), so it must
    not wait for the next person. The visitor is done, and the start screen comes back, when
    they scanned it (the server tells the kiosk that registered the entry once its result page
    is opened: `entry_seen`), when they tap Back, or — the slip printed, with the same QR code
    on it — when they leave the kiosk alone for `TAKE_SLIP_SECONDS` (time to scan it off the
    screen instead); without a slip (the printer failed) the screen is their only copy and
    stays for the kiosk's idle limit unless scanned.
    """

    CSS_PATH = "register.tcss"

    def __init__(self, lang: str, said: tuple[str, str], url: str, *, printed: bool = False, entry: str = ""):
        super().__init__()
        self.lang, (self.heading, self.waiting), self.url, self.entry = lang, said, url, entry
        self.idle_limit = TAKE_SLIP_SECONDS if printed else None  # read by `KioskApp.check_idle`

    def compose(self) -> ComposeResult:
        app = self.app
        with VerticalScroll(id="registered"):  # a QR code of 19 rows: an 80 x 24 screen scrolls
            yield Static(app.paragraph(self.lang, self.heading), id="registered-title", markup=False)
            yield Static(app.paragraph(self.lang, self.waiting), id="registered-waiting", markup=False)
            yield Static(qr_text(self.url), id="registered-qr", markup=False)
            yield Static(app.said(self.lang, "register.scan"), id="registered-scan", markup=False)
            yield Button(Content(app.word(self.lang, "kiosk.back")), id="back")


def entry_seen(app, entry: str) -> None:
    """The result page of `entry` was opened on a phone: if this kiosk still shows its QR code,
    the visitor is done with it (`RegisteredScreen`)."""
    if isinstance(app.screen, RegisteredScreen) and app.screen.entry == entry:
        app.switch_to_start()
