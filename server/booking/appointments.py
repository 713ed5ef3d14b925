"""Appointments from the office's booking system: its day's export, read and booked.

    willkommen-server appointments import FILE [--config site.toml] [--url ws://127.0.0.1:8765/]

FILE is CSV or iCalendar (by its content: `BEGIN:VCALENDAR` is iCalendar). The command is an
admin terminal of the running server (the site's first `role = "admin"` terminal, its token from
the same site file): the server owns the database file and holds an exclusive lock on it, so a
second process never writes it. Each appointment is a `book` (or, cancelled, an `unbook`);
booking a code again with the same service, language and time changes nothing, so importing the
same file twice is harmless, and a moved time is an update.

Only the booking code, the service, the language and the time are read: names, e-mail
addresses, phone numbers and descriptions in the file are never looked at, never stored.

CSV: a header row naming `code`, `time` and `service` (and optionally `lang` and `status`),
separated by commas or semicolons. `time` is `HH:MM` (on `--day`, default today) or a date and
time `2026-11-27 10:30` / `2026-11-27T10:30`, in the site's time zone. `status` `cancelled`
(or `canceled`, `storniert`) cancels; empty, `booked` or `confirmed` books. `lang` defaults to
the site's first language.

iCalendar: one VEVENT an appointment; the code is `X-BOOKING-CODE` (else the `UID`), the
service `X-SERVICE` (else the first of `CATEGORIES`), the language `X-LANG`, the time `DTSTART`
(a floating time is the site's), `STATUS:CANCELLED` cancels.

A row that cannot be read, or that the server refuses (an unknown service, a time in the past
...), is reported with its line number and what is wrong; the other rows are still booked, and
the exit status is 1.

A booking system that pushes instead posts the same appointments as JSON to the server's push
endpoint (`server/booking/push.py`), read by `row` as a CSV row is.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo


from server.wire import protocol as p
from server.edge import views
from server.core import Office
from server.core.checkin import arrival_of
from server.core.events import AppointmentBooked
from server.wire.errors import WillkommenError

CANCELLED = {"cancelled", "canceled", "storniert", "abgesagt"}
BOOKED = {"", "booked", "confirmed", "gebucht", "bestätigt"}


@dataclass(frozen=True)
class Row:
    """One appointment as the file gives it, with the line it starts on."""

    line: int
    code: str
    service: str
    lang: str
    due_at: float
    cancelled: bool = False


@dataclass(frozen=True)
class Problem:
    """A row not booked: `what` in English (the push endpoint's answer), `why` and `fields` for
    the staff's sentence on the command line (`[cli.rows]`, `server.booking.importing`)."""

    line: int
    what: str
    why: str = ""
    fields: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        return f"line {self.line}: {self.what}"

    @classmethod
    def of(cls, line: int, exc: ValueError) -> "Problem":
        return cls(line, str(exc), getattr(exc, "why", ""), tuple(getattr(exc, "fields", {}).items()))


class RowProblem(ValueError):
    """A row that cannot be read: `str()` in English, `why` names its `[cli.rows]` sentence."""

    def __init__(self, why: str, text: str, **fields: object):
        super().__init__(text)
        self.why, self.fields = why, {key: str(value) for key, value in fields.items()}


# ---- the server's side --------------------------------------------------------------------

def handle(office: Office, message: p.Book | p.Unbook | p.BookMany, now: float) -> p.Reply:
    """An admin's `book` or `unbook`, run by the writer; `changed` says whether it did anything.
    A `book_many` runs each of its appointments so, in one command (one commit)."""
    if isinstance(message, p.BookMany):
        return p.Reply(re=message.id, outcomes=[_outcome(office, item, now) for item in message.appointments])
    if isinstance(message, p.Unbook):
        events, booking = office.unbook(booking=message.booking, now=now)
    else:
        events, booking = office.book(booking=message.booking, service=message.service, lang=message.lang,
                                      due_at=message.due_at, now=now)
    changed = any(isinstance(e, AppointmentBooked) for e in events)
    return p.Reply(re=message.id, booking=views.booking(booking) if booking else None, changed=changed)


def _outcome(office: Office, item: p.Book | p.Unbook, now: float) -> p.BookOutcome:
    try:
        return p.BookOutcome(changed=bool(handle(office, item, now).changed))
    except WillkommenError as exc:  # this one refused; the others of the batch go on
        return p.BookOutcome(code=exc.code, message=exc.message)


def check_in(office: Office, kiosk: str, message: p.Checkin, token: str, now: float) -> p.Reply:
    """A kiosk's `checkin`, run by the writer: the ticket, the booking and how they arrived.
    With `check`: only whether the code gives a ticket (the booking, and the ticket if one is
    open already); nothing is issued."""
    _, ticket = office.checkin(kiosk=kiosk, booking=message.booking, token=token, now=now, lang=message.lang,
                               interpreter=message.interpreter, check=message.check)
    if ticket is None:
        booking = office.bookings[message.booking.strip().upper()]
        return p.Reply(re=message.id, booking=views.booking(booking))
    booking = office.bookings[ticket.booking]
    arrival = arrival_of(due_at=booking.due_at, issued_at=ticket.issued_at, appointment_at=ticket.appointment_at,
                         grace_minutes=office.site.appointments.grace_minutes)
    return p.Reply(re=message.id, ticket=views.ticket(ticket, with_token=True), booking=views.booking(booking),
                   ahead=office.ahead(ticket), eta=office.estimate(ticket.number, now), arrival=arrival)


# ---- reading a file -----------------------------------------------------------------------

def decode(data: bytes) -> tuple[str, str]:
    """An export's text and the encoding it was read in. Excel saves "CSV UTF-8" with a byte
    order mark, "Unicode text" as UTF-16 with one, and plain "CSV" in the Windows code page
    (cp1252 in Germany): a byte order mark decides, else UTF-8 if the bytes are UTF-8 (they
    almost never are by chance), else cp1252 (Latin-1 for the five bytes cp1252 leaves out)."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding), encoding
    head = data[:200]
    if len(head) >= 4 and head[1::2].count(0) > len(head) // 4:  # UTF-16 without a byte order mark
        return data.decode("utf-16-le", errors="replace"), "utf-16-le"
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def read(text: str, *, tz: ZoneInfo, day: date, default_lang: str) -> tuple[list[Row], list[Problem]]:
    """The appointments in an export (CSV or iCalendar) and the rows that could not be read."""
    if text.lstrip("\ufeff \r\n\t").upper().startswith("BEGIN:VCALENDAR"):
        return read_ics(text, tz=tz, default_lang=default_lang)
    return read_csv(text, tz=tz, day=day, default_lang=default_lang)


def read_csv(text: str, *, tz: ZoneInfo, day: date, default_lang: str) -> tuple[list[Row], list[Problem]]:
    text = text.lstrip("\ufeff")  # Excel writes a byte-order mark
    first = text.split("\n", 1)[0]
    # commas, semicolons (German Excel) or tabs (Excel's "Unicode text"): the header's most
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = {(name or "").strip().lower() for name in _header(reader)}
    missing = [name for name in ("code", "time", "service") if name not in header]
    if missing:
        return [], [Problem(1, f"the header row names no {', '.join(missing)} column "
                               f"(expected code, time, service and optionally lang, status)", "header",
                            (("missing", ", ".join(missing)),))]
    rows, problems = [], []
    for record in _records(reader):
        line = reader.line_num
        fields = {(k or "").strip().lower(): (v or "").strip() for k, v in record.items() if k is not None}
        if not any(fields.values()):
            continue  # an empty line
        try:
            rows.append(_csv_row(line, fields, tz=tz, day=day, default_lang=default_lang))
        except ValueError as exc:
            problems.append(Problem.of(line, exc))
    return rows, problems


class NotCsv(ValueError):
    """The csv module could not read on at `line` (a field past its limit: often a binary file)."""

    def __init__(self, line: int):
        super().__init__(f"line {line}: not a readable CSV file")
        self.line = line


def _header(reader: csv.DictReader) -> list[str]:
    try:
        return list(reader.fieldnames or ())
    except csv.Error:
        raise NotCsv(reader.reader.line_num) from None


def _records(reader: csv.DictReader):
    try:
        yield from reader
    except csv.Error:  # the DictReader's own line_num is set after a row is read: its reader's is where it stopped
        raise NotCsv(reader.reader.line_num) from None


def _csv_row(line: int, fields: dict[str, str], *, tz: ZoneInfo, day: date, default_lang: str) -> Row:
    code, service = fields.get("code", ""), fields.get("service", "")
    if not code:
        raise RowProblem("empty_code", "the code is empty")
    _plain(code)
    if not service:
        raise RowProblem("no_service", f"appointment {code} names no service", code=code)
    status = fields.get("status", "").lower()
    if status not in CANCELLED | BOOKED:
        raise RowProblem("status", f"status {fields['status']!r} is neither booked nor cancelled",
                         status=fields["status"])
    return Row(line, code, service, fields.get("lang") or default_lang,
               _when(fields.get("time", ""), tz=tz, day=day), status in CANCELLED)


def row(index: int, item: object, *, tz: ZoneInfo, day: date, default_lang: str) -> Row:
    """One appointment given as a JSON object (`server.booking.push`), read as a CSV row is; its
    `line` is its index in the list. Fields other than the CSV's are never looked at."""
    if not isinstance(item, dict):
        raise ValueError(f"an appointment is a JSON object, not {_json_type(item)}")
    fields = {}
    for name in ("code", "time", "service", "lang", "status"):
        value = item.get(name, "")
        if not isinstance(value, str):
            raise ValueError(f"{name} must be a string, not {_json_type(value)}")
        fields[name] = value.strip()
    return _csv_row(index, fields, tz=tz, day=day, default_lang=default_lang)


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "true or false", type(None): "null"}
    return names.get(type(value), "a number")


