"""When a visitor with an appointment checks in: early, on time or late. Pure, explicit `now`.

The rule, for an appointment due at 10:30 at a site with 15 grace minutes::

    checks in 10:05  -> early    a ticket; waits like a walk-in and is called first from 10:30
    checks in 10:30  -> on_time  a ticket; due, so the next free counter calls it first
    checks in 10:45  -> on_time  still within the grace minutes (the boundary counts as on time)
    checks in 10:46  -> late     the site decides (`[appointments] late`): "walk_in" gives a
                                 ticket in the service's queue without the appointment's
                                 precedence; "refuse" gives the error `too_late`, no ticket

A code that is not booked for today (never booked, cancelled, another day) is `unknown_booking`.
Checking in again returns the first ticket whatever the time while it is open (waiting, called,
serving, parked): the answer is read off that ticket (`arrival_of`), so a kiosk that retries
after a lost reply shows what it showed before. Once that visit is over (done, no-show) the code
is `visit_finished`: no second ticket, nothing printed. A ticket the kiosk cancelled (its
printer failed) does not count: checking in again gives a new one.
"""

from __future__ import annotations

EARLY, ON_TIME, LATE = "early", "on_time", "late"
REFUSE = "refuse"  # a site's rule for a late appointment (else it waits as a walk-in)


def arrival(due_at: float, now: float, *, grace_minutes: float) -> str:
    """EARLY before `due_at`, ON_TIME up to `grace_minutes` after it (inclusive), else LATE."""
    if now < due_at:
        return EARLY
    if now - due_at <= grace_minutes * 60:
        return ON_TIME
    return LATE


def arrival_of(*, due_at: float, issued_at: float, appointment_at: float | None, grace_minutes: float) -> str:
    """How a visitor who already has a ticket arrived: a ticket without the appointment's time
    was issued as a late walk-in; otherwise the rule at its issue time."""
    if appointment_at is None:
        return LATE
    return arrival(due_at, issued_at, grace_minutes=grace_minutes)
