"""The wire protocol: every message Willkommen's terminals and server exchange, typed.

JSON text frames, one message each, told apart by `"type"`. Version 1.

Client to server (imperative; every request but `hello` carries an `id` echoed as `re`)::

    hello    {role, terminal, token, v, lang, explain?} first frame of every connection
    draw     {id, service, lang, request, interpreter?} kiosk; idempotent by `request`; interpreter:
                                                        the visitor needs help with German (default false)
    checkin  {id, booking, lang?, interpreter?, check?} kiosk; a ticket for an appointment (idempotent);
                                                       lang: the visitor's choice (else the booking's);
                                                       check: only whether the code gives one
    cancel   {id, ticket, reason}                      kiosk; withdraw a ticket it could not print
    printer  {id, state}                               kiosk; printer health
    open     {id, services?}                           counter; serve these services (default: all)
    next | recall | start | noshow | park | resume | close   {id}             counter
    refuse_identity {id}                               counter; "not the registered person" (fair access)
    call     {id, ticket}    unpark {id, ticket}    finish {id, outcome}    pause {id, reason}
    transfer {id, service?, counter?, front}           counter
    refer    {id, partners, front}                     counter; to partners (a desk here: a transfer)
    close_at {id, at}                                  counter; planned end of shift (null: none)
    book     {id, booking, service, lang, due_at}      admin; an appointment for today or later (again: moved)
    unbook   {id, booking}                             admin; an appointment cancelled
    register {id, service, lang, name, birth_date, ...} kiosk; an entry for the day's lottery
                                                       (server.wire.access) -> registered
    Counter commands take `counter` only from an admin; a counter terminal acts for its own.

Server to client (past tense or nouns)::

    welcome  {v, role, terminal, counter, site, snapshot}
    reply    {re, ticket?, booking?, desk?, ahead?, eta?, arrival?}  the change is committed (eta:
                                                        the drawn ticket's range, `Office.estimate`)
    error    {re, code, message, fields?, text?}        nothing changed; `code` is stable; `fields`
                                                        (its values) and `text` (the staff's sentence
                                                        in `lang`) only after hello `explain: true`
    called   {ticket, counter, recall, texts}           a visitor is called (again: recall > 0)
    ticket   {ticket}                                   any other change of a ticket (displays get
                                                        only OFF_THE_SCREEN states)
    queue    {service, waiting, longest_wait, eta}      per service after each change
    desk     {desk}                                     a counter opened, paused, closed ...
    strings  {strings}                                  the site's catalogues changed (a language file
                                                        adopted on the board): as the welcome has them
    entry_seen {entry}                                  to the kiosk that registered `entry`: its result
                                                        page was opened (the QR code scanned)
    held     {re}                       to a counter: its request waits for the database, lost on its way
    confirmed {re, reply}               to a counter: its request answered `unconfirmed` is confirmed now

`checkin {booking}` answers a reply with the ticket, the `booking` (its `due_at`) and `arrival`:
"early" (the ticket waits; it is called from its time on), "on_time" (due: called first) or
"late" (past the site's grace minutes, and the site takes late visitors as walk-ins: a ticket
in the service's queue without precedence, `appointment_at` empty). Its stable error codes:
`unknown_booking` (no such code today: never booked, cancelled or another day; nothing is
issued), `too_late` (past the grace minutes at a site that refuses late visitors; nothing is
issued), `visit_finished` (the code was checked in and that visit is over: done or no-show;
nothing is issued; checking in again while its ticket is open returns that ticket),
`rate_limited` (the kiosk's draws per minute). The rule: `server/core/checkin.py`.

A connection that cannot go on is closed with a code: 4400 unsupported version, 4401 bad
token, 4403 wrong role, 4408 no hello, 4429 too many wrong tokens from this address (wait and
retry); 1009 frame too large (the limit is `MAX_FRAME`). A close reason is cut to
`MAX_CLOSE_REASON` bytes of UTF-8 (what a close frame holds), never mid-character.

Every field has a range, so what passes `decode_client` is safe to store, compute with and
show: request ids are strings of up to 64 characters or integers 0 ... 2**53 - 1 (what a
browser's JSON numbers hold exactly), names and keys up to `MAX_KEY` characters, free text up
to `MAX_TEXT`, `due_at` and `at` between 2000 and 2100 (POSIX seconds), at most `MAX_SERVICES` services.
Whatever a terminal sends, `decode_client` returns a message or raises `BadRequest`: never
anything else.

This module imports only the standard library, msgspec and its neighbours in `server.wire`
(a test holds it to that), so every client can use it without pulling in the server. What
every message is made of is in `fields`; the manager's messages (`manager`) and the
visitors' feedback (`feedback`) are defined beside it and read here like all others.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

import msgspec
from msgspec import Meta

from server.wire.fields import (EARLIEST, LATEST, MAX_CLOSE_REASON, MAX_KEY, MAX_SERVICES, MAX_TEXT,  # noqa: F401
                                SAFE_INT, Key, Message, Request, RequestId, Text, Timestamp, close_reason, explain, tags)
# the manager's and the visitors' messages, defined by job, read here as every message is
from server.wire.feedback import (FEEDBACK_TYPES, MAX_REASONS, FeedbackMessage, Rate, Tap, Thanked,  # noqa: F401
                                  decode_feedback)
from server.wire.manager import (NETWORK_ASKS, SUPERVISOR_ACTIONS, Adopt, Adopted, Announce, AskNetwork,  # noqa: F401
                                 Board, CloseCounter, EndAnnouncement, ManagerMessage, Move, NetworkKnowledge,
                                 OpenCounter, Publish, PublishedTexts, SignedIn, SignIn, UndoAdoption, Undone, Witness,
                                 decode_manager)
from server.wire.plan import Closure, SetPlan, Shift  # noqa: F401
from server.wire.access import EntrySeen, Outcome, OutcomeView, Register, Registered, decode_access  # noqa: F401

VERSION = 1
MAX_FRAME = 64 * 1024
ROLES = ("kiosk", "counter", "display", "admin")
Role = Literal["kiosk", "counter", "display", "admin"]
OFF_THE_SCREEN = ("no_show", "waiting", "parked", "cancelled")  # ticket states displays are told of
# what a kiosk says of its printer (`Printer`); every state but "ok" is an alert on the floor board
PrinterState = Literal["ok", "paper_near_end", "paper_out", "cover_open", "offline", "error"]


# ---- client to server ----------------------------------------------------------------------

class Hello(Message, tag="hello"):
    role: Role
    terminal: Key = ""
    token: Text = ""
    v: Annotated[int, Meta(ge=0, le=SAFE_INT)] = VERSION
    lang: Key = "de"
    explain: bool = False   # errors with `fields` and `text` in `lang`'s staff words (older clients: not)


class Draw(Request, tag="draw"):
    service: Key
    lang: Key
    request: Key
    interpreter: bool = False   # the visitor asked for help with German (in `lang`); older kiosks omit it


class Checkin(Request, tag="checkin"):
    booking: Key
    lang: Key | None = None   # the language the visitor chose at the kiosk (None: the booking's)
    interpreter: bool = False   # as in `draw`: asked on the kiosk once the visitor chose a language
    # only check: the same errors, a reply with the booking (and the ticket if one is open
    # already), nothing issued. The kiosk asks about an interpreter only after it (an older
    # server ignores the field and checks in: the interpreter answer is then lost, nothing else)
    check: bool = False


class Cancel(Request, tag="cancel"):
    ticket: Key
    reason: Key = "printer_failed"


class Printer(Request, tag="printer"):
    state: PrinterState
    detail: str = ""   # any length the frame holds: the server keeps its start (a state is never refused)


class CounterRequest(Request, kw_only=True):
    counter: Key | None = None


class Open(CounterRequest, tag="open"):
    services: Annotated[list[Key], Meta(max_length=MAX_SERVICES)] | None = None


class Next(CounterRequest, tag="next"):
    pass


class Call(CounterRequest, tag="call"):
    ticket: Key


class Recall(CounterRequest, tag="recall"):
    pass


class Start(CounterRequest, tag="start"):
    pass


class NoShow(CounterRequest, tag="noshow"):
    pass


class Park(CounterRequest, tag="park"):
    pass


class Unpark(CounterRequest, tag="unpark"):
    ticket: Key


class Transfer(CounterRequest, tag="transfer"):
    service: Key | None = None
    to_counter: Key | None = None
    front: bool = False


class Refer(CounterRequest, tag="refer"):
    """Refer the visitor at the counter to partners of the site (`server.core.referrals`)."""

    partners: Annotated[list[Key], Meta(min_length=1, max_length=MAX_SERVICES)]
    front: bool = False     # for a partner with a desk here: to the front of its queue


class Finish(CounterRequest, tag="finish"):
    outcome: Key


class Pause(CounterRequest, tag="pause"):
    reason: Text = ""


class Resume(CounterRequest, tag="resume"):
    pass


class Close(CounterRequest, tag="close"):
    pass


class CloseAt(CounterRequest, tag="close_at"):
    """The clerk's planned end of shift (seconds since the epoch; None withdraws it)."""

    at: Timestamp | None