def _when(value: str, *, tz: ZoneInfo, day: date) -> float:
    """`10:30` on `day`, or `2026-11-27 10:30` (ISO 8601, with or without an offset)."""
    try:
        if re.fullmatch(r"\d{1,2}:\d{2}", value):
            moment = datetime.combine(day, time.fromisoformat(value.zfill(5)))
        else:
            moment = datetime.fromisoformat(value)
    except ValueError:
        raise RowProblem("time", f"time {value!r} is not HH:MM or YYYY-MM-DD HH:MM", value=value) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=tz)).timestamp()


def read_ics(text: str, *, tz: ZoneInfo, default_lang: str) -> tuple[list[Row], list[Problem]]:
    import icalendar

    try:
        calendar = icalendar.Calendar.from_ical(text)
    except ValueError as exc:
        return [], [Problem(1, f"this is no iCalendar file icalendar can read ({exc})", "ics")]
    # icalendar keeps no line numbers: the n-th VEVENT starts at the n-th BEGIN:VEVENT line
    starts = [n for n, line in enumerate(text.splitlines(), 1) if line.strip().upper() == "BEGIN:VEVENT"]
    rows, problems = [], []
    for line, event in zip(starts, calendar.walk("VEVENT")):
        try:
            rows.append(_ics_row(line, event, tz=tz, default_lang=default_lang))
        except ValueError as exc:
            problems.append(Problem.of(line, exc))
        except (AttributeError, TypeError, IndexError, KeyError) as exc:  # a shape icalendar gives that no rule foresaw
            problems.append(Problem(line, f"event {_uid(event)}: cannot be read ({type(exc).__name__}: {exc})",
                                    "ics_unreadable", (("uid", _uid(event)),)))
    return rows, problems


