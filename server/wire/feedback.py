"""The visitors' feedback on the wire: a phone's rating and the exit terminal's tap
(`server.visitors.feedback`).
"""

from __future__ import annotations

from typing import Annotated, Union

import msgspec
from msgspec import Meta

from server.wire.fields import Key, Message, Request, Text, explain, tags

# ---- visitor feedback (server.visitors.feedback): ws://host/feedback/ws ------------------------------
#
# Public like the phone page, so every frame carries what entitles it, and nothing is kept
# about the connection:
#
#   rate   {id, ticket, score, reasons}   a visitor's phone: `ticket` is the status page's
#                                         token; once per finished ticket
#   tap    {id, terminal, token, score}   the exit terminal: its id and token from the site
#                                         config (a display-like token in the page's URL)
#
# The answer is `thanked {re}` once the answer is committed, or `error {re, code, message}`:
# bad_request, unknown_type, unknown_ticket, not_finished, already_answered, not_allowed (a
# wrong terminal or token), rate_limited (a terminal tapping faster than the site allows).

MAX_REASONS = 16


class Rate(Request, tag="rate"):
    ticket: Key
    score: Annotated[int, Meta(ge=1, le=5)]
    reasons: Annotated[list[Key], Meta(max_length=MAX_REASONS)] = []


class Tap(Request, tag="tap"):
    terminal: Key
    token: Text
    score: Annotated[int, Meta(ge=1, le=5)]


FeedbackMessage = Union[Rate, Tap]
FEEDBACK_TYPES = tags(Rate, Tap)


class Thanked(Message, tag="thanked"):
    re: str | int


_feedback_decoder = msgspec.json.Decoder(FeedbackMessage)


def decode_feedback(data: str | bytes) -> FeedbackMessage:
    """Parse one frame from a phone page or a feedback terminal; `BadRequest` (with `.re`
    where the frame has a readable id) if it is not a valid `rate` or `tap`."""
    try:
        return _feedback_decoder.decode(data)
    except (msgspec.DecodeError, RecursionError) as exc:
        raise explain(data, exc, known=FEEDBACK_TYPES) from None