class RefuseIdentity(CounterRequest, tag="refuse_identity"):
    """"Not the registered person": the called visitor's passport does not match the name a
    won place was registered with; the visit ends, counted (fair access, `server.core.access`)."""


class Book(Request, tag="book"):
    booking: Key
    service: Key
    lang: Key
    due_at: Timestamp


class Unbook(Request, tag="unbook"):
    """The booking system cancelled the appointment (a code not booked is no error)."""

    booking: Key


MAX_BATCH = 500  # appointments in one `book_many` (and the frame's 64 KiB bound it too)


class BookMany(Request, tag="book_many"):
    """Many appointments in one request and one commit (an export of a quarter imported):
    each is answered in `Reply.outcomes`, in order; one refused does not stop the others."""

    appointments: Annotated[list[Union[Book, Unbook]], Meta(min_length=1, max_length=MAX_BATCH)]


KIOSK_REQUESTS = (Draw, Checkin, Cancel, Printer, Register)  # register: fair access (server.wire.access)
ADMIN_REQUESTS = (Book, Unbook, BookMany, SetPlan)
COUNTER_REQUESTS = (Open, Next, Call, Recall, Start, NoShow, Park, Unpark, Transfer, Finish, Pause, Resume, Close,
                    CloseAt, Refer, RefuseIdentity)