SINGLE = ("UID", "X-BOOKING-CODE", "X-SERVICE", "X-LANG", "DTSTART", "STATUS")  # each at most once an event


def _uid(event) -> str:
    uid = event.get("UID")
    return str(uid[0] if isinstance(uid, list) else uid or "(no UID)").strip()


def _ics_row(line: int, event, *, tz: ZoneInfo, default_lang: str) -> Row:
    for name in SINGLE:
        if isinstance(event.get(name), list):  # icalendar gives a repeated property as a list
            raise RowProblem("ics_twice", f"event {_uid(event)} has {len(event.get(name))} {name} lines: which one "
                             "is meant?", uid=_uid(event), count=len(event.get(name)), name=name)
    code = str(event.get("X-BOOKING-CODE") or event.get("UID") or "").strip()
    if not code:
        raise RowProblem("ics_no_code", "the event has neither X-BOOKING-CODE nor UID")
    _plain(code)
    service = str(event.get("X-SERVICE") or "").strip()
    if not service and event.get("CATEGORIES") is not None:
        categories = event.get("CATEGORIES")
        categories = categories[0] if isinstance(categories, list) else categories
        service = str(categories.cats[0]) if categories.cats else ""
    if not service:
        raise RowProblem("ics_no_service", f"appointment {code} names no service (X-SERVICE or CATEGORIES)", code=code)
    start = event.get("DTSTART")
    if start is None or not isinstance(start.dt, datetime):
        raise RowProblem("ics_no_start", f"appointment {code} has no DTSTART with a time of day", code=code)
    moment = start.dt if start.dt.tzinfo else start.dt.replace(tzinfo=tz)
    cancelled = str(event.get("STATUS") or "").strip().upper() == "CANCELLED"
    return Row(line, code, service, str(event.get("X-LANG") or default_lang).strip(), moment.timestamp(), cancelled)


