"""Visitor feedback as the queue core sees it: what an answer may hold. Pure, no I/O.

An answer is a score from 1 (very bad) to 5 (very good) and any of a few fixed reasons; it
names the service and the visitor's language, and where it came from ("phone": the status
page of a finished ticket, once per ticket; "terminal": the exit terminal, a tap without
reasons). It never names the ticket, the counter or the clerk: `Office.rate` stores the
answer (`feedback_given`) and the fact that a ticket has answered (`ticket_rated`) as two
events, so no query can put a score next to a counter by joining on the ticket.
"""

from __future__ import annotations

from typing import Iterable

from server.wire import errors

SCORES = (1, 2, 3, 4, 5)
# The reasons a visitor may tick, in the order the phone shows them; their words are
# `feedback.reason.<id>` in every visitor catalogue (config/strings/*.toml).
REASONS = ("waited_too_long", "did_not_understand", "not_solved", "friendly", "well_explained", "quick")
SOURCES = ("phone", "terminal")


def answer(score: int, reasons: Iterable[str] = ()) -> tuple[int, list[str]]:
    """The score and reasons as stored (reasons in `REASONS` order), or a `BadRequest`
    saying what is wrong. A reason named twice is one reason, not an error."""
    if score not in SCORES:
        raise errors.BadRequest(f"score {score!r} is not one of 1 (very bad) to 5 (very good)")
    given = set(reasons)
    unknown = sorted(given - set(REASONS))
    if unknown:
        raise errors.BadRequest(f"unknown reason {unknown[0]!r} (expected any of {', '.join(REASONS)})")
    return score, [reason for reason in REASONS if reason in given]
