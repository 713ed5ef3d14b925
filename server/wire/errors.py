"""Every error a client can be told about, one class per stable protocol code.

::

    WillkommenError (code)
    ├── BadRequest ............ bad_request      malformed JSON, a missing or wrong field
    │   └── UnknownType ....... unknown_type     a "type" this server does not know
    ├── NotAllowed ............ not_allowed      the terminal's role may not do this
    ├── RateLimited ........... rate_limited     a kiosk drawing faster than the site allows
    ├── Busy .................. busy             the office's database is being reached again (a
    │                                            failover): nothing was done, try again in a moment
    ├── Unconfirmed ........... unconfirmed      done, but the database has not confirmed it for a while
    │                                            (a synchronous standby gone): it counts once confirmed
    ├── UnknownService ........ unknown_service
    ├── UnknownCounter ........ unknown_counter
    ├── UnknownTicket ......... unknown_ticket
    ├── UnknownOutcome ........ unknown_outcome
    ├── UnknownBooking ........ unknown_booking  no such appointment today
    ├── TooLate ............... too_late         past the appointment's grace minutes, and the
    │                                            site takes no late visitors (server/core/checkin.py)
    ├── UnknownPartner ........ unknown_partner  a referral to a partner the site does not have
    ├── VisitFinished ......... visit_finished   the code's visit is over (done, no-show): no new ticket
    ├── ClosedForToday ........ closed_for_today outside opening hours
    ├── CounterNotOpen ........ counter_not_open the counter must `open` first
    ├── NothingWaiting ........ nothing_waiting  `next` with an empty queue
    ├── NoCurrentTicket ....... no_current_ticket recall/start/... with no visitor at the desk
    ├── VisitorAtCounter ...... visitor_at_counter next/close while a visitor is still open
    ├── InvalidTransition ..... invalid_transition the ticket's state forbids the change
    ├── NotFinished ........... not_finished     feedback on a visit that is not finished
    ├── AlreadyAnswered ....... already_answered a ticket's feedback was given already
    └── fair access (server/access, server/wire/access.py):
        WindowClosed .......... window_closed    registration outside the day's window
        AlreadyRegistered ..... already_registered this person has an entry for the day
        ContactFull ........... contact_full     the contact holds as many entries as allowed
        BadName ............... bad_name         no name (letters) to register
        BadBirthDate .......... bad_birth_date   not a date YYYY-MM-DD in the past
        TooMany ............... too_many         this address registered as many as allowed
        UnknownEntry .......... unknown_entry    no such entry (or its day is long over)
    NetworkTrouble ............ network          the network of offices is not set up, not reached,
                                                 refused or answered garbage (why: none, away,
                                                 refused, garbage, nothing): nothing was adopted

The `str()` of each is a sentence an admin can read (English, for logs and older clients).
Staff read it in their own language: each error carries its values as `fields` — `ticket`,
`state`, `action`, `counter`, `service`, `partner`, and `why` where one code has several causes
(`bad_request` with why `end_in_past`, `not_allowed` with why `not_serving`, ...) — which the
protocol's `error` frame carries beside the English `message`, and the server renders from the
staff catalogue (`server.manager.words.error_text`) for a connection that asks for it.
Connection-level failures (bad token, wrong role, unsupported version) close the websocket
with the codes in `CLOSE_CODES` instead.
"""

from __future__ import annotations

CLOSE_CODES = {
    "unsupported_version": 4400,
    "bad_token": 4401,
    "wrong_role": 4403,
    "hello_expected": 4408,
    "throttled": 4429,        # too many wrong tokens from this address: wait (server/edge/limits.py)
    "too_slow": 4413,         # it did not read what was pushed to it (server/edge/fanout.py)
}


class WillkommenError(Exception):
    code = "error"

    def __init__(self, message: str, **fields: object):
        super().__init__(message)
        self.message = message
        self.fields = {key: str(value) for key, value in fields.items()}


class BadRequest(WillkommenError):
    code = "bad_request"

    def __init__(self, message: str, *, re: str | int | None = None, **fields: object):
        super().__init__(message, **fields)
        self.re = re  # the request id, when the frame was readable enough to have one


class UnknownType(BadRequest):
    code = "unknown_type"


class NotAllowed(WillkommenError):
    code = "not_allowed"


class RateLimited(WillkommenError):
    code = "rate_limited"


class Busy(WillkommenError):
    """Answered without running the request while the server reaches its database again
    (`server.store.writer`); the client session retries it (`server.wire.session`)."""
    code = "busy"


class Unconfirmed(WillkommenError):
    """A request that ran, whose commit the database has not confirmed for `[limits]
    commit_wait_seconds` (`server.store.writer`): answered so its terminal is not kept waiting
    for ever. It stands once the database confirms; the client session sends an idempotent one
    (a draw, same key) again like `busy`, and gets its one result once the database is back.
    On the server it carries `confirmed` (settled once its commit is confirmed, or failed) and
    `value` (what the request returned): a counter is sent its reply then (`server.edge.held`)."""
    code = "unconfirmed"

    def __init__(self, message: str, *, confirmed: object = None, **fields: object):
        super().__init__(message, **fields)
        self.confirmed = confirmed
        self.value: object = None


class UnknownService(WillkommenError):
    code = "unknown_service"


class UnknownCounter(WillkommenError):
    code = "unknown_counter"


class UnknownTicket(WillkommenError):
    code = "unknown_ticket"


class UnknownOutcome(WillkommenError):
    code = "unknown_outcome"


class UnknownBooking(WillkommenError):
    code = "unknown_booking"


class TooLate(WillkommenError):
    code = "too_late"


class UnknownPartner(WillkommenError):
    code = "unknown_partner"


class VisitFinished(WillkommenError):
    code = "visit_finished"


class ClosedForToday(WillkommenError):
    code = "closed_for_today"


class CounterNotOpen(WillkommenError):
    code = "counter_not_open"


class NothingWaiting(WillkommenError):
    code = "nothing_waiting"


class NoCurrentTicket(WillkommenError):
    code = "no_current_ticket"


class VisitorAtCounter(WillkommenError):
    code = "visitor_at_counter"


class InvalidTransition(WillkommenError):
    code = "invalid_transition"


class NotFinished(WillkommenError):
    code = "not_finished"


class AlreadyAnswered(WillkommenError):
    code = "already_answered"


class WindowClosed(WillkommenError):
    code = "window_closed"


class AlreadyRegistered(WillkommenError):
    code = "already_registered"


class ContactFull(WillkommenError):
    code = "contact_full"


class BadName(WillkommenError):
    code = "bad_name"


class BadBirthDate(WillkommenError):
    code = "bad_birth_date"


class TooMany(WillkommenError):
    code = "too_many"


class UnknownEntry(WillkommenError):
    code = "unknown_entry"


class NetworkTrouble(WillkommenError):
    code = "network"


_CODED: list[type[WillkommenError]] = [*WillkommenError.__subclasses__(), UnknownType]
ERRORS = {cls.code: cls for cls in _CODED}