ClientMessage = Union[Hello, Draw, Checkin, Cancel, Printer, Register, Open, Next, Call, Recall, Start, NoShow, Park, Unpark,
                      Transfer, Finish, Pause, Resume, Close, CloseAt, Refer, RefuseIdentity, Book, Unbook, BookMany,
                      SetPlan]


# ---- server to client ----------------------------------------------------------------------

class TicketView(msgspec.Struct, omit_defaults=True):
    number: str
    service: str
    lang: str
    state: str
    issued_at: float
    called_at: float | None = None
    counter: str | None = None
    recalls: int = 0
    reason: str = ""
    outcome: str | None = None
    appointment_at: float | None = None
    interpreter: bool = False    # the visitor needs an interpreter for `lang`
    token: str | None = None     # only in the reply to the kiosk that drew it
    target: str | None = None    # the counter it was transferred to (only that counter calls it)
    referrals: list[str] = []    # the partners it was referred to (ids), in order


IDENTITY_REFUSED = "identity_refused"  # the finish outcome "not the registered person" (fair access)


class PersonView(msgspec.Struct):
    """Who registered for the place a ticket came from (fair access): the clerk compares it
    with the passport. Only ever sent to the counter that serves the ticket."""

    name: str
    birth_date: str   # YYYY-MM-DD


