"""A draw's request key, kept while its answer is unknown.

A draw carries a key; the server answers a draw sent again with the same key with the same
ticket (`server.core.kiosk`). When the office's database does not confirm (a synchronous
standby gone: the answer is `unconfirmed` or `busy`, or none came), the kiosk asks its visitor
to wait a moment and try again — but the draw may already stand, waiting for the database. So
the next touch of the same service, in the same language and with the same answer to the
interpreter question, sends that key again: once the database confirms, the visitor gets that
ticket, not a second one beside it (which no one would hold: called, then a no-show). Kept for
`KEEP_SECONDS` after the last unanswered try; any other answer forgets it.
"""

from __future__ import annotations

import time
from typing import Callable

KEEP_SECONDS = 300.0
UNANSWERED = (None, "busy", "unconfirmed")  # no answer (the connection), or one that may still stand


class DrawKeys:
    def __init__(self, new_key: Callable[[], str], clock: Callable[[], float] = time.monotonic):
        self.new_key, self.clock = new_key, clock
        self.kept: tuple[tuple[str, str, bool], str, float] | None = None  # (what, key, when it went unanswered)

    def key(self, service: str, lang: str, interpreter: bool) -> str:
        what = (service, lang, interpreter)
        if self.kept is not None and self.kept[0] == what and self.clock() - self.kept[2] < KEEP_SECONDS:
            return self.kept[1]
        self.kept = (what, key := self.new_key(), float("-inf"))
        return key

    def answered(self, code: str | None = "") -> None:
        """The draw's answer: "" a ticket, else the error's code (None: no answer at all)."""
        if self.kept is not None and code in UNANSWERED:
            self.kept = (self.kept[0], self.kept[1], self.clock())
        else:
            self.kept = None
