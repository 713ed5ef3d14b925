"""Fair access on the wire: registering for a day's places by lottery, and asking the outcome
(`server.access`).

On ws://host/register/ws (public, like the phone page: nothing is kept per connection) a
visitor's page sends, and a kiosk (its own socket) and the info desk (the board's socket) send
the same `register`; the server sets `via` ("web", "kiosk", "desk") from the socket, whatever
the frame says::

    register  {id, service, lang, name, birth_date: "YYYY-MM-DD", contact?, urgent_until?}
              -> registered {re, entry, day, draw_at, weight}
    outcome   {id, entry}
              -> outcome_view {re, state, service, code?, window_start?, window_end?, weight,
                               draw_at, seed_hash, day}

`entry` is the visitor's unguessable key to their outcome (the page keeps it); `weight` is the
lottery's weight for that entry (1, and one more for each earlier day without a place).
`state` is "waiting" (before the draw), "won" (a place: `code` and the time window, check in
at the kiosk with the code), "not_drawn" (no place today; the next entry weighs more),
"offered" (a no-show's place: come now, within the window), "checked_in" (the code's ticket
is issued) or "gone" (the day is over).

Errors (`error {re, code, message}`): `window_closed` (outside the registration window),
`already_registered` (this person has an entry for the day), `contact_full` (the contact holds
as many entries as the site allows), `bad_name`, `bad_birth_date`, `unknown_service` (no
lottery for it), `too_many` (this address registered as many as allowed today),
`unknown_entry`, `rate_limited`, `bad_request`.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

import unicodedata

import msgspec
from msgspec import Meta

from server.wire.fields import Key, Message, Request, explain, tags

MAX_NAME = 200


def latin_letters(name: str) -> bool:
    """Every letter of `name` is a Latin letter, accents allowed ("Çelik", "Nguyễn"): the name as
    in the passport's machine-readable zone. The same person in Cyrillic or Arabic would be a
    second identity in the draw, so the server (`bad_name`), the page and the kiosk refuse it.
    Modifier letters (category Lm: the apostrophes of "Oʻzbek", "ʼn") belong to no one script.
    Nothing that is not shown as itself either (`shown_as_is`)."""
    text = unicodedata.normalize("NFKC", name)
    latin = all(unicodedata.name(c, "").startswith("LATIN ") for c in text if c.isalpha() and unicodedata.category(c) != "Lm")
    return latin and shown_as_is(" ".join(text.split()))


def shown_as_is(text: str) -> bool:
    """No control, format, private or unassigned character (Unicode category C*) in `text`: a
    right-to-left override would show the clerk comparing the passport "Anna Schmidt" for the
    letters "tdimhcS annA" (a second identity in the draw for one person), and an ESC or GS byte
    would reach the clerk's terminal and the slip printer as a command. (A name's runs of white
    space are one space when it is kept: `latin_letters` reads it so.)"""
    return not any(unicodedata.category(c).startswith("C") for c in text)


Day = Annotated[str, Meta(pattern=r"^\d{4}-\d{2}-\d{2}$")]
VIA = ("web", "kiosk", "desk")
STATES = ("waiting", "won", "not_drawn", "offered", "checked_in", "gone")


class Register(Request, tag="register"):
    service: Key
    lang: Key
    name: Annotated[str, Meta(max_length=MAX_NAME)]
    birth_date: Annotated[str, Meta(max_length=32)]   # checked by the server: `bad_birth_date`
    contact: Annotated[str, Meta(max_length=254)] = ""  # a mobile number or an e-mail address
    urgent_until: Annotated[str, Meta(max_length=32)] = ""  # the permit expires on this day
    via: Key = ""  # ignored: the server sets it from the socket the frame came through


class Outcome(Request, tag="outcome"):
    entry: Key


AccessMessage = Union[Register, Outcome]
ACCESS_TYPES = tags(Register, Outcome)


class Registered(Message, tag="registered"):
    re: str | int
    entry: str
    day: str
    draw_at: float
    weight: int


class EntrySeen(Message, tag="entry_seen"):
    """Pushed to the kiosk that registered `entry` once its result page was opened (the visitor
    scanned the QR code): the kiosk's screen showing that code goes (kiosk/register.py)."""

    entry: str


class OutcomeView(Message, tag="outcome_view", kw_only=True):
    re: str | int | None = None
    state: Literal["waiting", "won", "not_drawn", "offered", "checked_in", "gone"]
    day: str
    service: str
    weight: int
    draw_at: float
    seed_hash: str
    code: str = ""
    window_start: float | None = None
    window_end: float | None = None
    # not drawn, and a place a no-show frees may still be offered (to a waiting entry with a
    # contact or from the web page: `Office.offer_place`): the page says so
    may_be_offered: bool = False


_decoder = msgspec.json.Decoder(AccessMessage)


def decode_access(data: str | bytes) -> AccessMessage:
    """Parse one frame of the registration socket; `BadRequest` (with `.re` where readable)."""
    try:
        return _decoder.decode(data)
    except (msgspec.DecodeError, RecursionError) as exc:
        raise explain(data, exc, known=ACCESS_TYPES) from None