def _plain(code: str) -> None:
    """A booking code is printed on no screen raw: control characters (an escape sequence that
    would move an admin's cursor or retitle their terminal) make the row a bad one."""
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in code):
        raise RowProblem("control", f"the code {printable(code)} holds control characters", code=printable(code))


def printable(text: str) -> str:
    """`text` safe for a terminal: control and format characters as \\x1b, \\u202e ... escapes."""
    return "".join(c if unicodedata.category(c) not in ("Cc", "Cf") else
                   f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}" for c in text)


# ---- the command --------------------------------------------------------------------------

@dataclass
class Outcome:
    booked: int = 0
    cancelled: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"{self.booked} booked or moved, {self.cancelled} cancelled, {self.unchanged} unchanged"

    def count(self, row: Row, reply: p.Reply | p.BookOutcome) -> None:
        if not reply.changed:
            self.unchanged += 1
        elif row.cancelled:
            self.cancelled += 1
        else:
            self.booked += 1


BATCH_BYTES = 48 * 1024  # a `book_many` frame stays well inside the protocol's 64 KiB


def batches(rows: list[Row]) -> list[list[Row]]:
    """Rows in `book_many` batches: at most `p.MAX_BATCH` and `BATCH_BYTES` of JSON each."""
    out, batch, size = [], [], 0
    for row in rows:
        length = len(p.encode(request_for(row))) + 1
        if batch and (len(batch) >= p.MAX_BATCH or size + length > BATCH_BYTES):
            out.append(batch)
            batch, size = [], 0
        batch.append(row)
        size += length
    return out + [batch] if batch else out


def request_for(row: Row) -> p.Book | p.Unbook:
    return (p.Unbook(id=0, booking=row.code) if row.cancelled else
            p.Book(id=0, booking=row.code, service=row.service, lang=row.lang, due_at=row.due_at))


async def send(session, rows: list[Row], progress=lambda done, total: None) -> tuple[Outcome, list[Problem]]:
    """Book the rows through the server, a batch a request (one commit each: 50,000 events in
    ~100 requests, not 50,000); a row it refuses is a problem at that row's line. `progress`
    hears how many rows are done after each batch."""
    outcome, problems, done = Outcome(), [], 0
    for batch in batches(rows):
        request = p.BookMany(id=0, appointments=[request_for(row) for row in batch])
        reply = await session.request(request, retry=True)  # idempotent: booking again changes nothing
        for row, result in zip(batch, reply.outcomes or ()):
            if result.code is not None:
                problems.append(Problem(row.line, f"appointment {row.code}: {result.message}", "refused",
                                        (("code", row.code), ("service", row.service), ("error", result.code or ""),
                                         ("message", result.message or ""))))
            else:
                outcome.count(row, result)
        done += len(batch)
        progress(done, len(rows))
    return outcome, problems
