"""The words of a message, in the visitor's language, from the catalogue's `[messages]`.

Keys (every visitor catalogue has them; `config/strings/<lang>.toml`):
`won` ({code}, {start}, {end}), `not_drawn`, `not_drawn_offer` (not drawn, and a place a
no-show gives back may still be offered today: `server.access.schedule.Schedule.may_offer`),
`offered` ({code}, {end}), `near_call` ({number}, {minutes}, {ahead}), and `subject`
({office}) for e-mail.

Values are put in as text, on one line (`one_line`): `str.format` never reads a value's own
braces, and nothing here is markup (SMS and a text/plain e-mail). An SMS is counted in UCS-2 parts (`sms_parts`): the
texts are kept to two parts in every language (tests/test_messages_texts.py).
"""

from __future__ import annotations

import math
import unicodedata
from typing import Mapping

KINDS = ("won", "not_drawn", "not_drawn_offer", "offered", "near_call")
PART, PART_OF_MANY = 70, 67   # UCS-2 characters in one SMS; in each part of a longer one


def compose(words: Mapping[str, str], kind: str, *, office: str = "", **values: object) -> tuple[str, str]:
    """(subject, text) of a message `kind` in the catalogue `words` (`Site.words(lang)`)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    text = words[f"messages.{kind}"].format(**{k: one_line(v) for k, v in values.items()})
    subject = words["messages.subject"].format(office=one_line(office))
    return subject, text


def one_line(value: object) -> str:
    """A value as one line of text: line breaks and control characters become spaces, runs of
    spaces one (a code or a name from outside must not break an SMS or an e-mail into lines).
    Format characters stay: Persian's zero-width non-joiner and bidi marks are part of words."""
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in str(value))
    return " ".join(text.split())


def sms_parts(text: str) -> int:
    """How many SMS a text costs as UCS-2 (characters outside the BMP count twice)."""
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= PART else math.ceil(units / PART_OF_MANY)