class LeftView(msgspec.Struct, omit_defaults=True):
    """How this counter sent a handled visitor on (`core.model.Left`): "transferred" (to
    `service`, or by name to the counter `target`), "referred" (to `partners`) or "returned"
    (back to the queue: the counter closed)."""

    how: str
    service: str = ""
    target: str | None = None
    partners: list[str] = []


class DeskView(msgspec.Struct, omit_defaults=True):
    counter: str
    state: str
    services: list[str] = []
    pause_reason: str = ""
    closes_at: float | None = None     # the clerk's planned end of shift
    current: TicketView | None = None
    parked: list[TicketView] = []    # these two only for the counter itself (and admins)
    handled: list[TicketView] = []
    left: dict[str, LeftView] = {}   # by number: how those of `handled` that went on left this desk
    person: PersonView | None = None  # the current visitor's registration: only for the counter itself


class QueueView(msgspec.Struct, omit_defaults=True):
    service: str
    waiting: int
    longest_wait: float
    eta: tuple[int, int] | None
    interpreters: dict[str, int] = {}   # of those waiting, how many need an interpreter, per language
    sent: dict[str, int] = {}   # of those waiting, how many were sent to one counter (only it calls them), per counter
    sent_longest: dict[str, float] = {}   # per counter: the longest wait of those sent to it
    # when the longest waiting was sent to one counter: the longest wait of those any counter of
    # the service calls (0: none); None: `longest_wait` is theirs
    longest_open: float | None = None


class ServiceView(msgspec.Struct):
    id: str
    prefix: str
    max_wait_minutes: int
    names: dict[str, str]
    hints: dict[str, str]
    documents: dict[str, list[str]]


class CounterInfo(msgspec.Struct):
    id: str
    name: str
    zone: str
    direction: str
    services: list[str]


class PartnerView(msgspec.Struct, omit_defaults=True):
    """A partner organisation (`config.site.Partner`): texts per language, German always."""

    id: str
    names: dict[str, str]
    helps: dict[str, str]
    hours: dict[str, str] = {}
    service: str | None = None      # a desk in this building: that service's queue
    interprets: list[str] = []
    phone: str = ""
    web: str = ""
    address: str = ""
    map: str = ""


class AccessView(msgspec.Struct):
    """The day's places by lot as a kiosk offers registration for them (`[access]`): which
    services, and the window ("HH:MM", the site's time zone: from `opens` the day before until
    `closes` on the day; the draw at `draw_at`)."""

    services: list[str]
    opens: str
    closes: str
    draw_at: str
    urgent_days: int
    same_day: bool = False  # `opens` is on the lottery day itself, not the day before (the demo's)


class SiteView(msgspec.Struct):
    name: str
    timezone: str
    languages: list[str]
    services: list[ServiceView]
    counters: list[CounterInfo]
    outcomes: dict[str, dict[str, str]]
    public_url: str
    partners: list[PartnerView] = []
    retention_days: int = 90   # how long a visit's details are kept (the kiosk's privacy notice says it)
    access: AccessView | None = None   # places by lot: registration at the kiosk (kiosk/register.py)


class Snapshot(msgspec.Struct):
    day: str
    queues: list[QueueView]
    desks: list[DeskView]
    calls: list[TicketView]


class Welcome(Message, tag="welcome"):
    v: int
    role: str
    terminal: str
    site: SiteView
    snapshot: Snapshot
    counter: str | None = None
    zones: list[str] = []              # a display's zones from the site config (empty: all)
    languages: list[str] = []          # a display's label languages in order (empty: the site's)
    printer: str | None = None         # a kiosk's (or a counter's, for referral slips) printer URL
    strings: dict[str, dict[str, str]] = {}  # kiosks, displays, printing counters: each language's catalogue


class BookingView(msgspec.Struct, omit_defaults=True):
    booking: str
    service: str
    lang: str
    due_at: float
    ticket: str | None = None


class BookOutcome(msgspec.Struct, omit_defaults=True):
    """One appointment of a `book_many`: changed or not, or refused with an error's code and message."""

    changed: bool = False
    code: str | None = None
    message: str | None = None


class Reply(Message, tag="reply"):
    re: str | int
    ticket: TicketView | None = None
    booking: BookingView | None = None
    changed: bool | None = None   # to book and unbook: whether the appointments changed
    desk: DeskView | None = None
    ahead: int | None = None
    eta: tuple[int, int] | None = None
    arrival: Literal["early", "on_time", "late"] | None = None   # to checkin (server/core/checkin.py)
    outcomes: list[BookOutcome] | None = None   # to book_many: one per appointment, in order


class Error(Message, tag="error"):
    re: str | int | None
    code: str
    message: str                   # English, for logs and clients that do not render `fields`
    # only to a connection that asks (hello `explain`, the staff's pages): older clients decode
    # no field they do not know, so they get the frame they always got
    fields: dict[str, str] = {}    # the error's values: ticket, state, action, counter, why, ...
    text: str = ""                 # the sentence from the staff catalogue in the connection's language


class Called(Message, tag="called"):
    ticket: TicketView
    counter: str
    counter_name: str
    direction: str
    zone: str
    recall: int
    texts: dict[str, str]          # the announcement per language: German, the visitor's, extras
    audio: dict[str, str] = {}     # per language, the URL of the server's recording (if it speaks)
    silent: list[str] = []         # languages with no voice: show their text, do not speak it


class TicketChanged(Message, tag="ticket"):
    ticket: TicketView


class QueuesChanged(Message, tag="queues"):
    queues: list[QueueView]  # every queue that changed since the last push, in one frame


class DeskChanged(Message, tag="desk"):
    desk: DeskView


class StringsChanged(Message, tag="strings"):
    """The site's catalogues changed while the terminal is connected (a language file adopted on
    the floor board): each language's, as the welcome carries them to this kind of terminal."""

    strings: dict[str, dict[str, str]]


class Held(Message, tag="held"):  # answered once the database is back (server/edge/held.py)
    re: str | int


class Confirmed(Message, tag="confirmed"):  # `reply` with the desk as it is now (server/edge/held.py)
    re: str | int
    reply: Reply


ServerMessage = Union[Welcome, Reply, Error, Called, TicketChanged, QueuesChanged, DeskChanged, Registered,
                      StringsChanged, EntrySeen, Held, Confirmed]

# ---- encoding and decoding -----------------------------------------------------------------

_client_decoder = msgspec.json.Decoder(ClientMessage)
_server_decoder = msgspec.json.Decoder(ServerMessage)
_encoder = msgspec.json.Encoder()
CLIENT_TYPES = tags(Hello, *KIOSK_REQUESTS, *COUNTER_REQUESTS, *ADMIN_REQUESTS)


def encode(message: msgspec.Struct) -> bytes:
    return _encoder.encode(message)


def decode_server(data: str | bytes) -> ServerMessage:
    return _server_decoder.decode(data)


def decode_client(data: str | bytes) -> ClientMessage:
    """Parse one frame from a terminal; raise `BadRequest` (with `.re` and `.code`) if it is
    not a valid message. `code` is "bad_request" or "unknown_type". Nothing else is raised,
    whatever the frame holds (a test feeds it generated garbage through a real server)."""
    try:
        return _client_decoder.decode(data)
    except (msgspec.DecodeError, RecursionError) as exc:  # ValidationError is a DecodeError
        raise explain(data, exc, known=CLIENT_TYPES) from None
